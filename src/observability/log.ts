/**
 * One structured JSON line per request and per bank call (Workers Logs
 * indexes the fields). Values pass through redact(): IBANs keep their last 4
 * characters, and fields that could carry credentials are dropped whole.
 */

const SECRET_FIELD = /authorization|api_key|token|secret|password|private|certificate|cert|key_hash/i;
const IBAN_LIKE = /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}\b/g;

export function maskIban(iban: string): string {
  const compact = iban.replace(/\s+/g, "");
  return compact.length <= 4 ? "****" : `****${compact.slice(-4)}`;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return value.replace(IBAN_LIKE, (match) => maskIban(match));
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
