/**
 * Building blocks shared by the merchant API and the bank API: money, IBANs,
 * identifiers and free text. Every schema here validates what crosses a
 * boundary; none of them trusts its input.
 */

import { code as currencyByCode } from "currency-codes";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { z } from "zod";

/**
 * Amounts are integer minor units. The ceiling is 2^53 - 1 because JavaScript
 * numbers (and the SQLite values the runtime hands back) lose integer
 * precision beyond it.
 */
export const MAX_MINOR_UNITS = Number.MAX_SAFE_INTEGER;

export const AmountMinorUnits = z
  .number({ error: "must be an integer number of minor units" })
  .int({ error: "must be an integer number of minor units" })
  .positive({ error: "must be greater than zero" })
  .max(MAX_MINOR_UNITS, { error: `must not exceed ${MAX_MINOR_UNITS}` })
  .meta({ description: "Integer count of the currency's minor units (cents for EUR).", example: 1250 });

/**
 * ISO 4217 codes whose entries name no country (gold, SDRs, test and
 * "no currency" codes) are not money a bank transfers.
 */
export function isPayableCurrency(code: string): boolean {
  const entry = currencyByCode(code);
  if (!entry) return false;
  return entry.countries.some((country) => !country.startsWith("Zz"));
}

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: "must be a three-letter upper-case ISO 4217 code" })
  .refine(isPayableCurrency, { error: "is not an ISO 4217 currency" })
  .meta({ description: "ISO 4217 alphabetic currency code.", example: "EUR" });

/** Longest IBAN in the registry is 34 characters; spaces are allowed for readability. */
const MAX_IBAN_INPUT_LENGTH = 42;

/**
 * Accepts the printed form ("DE89 3704 ...") and stores the electronic form.
 * ibantools checks the per-country length and BBAN structure, which a bare
 * mod-97 check would let through.
 */
export const Iban = z
  .string()
  .max(MAX_IBAN_INPUT_LENGTH, { error: "is too long for an IBAN" })
  .transform((value) => electronicFormatIBAN(value) ?? "")
  .refine((value) => isValidIBAN(value), { error: "is not a valid IBAN" })
  .meta({ description: "IBAN; spaces are accepted and removed.", example: "DE89370400440532013000" });

/** Control characters (C0, DEL, C1) have no place in names or references and break logs and CSVs. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters (C0, DEL, C1) is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/u;

export function text(maxLength: number) {
  return z
    .string()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .refine((value) => !CONTROL_CHARACTERS.test(value), { error: "must not contain control characters" });
}

export const ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}";

/**
 * `noun` names what the id identifies; the description it makes is what the
 * OpenAPI document says about the id, as a field and as a path parameter.
 */
export function prefixedId(prefix: string, noun: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${ULID_PATTERN}$`), { error: `must be a ${prefix}_ identifier` })
    .meta({ description: `${noun} id (\`${prefix}_…\`).`, example: `${prefix}_01JD5Z8Q9X4R7M2K3N6P8T0V1W` });
}

export const PaymentId = prefixedId("pay", "Payment");
export const MerchantId = prefixedId("mer", "Merchant");

export const Timestamp = z.iso.datetime({ offset: false }).meta({ example: "2026-11-23T10:15:30.123Z" });

/**
 * A page-size query parameter. Query parameters arrive as strings; this one is
 * digits only ("1e2", " 5" and "0x10" are refused, not coerced).
 */
export function pageLimit(max: number, fallback: number) {
  return z
    .string()
    .regex(new RegExp(`^\\d{1,${String(max).length}}$`), { error: `must be an integer from 1 to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: "must be at least 1" })
        .max(max, { error: `must be at most ${max}` }),
    )
    .default(fallback)
    .meta({ description: `Page size: an integer from 1 to ${max} (default ${fallback}), digits only.`, example: String(fallback) });
}
