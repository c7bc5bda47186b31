/**
 * Money between integer minor units and the decimal text of ISO 20022
 * amounts, by string manipulation only: no float ever holds an amount.
 */

/** xs:decimal as banks write amounts: digits, optionally a point and digits; no sign, exponent or spaces. */
const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * `1250` with 2 fraction digits is `"12.50"`. Refuses (null) what is not a
 * non-negative safe integer or a fraction-digit count outside 0-4.
 */
export function minorUnitsToDecimalText(minorUnits: number, fractionDigits: number): string | null {
  if (!Number.isSafeInteger(minorUnits) || minorUnits < 0) return null;
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 4) return null;
  const digits = String(minorUnits);
  if (fractionDigits === 0) return digits;
  const padded = digits.padStart(fractionDigits + 1, "0");
  return `${padded.slice(0, -fractionDigits)}.${padded.slice(-fractionDigits)}`;
}

/**
 * `"12.5"`, `"12.50"` and `"12.500"` are all 1250 with 2 fraction digits.
 * Null when the text is not a plain decimal, carries a non-zero digit beyond
 * the currency's precision (it cannot be a whole number of minor units), or
 * exceeds Number.MAX_SAFE_INTEGER minor units.
 */
export function decimalTextToMinorUnits(text: string, fractionDigits: number): number | null {
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 4) return null;
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  if (/[1-9]/.test(fraction.slice(fractionDigits))) return null;
  // More significant digits than any safe integer has: refused before building a huge BigInt.
  if (whole.replace(/^0+/, "").length > MAX_SAFE_DIGITS) return null;
  const minor = BigInt(whole + fraction.slice(0, fractionDigits).padEnd(fractionDigits, "0"));
  return minor > MAX_SAFE ? null : Number(minor);
}
