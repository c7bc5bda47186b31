/**
 * The gate in front of the XML parser. Statement files come from merchants
 * and answers from a bank we do not control, so the input is hostile until
 * this scan says otherwise. fast-xml-parser has no switch to refuse DTDs and
 * its own checks throw, so this module refuses, without recursion and in one
 * linear pass, everything the codec never needs: DTDs and entities (XXE,
 * billion laughs), processing instructions, documents too large or too deep,
 * and text that is not well-formed XML. It never throws.
 */

/** Statement files and bank answers above this size are refused before any parsing. */
export const DEFAULT_MAX_XML_BYTES = 5 * 1024 * 1024;
/** ISO 20022 messages nest about 15 levels deep; anything past this is refused. */
export const MAX_XML_DEPTH = 64;
/**
 * A real 5 MiB statement holds some 200,000 elements (one per 25 bytes or
 * so); this is twice as dense. It bounds the parser's work on documents made
 * of nothing but tiny elements, which cost it seconds at 5 MiB.
 */
export const MAX_XML_ELEMENTS = 500_000;

export type XmlRefusalReason =
  | "too-large"
  | "unsupported-encoding"
  | "dtd"
  | "entity"
  | "processing-instruction"
  | "too-deep"
  | "too-many-elements"
  | "not-well-formed"
  | "unsupported-document"
  | "unsupported-version"
  | "not-a-camt-document"
  | "not-a-status-report";

/** Why a document was refused. `detail` names positions and limits, never the document's content. */
export interface XmlRefusal {
  reason: XmlRefusalReason;
  detail: string;
}

/** The root element as written: its local name and the namespace its prefix is bound to. */
export interface XmlRoot {
  localName: string;
  namespace: string | null;
}

export type XmlScan = { ok: true; text: string; root: XmlRoot } | { ok: false; refusal: XmlRefusal };

const refuse = (reason: XmlRefusalReason, detail: string): XmlScan => ({ ok: false, refusal: { reason, detail } });

// XML 1.0 Char excludes most C0 controls and the non-characters U+FFFE / U+FFFF.
// The writer refuses the same (xml-writer.ts); no g or y flag, so sharing it carries no lastIndex state.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML 1.0 forbids is the point.
export const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/u;
const NAME = /[A-Za-z_:\u00c0-\uffff][A-Za-z0-9_:.\-\u00b7\u00c0-\uffff]*/y;
const WHITESPACE = /[ \t\r\n]*/y;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6})|([A-Za-z_:][A-Za-z0-9_:.-]*));/y;
const ENCODING = /\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/**
 * Decodes and measures the input: bytes must be UTF-8 (ISO 20022 mandates it)
 * and at most `maxBytes` long, a string at most `maxBytes` once UTF-8 encoded.
 */
export function decodeXmlInput(
  input: string | Uint8Array,
  maxBytes: number,
): { ok: true; text: string } | { ok: false; refusal: XmlRefusal } {
  const tooLarge = { ok: false as const, refusal: { reason: "too-large" as const, detail: `larger than ${maxBytes} bytes` } };
  if (typeof input !== "string") {
    if (input.byteLength > maxBytes) return tooLarge;
    try {
      return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(input) };
    } catch {
      return { ok: false, refusal: { reason: "not-well-formed", detail: "not valid UTF-8" } };
    }
  }
  // A UTF-16 code unit is at least one UTF-8 byte and at most three.
  if (input.length > maxBytes) return tooLarge;
  if (input.length * 3 > maxBytes && utf8Length(input) > maxBytes) return tooLarge;
  return { ok: true, text: input.charCodeAt(0) === 0xfeff ? input.slice(1) : input };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Refuses what the codec never accepts and checks well-formedness; on success returns the root element. */
