/**
 * Reads a JSON request body defensively: the size limit is enforced while
 * streaming (a 1 GiB body is never buffered), and JSON that standard
 * JSON.parse would accept but that is ambiguous for a payment (duplicate keys,
 * where the last one silently wins) or abusive (deep nesting) is refused.
 */
import { ProblemError, problem } from "./problem.ts";

export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_JSON_DEPTH = 16;

export async function readJsonBody(request: Request): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i.test(contentType.trim())) {
    throw new ProblemError(problem("unsupported-media-type", 415, "Send the body as application/json (UTF-8)."));
  }
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();

  const bytes = await readAtMost(request, MAX_BODY_BYTES);
  let textBody: string;
  try {
    textBody = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw malformed("The body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(textBody);
  } catch {
    throw malformed("The body is not valid JSON.");
  }
  const structureError = findStructureError(textBody);
  if (structureError) throw malformed(structureError);
  return value;
}

async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Scans already-valid JSON for duplicate object keys and excessive nesting.
 * Keys are compared after unescaping, so "a" and "\u0061" are duplicates.
 */
export function findStructureError(json: string): string | undefined {
  const keyStack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === "{" || ch === "[") {
      keyStack.push(ch === "{" ? new Set() : null);
      if (keyStack.length > MAX_JSON_DEPTH) return `The body nests deeper than ${MAX_JSON_DEPTH} levels.`;
      expectKey = ch === "{";
    } else if (ch === "}" || ch === "]") {
      keyStack.pop();
      expectKey = false;
    } else if (ch === ",") {
      expectKey = keyStack.at(-1) instanceof Set;
    } else if (ch === '"') {
      const end = endOfString(json, i);
      if (expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        const keys = keyStack.at(-1) as Set<string>;
        if (keys.has(key)) return `The body repeats the key "${key.slice(0, 40)}".`;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
}

function endOfString(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === "\\") i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1;
}

function tooLarge(): ProblemError {
  return new ProblemError(problem("payload-too-large", 413, `The body must be at most ${MAX_BODY_BYTES} bytes.`));
}

function malformed(detail: string): ProblemError {
  return new ProblemError(problem("malformed-json", 400, detail));
}
