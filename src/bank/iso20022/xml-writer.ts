/**
 * A minimal XML writer for the documents the codec builds (and for tests that
 * build bank answers): elements, attributes and text, escaped, indented by two
 * spaces. It writes only trees the caller constructs, so their depth is the
 * caller's own.
 */

import { FORBIDDEN_CHARACTER } from "./xml-safety.ts";

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  content: string | readonly XmlElement[];
}

/** `element("Amt", "12.50", { Ccy: "EUR" })`, or with child elements instead of text. */
export function element(
  name: string,
  content: string | readonly XmlElement[],
  attributes: Readonly<Record<string, string>> = {},
): XmlElement {
  return { name, attributes, content };
}

/** The document: UTF-8 declaration, then the root element. */
export function renderXmlDocument(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderElement(root, 0)}\n`;
}

function renderElement(node: XmlElement, depth: number): string {
  const indent = "  ".repeat(depth);
  const attributes = Object.entries(node.attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join("");
  if (typeof node.content === "string") return `${indent}<${node.name}${attributes}>${escapeXml(node.content)}</${node.name}>`;
  if (node.content.length === 0) return `${indent}<${node.name}${attributes}/>`;
  const children = node.content.map((child) => renderElement(child, depth + 1)).join("\n");
  return `${indent}<${node.name}${attributes}>\n${children}\n${indent}</${node.name}>`;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/**
 * Escapes text for element content and attribute values alike. A character
 * XML 1.0 cannot carry at all is a caller's bug (the builders sanitise first),
 * so it throws rather than write a document no parser would read.
 */
function escapeXml(text: string): string {
  if (FORBIDDEN_CHARACTER.test(text)) throw new RangeError("text contains a character XML cannot carry");
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}
