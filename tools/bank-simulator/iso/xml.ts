/**
 * The little XML the simulated bank needs: writing its documents (pain.002,
 * camt.053, camt.054) and reading pain.001 once libxml2 has validated it.
 */
import { XMLParser } from "fast-xml-parser";

export const XML_CONTENT_TYPE = "application/xml; charset=utf-8";

export interface XmlElement {
  name: string;
  attributes?: Record<string, string>;
  /** Text content, or child elements (falsy entries are skipped, for optional elements). */
  content: string | XmlChild[];
}
export type XmlChild = XmlElement | undefined | false;

/** An element; `el("Cd", "ACSC")`, `el("Sts", [el("Cd", "BOOK")])`. */
export function el(name: string, content: string | XmlChild[], attributes?: Record<string, string>): XmlElement {
  return attributes ? { name, attributes, content } : { name, content };
}

/** A whole ISO 20022 document: declaration, then Document in the message's namespace around `message`. */
export function renderDocument(namespace: string, message: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(el("Document", [message], { xmlns: namespace }), "")}\n`;
}

function render(element: XmlElement, indent: string): string {
  const attributes = Object.entries(element.attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  const open = `${indent}<${element.name}`;
  if (typeof element.content === "string") return `${open}${attributes}>${escapeXml(element.content)}</${element.name}>`;
  const children = element.content.filter((child): child is XmlElement => Boolean(child));
  if (children.length === 0) return `${open}${attributes}/>`;
  const inner = children.map((child) => render(child, `${indent}  `)).join("\n");
  return `${open}${attributes}>\n${inner}\n${indent}</${element.name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  // Values stay text: "0012.50" or an id of digits must not become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ["PmtInf", "CdtTrfTxInf"].includes(name),
});

export type XmlTree = { [name: string]: XmlValue };
export type XmlValue = string | XmlTree | XmlValue[];

/** Parses a document into plain objects (attributes as "@Name", text next to attributes as "#text"); undefined if unparsable. */
export function parseXml(text: string): XmlTree | undefined {
  try {
    const tree: unknown = parser.parse(text);
    return typeof tree === "object" && tree !== null ? (tree as XmlTree) : undefined;
  } catch {
    return undefined;
  }
}

/** The value at a path of element names; arrays are entered at their first item. */
function at(tree: XmlValue | undefined, ...path: string[]): XmlValue | undefined {
  let node: XmlValue | undefined = tree;
  for (const name of path) {
    if (Array.isArray(node)) node = node[0];
    if (node === undefined || typeof node === "string") return undefined;
    node = (node as XmlTree)[name];
  }
  return Array.isArray(node) ? node[0] : node;
}

/** The text at a path (an element's text, even when it also carries attributes). */
export function textAt(tree: XmlValue | undefined, ...path: string[]): string | undefined {
  const node = at(tree, ...path);
  if (typeof node === "string") return node;
  if (node && !Array.isArray(node) && typeof node["#text"] === "string") return node["#text"];
  return undefined;
}

/** All items at a path whose last element may repeat. */
export function allAt(tree: XmlValue | undefined, ...path: string[]): XmlValue[] {
  const last = path.at(-1);
  if (last === undefined) return [];
  const parent = at(tree, ...path.slice(0, -1));
  if (parent === undefined || typeof parent === "string" || Array.isArray(parent)) return [];
  const node = parent[last];
  if (node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}
