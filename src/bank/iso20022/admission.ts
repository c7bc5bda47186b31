/**
 * What a SEPA credit transfer (EPC pain.001.001.09) can carry, for admission
 * to call before a payment is accepted for a bank that speaks ISO 20022: the
 * schema allows only EUR, and amounts from 0.01 to 999,999,999.99.
 */

export const ISO20022_CURRENCY = "EUR";
/** Euro cents. */
export const ISO20022_CURRENCY_FRACTION_DIGITS = 2;
export const ISO20022_MIN_AMOUNT_MINOR = 1;
/** 999,999,999.99 EUR in cents: the EPC schema's maxInclusive. */
export const ISO20022_MAX_AMOUNT_MINOR = 99_999_999_999;

export type Iso20022AdmissionProblem = "currency-not-supported" | "amount-out-of-range";

/** Null when a pain.001 can carry this amount and currency; otherwise why not. */
export function iso20022AdmissionProblem(amountMinor: number, currency: string): Iso20022AdmissionProblem | null {
  if (currency !== ISO20022_CURRENCY) return "currency-not-supported";
  if (!Number.isSafeInteger(amountMinor) || amountMinor < ISO20022_MIN_AMOUNT_MINOR || amountMinor > ISO20022_MAX_AMOUNT_MINOR) {
    return "amount-out-of-range";
  }
  return null;
}
