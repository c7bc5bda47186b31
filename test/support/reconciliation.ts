/**
 * Helpers for listing and reconciliation tests: merchants with a random
 * debtor IBAN (the key every simulator scenario is scoped by), the
 * simulator's per-debtor statement scenarios, and the reconciliation API.
 */
import { env } from "cloudflare:workers";
import { composeIBAN } from "ibantools";
import type { MerchantCreated } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import { call } from "./api.ts";
import { TEST_ADMIN_TOKEN } from "./constants.ts";

/** A valid German IBAN with a random 10-digit account: parallel test files never share a debtor. */
export function randomIban(): string {
  const digits = new Uint32Array(2);
  crypto.getRandomValues(digits);
  const account = String((digits[0] ?? 0) % 100_000).padStart(5, "0") + String((digits[1] ?? 0) % 100_000).padStart(5, "0");
  const iban = composeIBAN({ countryCode: "DE", bban: `37040044${account}` });
  if (!iban) throw new Error("could not compose IBAN");
  return iban;
}

export async function createIsolatedMerchant(name = "Reconciled Shop GmbH"): Promise<MerchantCreated> {
  const response = await call("/admin/v1/merchants", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, debtor_iban: randomIban() }),
  });
  if (response.status !== 201) throw new Error(`merchant creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as MerchantCreated;
}

async function control(path: string, method: string, body: unknown): Promise<unknown> {
  const response = await env.BANK_CONTROL.fetch(`http://bank-control${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer: unknown = await response.json();
  if (response.status >= 300) throw new Error(`control ${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

export async function setDebtorScenario(
  debtorIban: string,
  settings: { page_size?: number; booking_status?: string; booking_offset_ms?: number },
): Promise<void> {
  await control(`/control/debtors/${encodeURIComponent(debtorIban)}`, "PUT", settings);
}

export type Discrepancy =
  | { kind: "unexpected_entry"; end_to_end_id: string; amount: { value: number; currency: string }; status: string; booked_at: string }
  | { kind: "missing_entry"; end_to_end_id: string }
  | { kind: "amount"; end_to_end_id: string; value: number }
  | { kind: "status"; end_to_end_id: string; status: string };

export async function injectDiscrepancy(debtorIban: string, discrepancy: Discrepancy): Promise<void> {
  await control(`/control/debtors/${encodeURIComponent(debtorIban)}/discrepancies`, "POST", discrepancy);
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function postReconciliation(apiKey: string, body: unknown): Promise<Response> {
  return call("/v1/reconciliations", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function reconcile(apiKey: string, date: string): Promise<ReconciliationReport> {
  const response = await postReconciliation(apiKey, { date });
  if (response.status !== 200) throw new Error(`reconciliation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as ReconciliationReport;
}

export async function getReconciliation(apiKey: string, date: string, accept?: string): Promise<Response> {
  return call(`/v1/reconciliations/${date}`, {
    headers: { authorization: `Bearer ${apiKey}`, ...(accept ? { accept } : {}) },
  });
}

export async function listPayments(apiKey: string, query: Record<string, string | number | undefined>): Promise<Response> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  return call(`/v1/payments?${params.toString()}`, { headers: { authorization: `Bearer ${apiKey}` } });
}