export function scanXml(text: string): XmlScan {
  // Any mention at all is refused, even inside a comment: no legitimate ISO 20022 message has one.
  if (/<!ENTITY/i.test(text)) return refuse("entity", "entity declaration");
  if (/<!DOCTYPE/i.test(text)) return refuse("dtd", "document type declaration");
  const forbidden = FORBIDDEN_CHARACTER.exec(text);
  if (forbidden) return refuse("not-well-formed", `forbidden character at offset ${forbidden.index}`);

  let position = 0;
  if (text.startsWith("<?xml") && /[\s?]/.test(text.charAt(5))) {
    const end = text.indexOf("?>");
    if (end < 0) return refuse("not-well-formed", "unterminated XML declaration");
    const encoding = ENCODING.exec(text.slice(0, end))?.[1]?.toLowerCase();
    if (encoding !== undefined && encoding !== "utf-8" && encoding !== "utf8") {
      return refuse("unsupported-encoding", "only UTF-8 documents are accepted");
    }
    position = end + 2;
  }

  const nextAmpersand = ampersandFinder(text);
  const open: string[] = [];
  let root: XmlRoot | null = null;
  let rootClosed = false;
  let elements = 0;
  while (position < text.length) {
    const tagStart = text.indexOf("<", position);
    const textEnd = tagStart < 0 ? text.length : tagStart;
    const textProblem = checkText(text, position, textEnd, open.length === 0, nextAmpersand);
    if (textProblem) return textProblem;
    if (tagStart < 0) break;
    const next = text.charAt(tagStart + 1);
    if (next === "?") return refuse("processing-instruction", `processing instruction at offset ${tagStart}`);
    if (next === "!") {
      if (text.startsWith("<!--", tagStart)) {
        const end = text.indexOf("-->", tagStart + 4);
        if (end < 0) return refuse("not-well-formed", `unterminated comment at offset ${tagStart}`);
        position = end + 3;
        continue;
      }
      if (text.startsWith("<![CDATA[", tagStart) && open.length > 0) {
        const end = text.indexOf("]]>", tagStart + 9);
        if (end < 0) return refuse("not-well-formed", `unterminated CDATA section at offset ${tagStart}`);
        position = end + 3;
        continue;
      }
      return refuse("not-well-formed", `unexpected markup declaration at offset ${tagStart}`);
    }
    if (next === "/") {
      const name = matchAt(NAME, text, tagStart + 2);
      if (name === null) return refuse("not-well-formed", `malformed end tag at offset ${tagStart}`);
      const after = skipWhitespace(text, tagStart + 2 + name.length);
      if (text.charAt(after) !== ">") return refuse("not-well-formed", `malformed end tag at offset ${tagStart}`);
      if (open.pop() !== name) return refuse("not-well-formed", `mismatched end tag at offset ${tagStart}`);
      if (open.length === 0) rootClosed = true;
      position = after + 1;
      continue;
    }
    if (rootClosed) return refuse("not-well-formed", `content after the root element at offset ${tagStart}`);
    const tag = readStartTag(text, tagStart);
    if (!tag.ok) return refuse(tag.reason, tag.detail);
    elements++;
    if (elements > MAX_XML_ELEMENTS) return refuse("too-many-elements", `more than ${MAX_XML_ELEMENTS} elements`);
    if (root === null) root = rootOf(tag.name, tag.attributes);
    if (tag.selfClosing) {
      if (open.length === 0) rootClosed = true;
    } else {
      open.push(tag.name);
      if (open.length > MAX_XML_DEPTH) return refuse("too-deep", `nesting deeper than ${MAX_XML_DEPTH} elements`);
    }
    position = tag.end;
  }
  if (root === null) return refuse("not-well-formed", "no root element");
  if (open.length > 0) return refuse("not-well-formed", "unclosed elements at the end of the document");
  return { ok: true, text, root };
}

type StartTag =
  | { ok: true; name: string; attributes: Map<string, string>; selfClosing: boolean; end: number }
  | { ok: false; reason: XmlRefusalReason; detail: string };

