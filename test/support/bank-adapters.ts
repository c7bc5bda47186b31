/** Bank adapters for tests that call the bank directly, in the profile this test project runs (BANK_PROFILE) or a given one. */
import { env } from "cloudflare:workers";
import type { BankProfile } from "../../schemas/config.ts";
import { createBankAdapter } from "../../src/bank/bank-adapters.ts";
import type { BankPort, PreparedTransfer, TransferInstruction } from "../../src/bank/bank-port.ts";
import { parseConfig } from "../../src/platform/config.ts";

export const TEST_BANK_TIMEOUT_MS = 2_000;

/** The profile this test project runs (vitest.config.ts sets BANK_PROFILE per project). */
export function testProfile(): BankProfile {
  return parseConfig(env).BANK_PROFILE;
}

export function testBank(fetcher: Fetcher, options: { timeoutMs?: number; profile?: BankProfile } = {}): BankPort {
  const config = parseConfig(env);
  return createBankAdapter(options.profile ?? config.BANK_PROFILE, {
    fetcher,
    baseUrl: config.BANK_URL,
    timeoutMs: options.timeoutMs ?? TEST_BANK_TIMEOUT_MS,
    currencies: config.BANK_CURRENCIES,
  });
}

export function testInstruction(debtorIban: string, endToEndId: string, amountMinor = 999): TransferInstruction {
  return {
    endToEndId,
    debtor: { name: "Test Shop GmbH", iban: debtorIban },
    creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
    amountMinor,
    currency: "EUR",
    reference: "transport test",
    createdAt: Date.now(),
    sentAt: Date.now(),
  };
}

/** The request `bank` would send for a test transfer. */
export function preparedTransfer(bank: BankPort, debtorIban: string, endToEndId: string): PreparedTransfer {
  const preparation = bank.prepareTransfer(testInstruction(debtorIban, endToEndId), null);
  if (!preparation.ok) throw new Error(preparation.reason);
  return preparation.prepared;
}
