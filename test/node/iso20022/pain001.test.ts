/**
 * Every pain.001 the builder produces must validate against the EPC SCT C2PSP
 * schema (libxml2), carry exactly the contracted values, and only SEPA text.
 */
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { ISO20022_MAX_AMOUNT_MINOR, iso20022AdmissionProblem } from "../../../src/bank/iso20022/admission.ts";
import { buildPain001, type Pain001Input } from "../../../src/bank/iso20022/pain001.ts";
import { SEPA_NAME_PLACEHOLDER, SEPA_TEXT_PATTERN } from "../../../src/bank/iso20022/sepa-text.ts";
import { invalidDocuments, schemaErrors, XSD } from "./support/xsd.ts";

const BASE: Pain001Input = {
  endToEndId: "01M84VZ5AP8MVGWYKK009FMFWN",
  firstSentAt: Date.UTC(2026, 10, 23, 23, 59, 58, 7),
  creationDay: "2026-11-22",
  merchantName: "Acme Widgets GmbH",
  debtorIban: "DE02120300000000202051",
  creditorName: "Jane Supplier",
  creditorIban: "DE89370400440532013000",
  reference: "Invoice 42",
  amountMinor: 1250,
  currency: "EUR",
};

function build(overrides: Partial<Pain001Input> = {}): string {
  const built = buildPain001({ ...BASE, ...overrides });
  if (!built.ok) throw new Error(`unexpected refusal: ${built.problem}`);
  return built.xml;
}

// An independent reading of the built document (plain fast-xml-parser, not the codec's reader).
const reader = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: true });
type Tree = Record<string, unknown>;
function at(tree: unknown, path: string): unknown {
  return path.split("/").reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);
}
function fields(xml: string) {
  const document = reader.parse(xml) as Tree;
  const root = at(document, "Document/CstmrCdtTrfInitn") as Tree;
  const payment = at(root, "PmtInf") as Tree;
  const transaction = at(payment, "CdtTrfTxInf") as Tree;
  return { document, root, payment, transaction };
}

/** Independent of the codec: BigInt arithmetic on the integer. */
function expectedDecimal(minor: number): string {
  const value = BigInt(minor);
  return `${value / 100n}.${String(value % 100n).padStart(2, "0")}`;
}

/** All text content of the document's text-bearing fields (names and reference). */
function textFields(xml: string): string[] {
  const { root, payment, transaction } = fields(xml);
  const values = [at(root, "GrpHdr/InitgPty/Nm"), at(payment, "Dbtr/Nm"), at(transaction, "Cdtr/Nm"), at(transaction, "RmtInf/Ustrd")];
  return values.filter((value): value is string => typeof value === "string");
}

