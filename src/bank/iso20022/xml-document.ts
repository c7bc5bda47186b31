/**
 * From text to a parsed tree: the safety scan first, then fast-xml-parser
 * with every value kept as text (ids like `0001234` and amounts must not
 * become numbers), namespace prefixes removed (banks write `<Document>` as
 * well as `<ns2:Document>`) and repeating elements always as arrays. The
 * message type comes from the root's namespace, which the scan read before
 * the parser drops it. Nothing here throws.
 */
import { XMLParser } from "fast-xml-parser";
import { DEFAULT_MAX_XML_BYTES, decodeXmlInput, scanXml, type XmlRefusal } from "./xml-safety.ts";

/** The ISO 20022 messages the codec reads or writes, with the versions it accepts. */
export const ACCEPTED_MESSAGE_VERSIONS = {
  "pain.001": ["001.09"],
  "pain.002": ["001.03", "001.10", "001.11"],
  "camt.053": ["001.02", "001.04", "001.08"],
  "camt.054": ["001.02", "001.04", "001.08"],
} as const;

export type Iso20022Family = keyof typeof ACCEPTED_MESSAGE_VERSIONS;
export type Iso20022MessageType = {
  [F in Iso20022Family]: { family: F; version: (typeof ACCEPTED_MESSAGE_VERSIONS)[F][number] };
}[Iso20022Family];

const ISO20022_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:";

/** Elements that may repeat where the codec reads them; always arrays, even when there is one. */
const REPEATING_ELEMENTS = new Set(["Stmt", "Ntfctn", "Ntry", "NtryDtls", "TxDtls", "OrgnlPmtInfAndSts", "TxInfAndSts", "StsRsnInf"]);

export interface XmlReadOptions {
  /** Largest accepted document in bytes (UTF-8); DEFAULT_MAX_XML_BYTES when absent. */
  maxBytes?: number;
}

export type ParsedIso20022Document = { ok: true; messageType: Iso20022MessageType; document: unknown } | { ok: false; refusal: XmlRefusal };

/** The message type of a namespace such as `urn:iso:std:iso:20022:tech:xsd:camt.053.001.08`, if the codec accepts it. */
export function messageTypeOfNamespace(namespace: string): Iso20022MessageType | { unsupported: "document" | "version" } {
  if (!namespace.startsWith(ISO20022_NAMESPACE_PREFIX)) return { unsupported: "document" };
  const match = /^([a-z]{4}\.\d{3})\.(\d{3}\.\d{2})$/.exec(namespace.slice(ISO20022_NAMESPACE_PREFIX.length));
  if (!match) return { unsupported: "document" };
  const [, family, version] = match;
  if (!isAcceptedFamily(family)) return { unsupported: "document" };
  const versions: readonly string[] = ACCEPTED_MESSAGE_VERSIONS[family];
  if (version === undefined || !versions.includes(version)) return { unsupported: "version" };
  return { family, version } as Iso20022MessageType;
}

function isAcceptedFamily(family: string | undefined): family is Iso20022Family {
  return family !== undefined && Object.hasOwn(ACCEPTED_MESSAGE_VERSIONS, family);
}

/**
 * Parses an ISO 20022 document: refused when unsafe, malformed, not a
 * `Document` in an ISO 20022 namespace, or of a version the codec does not
 * read. `document` is the content of the root `Document` element, still to be
 * validated (with the Zod schemas in schemas/bank-iso20022.ts).
 */
export function parseIso20022Document(input: string | Uint8Array, options: XmlReadOptions = {}): ParsedIso20022Document {
  const decoded = decodeXmlInput(input, options.maxBytes ?? DEFAULT_MAX_XML_BYTES);
  if (!decoded.ok) return decoded;
  const scanned = scanXml(decoded.text);
  if (!scanned.ok) return scanned;
  const { root } = scanned;
  if (root.localName !== "Document" || root.namespace === null) {
    return { ok: false, refusal: { reason: "unsupported-document", detail: "the root is not an ISO 20022 Document" } };
  }
  const messageType = messageTypeOfNamespace(root.namespace);
  if ("unsupported" in messageType) {
    return messageType.unsupported === "version"
      ? { ok: false, refusal: { reason: "unsupported-version", detail: "a message version the connector does not read" } }
      : { ok: false, refusal: { reason: "unsupported-document", detail: "not an ISO 20022 message the connector reads" } };
  }
  let parsed: unknown;
  try {
    parsed = newParser().parse(scanned.text);
  } catch {
    // The scan accepted it, but the parser found it unusable (e.g. an element named like a JavaScript built-in).
    return { ok: false, refusal: { reason: "not-well-formed", detail: "the parser refused the document" } };
  }
  const document = isRecord(parsed) ? parsed.Document : undefined;
  if (document === undefined) return { ok: false, refusal: { reason: "not-well-formed", detail: "no Document element after parsing" } };
  return { ok: true, messageType, document: decodeReferences(document) };
}

function newParser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && REPEATING_ELEMENTS.has(name),
  });
}

/**
 * With processEntities off the parser leaves `&amp;` and `&#233;` as written;
 * the scan allowed only predefined and character references, resolved here,
 * iteratively (the tree's depth is capped, but no recursion is needed).
 */
function decodeReferences(tree: unknown): unknown {
  const holder: Record<string, unknown> = { value: tree };
  const pending: Array<Record<string, unknown> | unknown[]> = [holder];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    const keys = Array.isArray(container) ? container.keys() : Object.keys(container);
    for (const key of keys) {
      const value = (container as Record<string | number, unknown>)[key];
      if (typeof value === "string") {
        if (value.includes("&")) (container as Record<string | number, unknown>)[key] = resolveReferences(value);
      } else if (Array.isArray(value) || isRecord(value)) {
        pending.push(value);
      }
    }
  }
  return holder.value;
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function resolveReferences(value: string): string {
  return value.replace(/&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/g, (_all, name?: string, decimal?: string, hex?: string) => {
    if (name !== undefined) return PREDEFINED[name] ?? "";
    return String.fromCodePoint(decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? "0", 16));
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
