/** Reads the bank simulator's ledger and request log through its control plane. */
import { env } from "cloudflare:workers";

export interface LedgerTransfer {
  transfer_id: string;
  end_to_end_id: string;
  debtor_iban: string;
  amount: { value: number; currency: string };
  status: string;
  submissions: number;
}

async function control<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await env.BANK_CONTROL.fetch(`http://bank-control${path}`, init);
  return (await response.json()) as T;
}

export async function bankTransfer(endToEndId: string): Promise<LedgerTransfer | undefined> {
  const response = await env.BANK_CONTROL.fetch(`http://bank-control/control/ledger/${encodeURIComponent(endToEndId)}`);
  if (response.status === 404) return undefined;
  return (await response.json()) as LedgerTransfer;
}

export async function bankTransfersOf(debtorIban: string): Promise<LedgerTransfer[]> {
  return (await control<{ transfers: LedgerTransfer[] }>(`/control/ledger?debtor_iban=${encodeURIComponent(debtorIban)}`)).transfers;
}

export interface BankRequest {
  /** When the bank received it (ISO 8601). */
  at: string;
  method: string;
  path: string;
  client_cn: string | null;
  fault?: string;
}

export async function bankRequestsFor(endToEndId: string): Promise<BankRequest[]> {
  return (await control<{ requests: BankRequest[] }>(`/control/requests?end_to_end_id=${encodeURIComponent(endToEndId)}`)).requests;
}

export async function bankStats(): Promise<{ requests: number; tls_rejections: number; transfers: number }> {
  return control("/control/stats");
}

/** Every request the bank received whose body named this debtor IBAN (one merchant's submissions). */
export async function bankRequestsByDebtor(debtorIban: string): Promise<Array<{ method: string; path: string; end_to_end_id?: string }>> {
  return (
    await control<{ requests: Array<{ method: string; path: string; end_to_end_id?: string }> }>(
      `/control/requests?debtor_iban=${encodeURIComponent(debtorIban)}`,
    )
  ).requests;
}

/** The BANK binding the test setup always wires (wrangler.jsonc binds it only in production, so its type is optional). */
export function boundBank(): Fetcher {
  if (!env.BANK) throw new Error("the test setup did not bind BANK");
  return env.BANK;
}
