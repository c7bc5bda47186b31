/**
 * ISO 20022 amounts are decimal text in major units ("12.50"); the ledger
 * keeps integer minor units. Converted as text, never through floats.
 */

/** Digits after the decimal point of the currencies this bank books (EUR). */
const MINOR_DIGITS = 2;
const XSD_DECIMAL = /^\+?(\d+)(?:\.(\d*))?$|^\+?\.(\d+)$/;

/** 1250 → "12.50". */
export function minorToDecimal(minor: number): string {
  if (!Number.isSafeInteger(minor)) throw new Error("amount is not a safe integer");
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(MINOR_DIGITS + 1, "0");
  return `${sign}${digits.slice(0, -MINOR_DIGITS)}.${digits.slice(-MINOR_DIGITS)}`;
}

/**
 * An xs:decimal ("12.5", "12.50", "+0012.500", ".5") → 1250; undefined when
 * negative, finer than a cent or beyond 2^53 - 1 minor units.
 */
export function decimalToMinor(text: string): number | undefined {
  const match = XSD_DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > MINOR_DIGITS) return undefined;
  const minor = BigInt(whole) * 10n ** BigInt(MINOR_DIGITS) + BigInt(fraction.padEnd(MINOR_DIGITS, "0"));
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : undefined;
}