describe("pain.001.001.09 builder", () => {
  it("writes the contracted values at every level", async () => {
    const xml = build();
    const { document, root, payment, transaction } = fields(xml);
    expect(at(document, "Document/@_xmlns")).toBe("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09");
    expect(at(root, "GrpHdr/MsgId")).toBe(BASE.endToEndId);
    expect(at(root, "GrpHdr/CreDtTm")).toBe("2026-11-23T23:59:58.007Z");
    expect(at(root, "GrpHdr/NbOfTxs")).toBe("1");
    expect(at(root, "GrpHdr/CtrlSum")).toBe("12.50");
    expect(at(root, "GrpHdr/InitgPty/Nm")).toBe("Acme Widgets GmbH");
    expect(Array.isArray(payment)).toBe(false);
    expect(at(payment, "PmtInfId")).toBe(BASE.endToEndId);
    expect(at(payment, "PmtMtd")).toBe("TRF");
    expect(at(payment, "NbOfTxs")).toBe("1");
    expect(at(payment, "CtrlSum")).toBe("12.50");
    expect(at(payment, "PmtTpInf/SvcLvl/Cd")).toBe("SEPA");
    expect(at(payment, "ChrgBr")).toBe("SLEV");
    expect(at(payment, "ReqdExctnDt/Dt")).toBe("2026-11-22");
    expect(at(payment, "Dbtr/Nm")).toBe("Acme Widgets GmbH");
    expect(at(payment, "DbtrAcct/Id/IBAN")).toBe(BASE.debtorIban);
    expect(at(payment, "DbtrAgt/FinInstnId/Othr/Id")).toBe("NOTPROVIDED");
    expect(Array.isArray(transaction)).toBe(false);
    expect(at(transaction, "PmtId/EndToEndId")).toBe(BASE.endToEndId);
    expect(at(transaction, "Amt/InstdAmt/#text")).toBe("12.50");
    expect(at(transaction, "Amt/InstdAmt/@_Ccy")).toBe("EUR");
    expect(at(transaction, "Cdtr/Nm")).toBe("Jane Supplier");
    expect(at(transaction, "CdtrAcct/Id/IBAN")).toBe(BASE.creditorIban);
    expect(at(transaction, "RmtInf/Ustrd")).toBe("Invoice 42");
    expect(at(transaction, "CdtrAgt")).toBeUndefined();
    expect(await schemaErrors(XSD.pain001, [xml])).toEqual([[]]);
  });

  it("the schema check can fail: a broken document is caught beside a valid one", async () => {
    const valid = build();
    const wrongOrder = valid
      .replace("<PmtMtd>TRF</PmtMtd>", "")
      .replace(
        "<NbOfTxs>1</NbOfTxs>\n      <CtrlSum>12.50</CtrlSum>\n      <PmtTpInf>",
        "<NbOfTxs>1</NbOfTxs>\n      <CtrlSum>12.50</CtrlSum>\n      <PmtMtd>TRF</PmtMtd>\n      <PmtTpInf>",
      );
    const zero = valid.replace(">12.50</InstdAmt>", ">0.00</InstdAmt>");
    const threeDecimals = valid.replace(">12.50</InstdAmt>", ">12.501</InstdAmt>");
    const tooHigh = valid.replace(">12.50</InstdAmt>", ">1000000000.00</InstdAmt>");
    const longName = valid.replace("<Nm>Jane Supplier</Nm>", `<Nm>${"x".repeat(71)}</Nm>`);
    const emptyName = valid.replace("<Nm>Jane Supplier</Nm>", "<Nm></Nm>");
    const errors = await schemaErrors(XSD.pain001, [valid, wrongOrder, zero, threeDecimals, tooHigh, longName, emptyName]);
    expect(errors[0]).toEqual([]);
    // (The EPC schema restricts Ccy to EUR by a usage rule only, not a facet: the builder's own check is what refuses USD.)
    for (const list of errors.slice(1)) expect(list.length).toBeGreaterThan(0);
  });

  it("writes exactly two decimals computed from integer minor units, for any amount in range", async () => {
    const amounts = fc.sample(fc.integer({ min: 1, max: ISO20022_MAX_AMOUNT_MINOR }), { numRuns: 300, seed: 20261123 });
    const edges = [1, 9, 10, 99, 100, 101, 1999, 100_000, 99_999_999_999, 10_000_000_000, 123_456_789_01];
    const all = [...edges, ...amounts];
    const documents = all.map((amountMinor) => build({ amountMinor }));
    documents.forEach((xml, index) => {
      const amountMinor = all[index] ?? 0;
      const { root, payment, transaction } = fields(xml);
      const expected = expectedDecimal(amountMinor);
      expect(at(transaction, "Amt/InstdAmt/#text")).toBe(expected);
      expect(at(root, "GrpHdr/CtrlSum")).toBe(expected);
      expect(at(payment, "CtrlSum")).toBe(expected);
    });
    expect(await invalidDocuments(XSD.pain001, documents)).toEqual([]);
  });

  it("refuses what the schema cannot carry, and admission says so first", () => {
    expect(iso20022AdmissionProblem(1, "EUR")).toBeNull();
    expect(iso20022AdmissionProblem(99_999_999_999, "EUR")).toBeNull();
    expect(iso20022AdmissionProblem(100_000_000_000, "EUR")).toBe("amount-out-of-range");
    expect(iso20022AdmissionProblem(0, "EUR")).toBe("amount-out-of-range");
    expect(iso20022AdmissionProblem(1.5, "EUR")).toBe("amount-out-of-range");
    expect(iso20022AdmissionProblem(100, "USD")).toBe("currency-not-supported");
    expect(iso20022AdmissionProblem(100, "eur")).toBe("currency-not-supported");
    const refusal = (overrides: Partial<Pain001Input>) => {
      const built = buildPain001({ ...BASE, ...overrides });
      return built.ok ? "built" : built.problem;
    };
    expect(refusal({ currency: "CHF" })).toBe("currency-not-supported");
    expect(refusal({ amountMinor: 100_000_000_000 })).toBe("amount-out-of-range");
    expect(refusal({ amountMinor: Number.MAX_SAFE_INTEGER + 2 })).toBe("amount-out-of-range");
    expect(refusal({ endToEndId: "" })).toBe("invalid-end-to-end-id");
    expect(refusal({ endToEndId: "x".repeat(36) })).toBe("invalid-end-to-end-id");
    expect(refusal({ endToEndId: "has space" })).toBe("invalid-end-to-end-id");
    expect(refusal({ endToEndId: "a<b" })).toBe("invalid-end-to-end-id");
    expect(refusal({ endToEndId: "/leading" })).toBe("invalid-end-to-end-id");
    expect(refusal({ endToEndId: "a//b" })).toBe("invalid-end-to-end-id");
    expect(refusal({ firstSentAt: Number.NaN })).toBe("invalid-first-sent-at");
    expect(refusal({ firstSentAt: -1 })).toBe("invalid-first-sent-at");
    expect(refusal({ creationDay: "2026-02-30" })).toBe("invalid-creation-day");
    expect(refusal({ creationDay: "2026-11-23T00:00:00Z" })).toBe("invalid-creation-day");
    expect(refusal({ debtorIban: "DE02 1203 0000 0000 2020 51" })).toBe("invalid-debtor-iban");
    expect(refusal({ creditorIban: "de89370400440532013000" })).toBe("invalid-creditor-iban");
    expect(refusal({})).toBe("built");
  });

  it("transliterates names and references to the SEPA set and cuts them to the schema's lengths", async () => {
    const cases: Array<{ input: Partial<Pain001Input>; creditor?: string; reference?: string | null; merchant?: string }> = [
      { input: { creditorName: "Zoë Łódź-Øster Þór Æsir Straße" }, creditor: "Zoe Lodz-Oster THor AEsir Strasse" },
      { input: { creditorName: "Café 😀 ☕" }, creditor: "Cafe . ." },
      { input: { creditorName: "tab\tnew\nline\u0000nul\u007f" }, creditor: "tab.new.line.nul." },
      { input: { creditorName: "   " }, creditor: SEPA_NAME_PLACEHOLDER },
      { input: { creditorName: "" }, creditor: SEPA_NAME_PLACEHOLDER },
      { input: { merchantName: "\u0301\u0308" }, merchant: SEPA_NAME_PLACEHOLDER },
      { input: { creditorName: "ß".repeat(50) }, creditor: "s".repeat(70) },
      { input: { creditorName: `${"a".repeat(69)} b` }, creditor: "a".repeat(69) },
      { input: { creditorName: "<Jane & 'Co' \"Ltd\">" }, creditor: ".Jane . 'Co' .Ltd.." },
      { input: { reference: "" }, reference: null },
      { input: { reference: "    " }, reference: null },
      {
        input: { reference: "Rechnung Nr. 42 für März: 100€ (netto) + MwSt / Danke?" },
        reference: "Rechnung Nr. 42 fur Marz: 100. (netto) + MwSt / Danke?",
      },
      { input: { reference: "é".repeat(500) }, reference: "e".repeat(140) },
      { input: { reference: "😀".repeat(200) }, reference: ".".repeat(140) },
    ];
    const documents = cases.map((entry) => build(entry.input));
    cases.forEach((entry, index) => {
      const xml = documents[index] ?? "";
      const { root, payment, transaction } = fields(xml);
      if (entry.creditor !== undefined) expect(at(transaction, "Cdtr/Nm")).toBe(entry.creditor);
      if (entry.merchant !== undefined) {
        expect(at(root, "GrpHdr/InitgPty/Nm")).toBe(entry.merchant);
        expect(at(payment, "Dbtr/Nm")).toBe(entry.merchant);
      }
      if (entry.reference === null) expect(at(transaction, "RmtInf")).toBeUndefined();
      else if (entry.reference !== undefined) expect(at(transaction, "RmtInf/Ustrd")).toBe(entry.reference);
      for (const value of textFields(xml)) expect(value).toMatch(SEPA_TEXT_PATTERN);
    });
    expect(await invalidDocuments(XSD.pain001, documents)).toEqual([]);
  });

  it("any text at all becomes a valid document whose text fields are SEPA text within their lengths", async () => {
    const anyText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom(" ", "\t", "\u00a0", "é", "ß", "Ø", "\u0000", "\u001f", "😀", "&", "<", "]]>", "a"),
        maxLength: 400,
      }),
    );
    const inputs = fc.sample(fc.record({ merchantName: anyText, creditorName: anyText, reference: anyText }), { numRuns: 250, seed: 42 });
    const documents = inputs.map((input) => build(input));
    for (const xml of documents) {
      const { root, payment, transaction } = fields(xml);
      for (const name of [at(root, "GrpHdr/InitgPty/Nm"), at(payment, "Dbtr/Nm"), at(transaction, "Cdtr/Nm")]) {
        expect(typeof name).toBe("string");
        expect((name as string).length).toBeGreaterThanOrEqual(1);
        expect((name as string).length).toBeLessThanOrEqual(70);
      }
      const reference = at(transaction, "RmtInf/Ustrd");
      if (reference !== undefined) expect((reference as string).length).toBeLessThanOrEqual(140);
      for (const value of textFields(xml)) {
        expect(value).toMatch(SEPA_TEXT_PATTERN);
        expect(value).toBe(value.trim());
      }
    }
    expect(await invalidDocuments(XSD.pain001, documents)).toEqual([]);
  });
});
