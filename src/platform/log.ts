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

/**
 * A cheap test run before the replacements below: it matches wherever any of
 * them could (each needs one of these substrings, in any case), so text it
 * rejects, most ids, times and field values, is returned as it is without
 * five regex passes.
 */
const MAY_HOLD_SECRET = /-----BEGIN|mck_|whsec_|bearer|basic|[a-z]{2}\d{2}/i;

export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(PEM_BLOCK, "[redacted pem]")
    .replace(API_KEY_LIKE, "$1[redacted]")
    .replace(WEBHOOK_SECRET_LIKE, "$1[redacted]")
    .replace(BEARER_CREDENTIAL, "$1 [redacted]")
    .replace(IBAN_LIKE, (match) => maskIban(match));
}

/** Field names seen so far and whether SECRET_FIELD matches them: log lines repeat a few dozen names. */
const secretFieldNames = new Map<string, boolean>();
const MAX_REMEMBERED_FIELD_NAMES = 1_000;

function isSecretField(name: string): boolean {
  let secret = secretFieldNames.get(name);
  if (secret === undefined) {
    secret = SECRET_FIELD.test(name);
    if (secretFieldNames.size < MAX_REMEMBERED_FIELD_NAMES) secretFieldNames.set(name, secret);
  }
  return secret;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value && typeof value === "object") return redactFields(value as Record<string, unknown>, {}, depth);
  return value;
}

/** Copies `fields` into `out`, redacted; fields that are undefined are left out, as JSON.stringify would. */
function redactFields(fields: Record<string, unknown>, out: Record<string, unknown>, depth: number): Record<string, unknown> {
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const item = fields[key];
    if (item === undefined) continue;
    out[key] = isSecretField(key) ? "[redacted]" : typeof item === "number" || typeof item === "boolean" ? item : redact(item, depth + 1);
  }
  return out;
}

export type LogLevel = "info" | "warn" | "error";

/** Builds the line once: the redacted copy is the object serialized, with no intermediate spread. */
export function logEvent(level: LogLevel, event: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify(redactFields(fields, { level, event: redactText(event), time: new Date().toISOString() }, 0));
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
