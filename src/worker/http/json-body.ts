/**
 * Reads a JSON request body defensively: the size limit is enforced while
 * streaming (a 1 GiB body is never buffered), and JSON that standard
 * JSON.parse would accept but that is ambiguous for a payment (duplicate keys,
 * where the last one silently wins) or abusive (deep nesting) is refused.
 */
import type { InvalidParam } from "../../../schemas/problem.ts";
import { readAtMost } from "./body-bytes.ts";
import { echoable, ProblemError, problem } from "./problem.ts";

export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_JSON_DEPTH = 16;

/**
 * `optional`: a request without a body (no content type and nothing to read,
 * or an empty JSON body) yields undefined instead of an error.
 */
export async function readJsonBody(request: Request, options: { optional?: boolean } = {}): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  const notJson = () => new ProblemError(problem("unsupported-media-type", "Send the body as application/json (UTF-8)."));
  if (options.optional && contentType === "") {
    // No content type: acceptable only if there is nothing to read (a
    // streamed empty body has no Content-Length, so it is read to be sure).
    if (request.body === null || request.headers.get("content-length") === "0") return undefined;
    if ((await readAtMost(request, MAX_BODY_BYTES, tooLarge)).length === 0) return undefined;
    throw notJson();
  }
  if (!/^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i.test(contentType.trim())) throw notJson();

  const bytes = await readAtMost(request, MAX_BODY_BYTES, tooLarge);
  if (options.optional && bytes.length === 0) return undefined;
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
  if (structureError) throw malformed(structureError.detail, { name: structureError.path || "(body)", reason: structureError.reason });
  return value;
}

/** Where a structural problem sits: a dotted path like `creditor.iban` or `metadata.items.3`. */
export interface StructureError {
  detail: string;
  path: string;
  reason: string;
}

type Frame = { keys: Set<string> | null; key: string | null; index: number };

const NUMBER_LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Scans already-valid JSON for what JSON.parse silently accepts but a payment
 * must not: duplicate object keys (the last would win), excessive nesting,
 * and numbers that do not survive parsing exactly (1e400 → Infinity,
 * 9007199254740993 → …992, 12.0000000000000001 → 12). Keys are compared
 * after unescaping, so "a" and "\u0061" are duplicates.
 */
export function findStructureError(json: string): StructureError | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i] as string;
    if (ch === "{" || ch === "[") {
      stack.push({ keys: ch === "{" ? new Set() : null, key: null, index: 0 });
      if (stack.length > MAX_JSON_DEPTH) {
        return {
          detail: `The body nests deeper than ${MAX_JSON_DEPTH} levels.`,
          path: pathOf(stack.slice(0, -1)),
          reason: "nests too deeply",
        };
      }
      expectKey = ch === "{";
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
    } else if (ch === ",") {
      const top = stack.at(-1);
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    } else if (ch === '"') {
      const end = endOfString(json, i);
      if (expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        const top = stack.at(-1) as Frame;
        top.key = key;
        if (top.keys?.has(key)) {
          return { detail: `The body repeats the key "${echoable(key, 40)}".`, path: pathOf(stack), reason: "appears more than once" };
        }
        top.keys?.add(key);
        expectKey = false;
      }
      i = end;
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      NUMBER_LITERAL.lastIndex = i;
      const literal = NUMBER_LITERAL.exec(json)?.[0] ?? ch;
      if (!parsesExactly(literal)) {
        return {
          detail: "The body contains a number that cannot be represented exactly.",
          path: pathOf(stack),
          reason: "is not exactly representable",
        };
      }
      i += literal.length - 1;
    }
  }
  return undefined;
}

function pathOf(stack: Frame[]): string {
  return stack
    .map((frame) => (frame.keys ? frame.key : String(frame.index)))
    .filter((part): part is string => part !== null)
    .join(".");
}

/**
 * True when JSON.parse yields the literal's value, or a value that is not an
 * integer (fractions are approximations anyway, and the schemas reject them
 * where an integer is required). False when the literal is an integer, or
 * rounds to one, that the double does not represent exactly. An exact but
 * too large integer (2^53) passes here and is refused by the schema.
 */
export function parsesExactly(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  if (!Number.isInteger(value)) return true;
  const match = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return false;
  let digits = (match[2] ?? "") + (match[3] ?? "");
  let exponent = Number(match[4] ?? "0") - (match[3]?.length ?? 0);
  digits = digits.replace(/^0+(?=\d)/, "");
  while (digits.length > 1 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  if (/^0$/.test(digits)) return true;
  // A decimal with fraction digits left over is not an integer, yet it parsed to one.
  if (exponent < 0) return false;
  // Past 10^308 the double is Infinity (handled above), so the BigInt stays small.
  return BigInt(digits) * 10n ** BigInt(exponent) === BigInt(Math.abs(value));
}

function endOfString(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === "\\") i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1;
}

function tooLarge(): ProblemError {
  return new ProblemError(problem("payload-too-large", `The body must be at most ${MAX_BODY_BYTES} bytes.`));
}

function malformed(detail: string, param?: InvalidParam): ProblemError {
  return new ProblemError(problem("malformed-json", detail, param ? [param] : undefined));
}
