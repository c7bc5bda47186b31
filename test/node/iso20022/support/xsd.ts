/**
 * Schema validation with libxml2 (xmllint-wasm), Node side only. One call
 * validates many documents: each call starts a worker thread, so tests batch.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validateXML } from "xmllint-wasm";

export const XSD = {
  pain001: "pain.001.001.09.EPC132-08_2023_V1.0_SCT_C2PSP.xsd",
  pain002: "pain.002.001.11.xsd",
  camt053: "camt.053.001.08.xsd",
  camt054: "camt.054.001.08.xsd",
} as const;

const FIXTURES = fileURLToPath(new URL("../../../fixtures/iso20022/", import.meta.url));

export function fixture(name: string): string {
  return readFileSync(FIXTURES + name, "utf8");
}

/** Validates every document; returns, per document in order, its schema errors (empty when valid). */
export async function schemaErrors(xsd: (typeof XSD)[keyof typeof XSD], documents: readonly string[]): Promise<string[][]> {
  if (documents.length === 0) return [];
  const files = documents.map((contents, index) => ({ fileName: `document-${index}.xml`, contents }));
  const result = await validateXML({ xml: files, schema: [fixture(xsd)], maxMemoryPages: 1024 });
  const errors: string[][] = documents.map(() => []);
  for (const error of result.errors) {
    // Located errors name their file; the closing "<file> fails to validate" line only starts with it.
    const fileName = error.loc?.fileName ?? error.rawMessage;
    const index = Number(/^document-(\d+)\.xml\b/.exec(fileName)?.[1] ?? -1);
    // An error we cannot attribute fails every document rather than none.
    if (index < 0) for (const list of errors) list.push(error.message);
    else errors[index]?.push(error.message);
  }
  if (!result.valid && errors.every((list) => list.length === 0)) for (const list of errors) list.push(result.rawOutput);
  return errors;
}

/** The documents that failed, with their errors, for a readable assertion. */
export async function invalidDocuments(
  xsd: (typeof XSD)[keyof typeof XSD],
  documents: readonly string[],
): Promise<Array<{ index: number; errors: string[] }>> {
  const errors = await schemaErrors(xsd, documents);
  return errors.flatMap((list, index) => (list.length === 0 ? [] : [{ index, errors: list }]));
}