function readStartTag(text: string, tagStart: number): StartTag {
  const malformed = { ok: false as const, reason: "not-well-formed" as const, detail: `malformed start tag at offset ${tagStart}` };
  const name = matchAt(NAME, text, tagStart + 1);
  if (name === null) return malformed;
  const attributes = new Map<string, string>();
  let position = tagStart + 1 + name.length;
  for (;;) {
    const afterSpace = skipWhitespace(text, position);
    if (text.startsWith("/>", afterSpace)) return { ok: true, name, attributes, selfClosing: true, end: afterSpace + 2 };
    if (text.charAt(afterSpace) === ">") return { ok: true, name, attributes, selfClosing: false, end: afterSpace + 1 };
    if (afterSpace === position) return malformed; // attributes must be separated by whitespace
    const attribute = matchAt(NAME, text, afterSpace);
    if (attribute === null || attributes.has(attribute)) return malformed;
    const equals = skipWhitespace(text, afterSpace + attribute.length);
    if (text.charAt(equals) !== "=") return malformed;
    const quoteAt = skipWhitespace(text, equals + 1);
    const quote = text.charAt(quoteAt);
    if (quote !== '"' && quote !== "'") return malformed;
    const close = text.indexOf(quote, quoteAt + 1);
    if (close < 0) return malformed;
    const value = text.slice(quoteAt + 1, close);
    if (value.includes("<")) return malformed;
    const referenceProblem = checkReferences(value, 0, value.length, tagStart, (from) => value.indexOf("&", from));
    if (referenceProblem) return { ok: false, ...referenceProblem.refusal };
    attributes.set(attribute, value);
    position = close + 1;
  }
}

function rootOf(qualifiedName: string, attributes: Map<string, string>): XmlRoot {
  const colon = qualifiedName.indexOf(":");
  const prefix = colon < 0 ? null : qualifiedName.slice(0, colon);
  const localName = colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
  const namespace = attributes.get(prefix === null ? "xmlns" : `xmlns:${prefix}`) ?? null;
  return { localName, namespace };
}

/** Character data: only whitespace outside the root, and every `&` a predefined or character reference. */
function checkText(text: string, from: number, to: number, outsideRoot: boolean, nextAmpersand: AmpersandFinder): XmlScan | null {
  if (outsideRoot) {
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)
        return refuse("not-well-formed", `text outside the root element at offset ${i}`);
    }
    return null;
  }
  return checkReferences(text, from, to, from, nextAmpersand);
}

/** The position of the first `&` at or after a position, or -1. */
type AmpersandFinder = (from: number) => number;

/**
 * A plain indexOf per text segment would run to the end of the document
 * whenever a segment has no `&` (the usual case), which is quadratic over a
 * document of many small elements. Positions only move forward, so the last
 * answer stays valid until the scan passes it.
 */
function ampersandFinder(text: string): AmpersandFinder {
  let searchedFrom = 0;
  let found = text.indexOf("&");
  return (from) => {
    const stillValid = from >= searchedFrom && (found === -1 || found >= from);
    if (!stillValid) {
      searchedFrom = from;
      found = text.indexOf("&", from);
    }
    return found;
  };
}

function checkReferences(
  text: string,
  from: number,
  to: number,
  offsetBase: number,
  nextAmpersand: AmpersandFinder,
): { ok: false; refusal: XmlRefusal } | null {
  let ampersand = nextAmpersand(from);
  while (ampersand >= 0 && ampersand < to) {
    REFERENCE.lastIndex = ampersand;
    const match = REFERENCE.exec(text);
    if (match === null || ampersand + match[0].length > to) {
      return { ok: false, refusal: { reason: "not-well-formed", detail: `bare '&' near offset ${offsetBase}` } };
    }
    if (match[4] !== undefined) return { ok: false, refusal: { reason: "entity", detail: `entity reference near offset ${offsetBase}` } };
    const codePoint = match[2] !== undefined ? Number(match[2]) : match[3] !== undefined ? Number.parseInt(match[3], 16) : null;
    if (codePoint !== null && !isXmlCharacter(codePoint)) {
      return {
        ok: false,
        refusal: { reason: "not-well-formed", detail: `character reference to a forbidden character near offset ${offsetBase}` },
      };
    }
    ampersand = nextAmpersand(ampersand + match[0].length);
  }
  return null;
}

function isXmlCharacter(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function matchAt(pattern: RegExp, text: string, position: number): string | null {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0] ?? null;
}

function skipWhitespace(text: string, position: number): number {
  WHITESPACE.lastIndex = position;
  WHITESPACE.exec(text);
  return WHITESPACE.lastIndex;
}
