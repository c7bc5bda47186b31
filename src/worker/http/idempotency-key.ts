import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../../../schemas/merchant-api.ts";
import { ProblemError, problem } from "./problem.ts";

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Reads the Idempotency-Key header. The IETF draft defines it as a Structured
 * Field string ("abc"); many clients send the bare value (abc). Both name the
 * same key: the quotes are not part of it.
 */
export function parseIdempotencyKey(headers: Headers): string {
  const raw = headers.get("idempotency-key");
  if (raw === null || raw.trim() === "") {
    throw new ProblemError(
      problem("idempotency-key-missing", "POST /v1/payments requires an Idempotency-Key header.", [
        { name: "Idempotency-Key", reason: "is required" },
      ]),
    );
  }
  let key = raw.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) {
    key = key.slice(1, -1).replace(/\\(["\\])/g, "$1");
  }
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_ASCII.test(key)) {
    throw new ProblemError(
      problem("idempotency-key-invalid", `The Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`, [
        { name: "Idempotency-Key", reason: "must be 1-255 printable ASCII characters" },
      ]),
    );
  }
  return key;
}
