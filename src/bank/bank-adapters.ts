/**
 * The one place a bank profile is chosen (BANK_PROFILE): the merchant object
 * gets a BankPort and never learns which contract is behind it.
 */
import { BANK_PROFILES, type BankProfile, type ConnectorConfig } from "../../schemas/config.ts";
import type { BankAdapterOptions, BankPort, PreparedTransfer } from "./bank-port.ts";
import { Iso20022BankAdapter } from "./iso20022-adapter.ts";
import { JsonBankAdapter } from "./json-adapter.ts";

export function createBankAdapter(profile: BankProfile, options: BankAdapterOptions): BankPort {
  switch (profile) {
    case "json":
      return new JsonBankAdapter(options);
    case "iso20022":
      return new Iso20022BankAdapter(options);
    default:
      return profile satisfies never;
  }
}

/** The configured bank behind `fetcher` (the BANK binding, or a test's other door). */
export function bankAdapterFor(config: ConnectorConfig, fetcher: Fetcher): BankPort {
  return createBankAdapter(config.BANK_PROFILE, {
    fetcher,
    baseUrl: config.BANK_URL,
    timeoutMs: config.BANK_TIMEOUT_MS,
    currencies: config.BANK_CURRENCIES,
  });
}

/** A request body as stored with a payment (format and body, opaque to payments), or null when none was stored. */
export function storedTransfer(endToEndId: string, format: string | null, body: string | null): PreparedTransfer | null {
  const profile = BANK_PROFILES.find((known) => known === format);
  return profile === undefined || body === null ? null : { endToEndId, format: profile, body };
}
