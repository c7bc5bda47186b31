/**
 * One structured JSON line per request and per bank call (Workers Logs
 * indexes the fields). Values pass through redact(): IBANs keep their last 4
 * characters, and fields that could carry credentials are dropped whole.
 */

const SECRET_FIELD = /authorization|api_key|token|secret|password|private|certificate|cert|key_hash/i;
// Upper or lower case (a bank may print either), but not mixed: a mixed-case
// pattern would run on into the words that follow an IBAN.
const IBAN_LIKE = /\b(?:[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}|[a-z]{2}\d{2}(?:\s?[a-z0-9]){10,30})\b/g;

export function maskIban(iban: string): string {
  const compact = iban.replace(/\s+/g, "");
  return compact.length <= 4 ? "****" : `****${compact.slice(-4)}`;
}

/** Secrets that can hide inside free text (an error message, a bank's answer), whatever the field is called. */
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
const API_KEY_LIKE = /\b(mck_[0-9A-Z]{26}_)[A-Za-z0-9_-]+/g;
const BEARER_CREDENTIAL = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
// Standard base64 (`+`, `/`, `=` padding) since migration 7; base64url (`-`, `_`) before it.
const WEBHOOK_SECRET_LIKE = /\b(whsec_)[A-Za-z0-9+/=_-]+/g;

export function redactText(text: string): string {
  return text
    .replace(PEM_BLOCK, "[redacted pem]")
    .replace(API_KEY_LIKE, "$1[redacted]")
    .replace(WEBHOOK_SECRET_LIKE, "$1[redacted]")
    .replace(BEARER_CREDENTIAL, "$1 [redacted]")
    .replace(IBAN_LIKE, (match) => maskIban(match));
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_FIELD.test(key) ? "[redacted]" : redact(item, depth + 1);
    }
    return out;
  }
  return value;
}

export type LogLevel = "info" | "warn" | "error";

export function logEvent(level: LogLevel, event: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify(redact({ level, event, time: new Date().toISOString(), ...fields }));
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
