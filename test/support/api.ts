/** Test helpers that speak to the connector exactly as a merchant or operator would: over HTTP. */
import { env, exports } from "cloudflare:workers";
import { composeIBAN } from "ibantools";
import type { MerchantCreated, Payment } from "../../schemas/merchant-api.ts";
import { TEST_ADMIN_TOKEN } from "./constants.ts";

export const BASE = "https://connector.test";

let ibanCounter = 0;
/** A valid German IBAN, different on every call (bank code 37040044, account number from a counter). */
export function uniqueIban(): string {
  ibanCounter++;
  const account = String(Date.now() % 1e6).padStart(6, "0") + String(ibanCounter).padStart(4, "0");
  const iban = composeIBAN({ countryCode: "DE", bban: `37040044${account}` });
  if (!iban) throw new Error("could not compose IBAN");
  return iban;
}

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

export async function createMerchant(options: { limits?: { max_amount?: number; daily_amount?: number } } = {}): Promise<MerchantCreated> {
  const response = await call("/admin/v1/merchants", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Test Shop GmbH", debtor_iban: uniqueIban(), ...(options.limits ? { limits: options.limits } : {}) }),
  });
  if (response.status !== 201) throw new Error(`merchant creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as MerchantCreated;
}

export function paymentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: 1250,
    currency: "EUR",
    creditor: { name: "Jane Supplier", iban: "DE89370400440532013000" },
    reference: "Invoice 2026-0042",
    ...overrides,
  };
}

export async function postPayment(
  apiKey: string,
  body: unknown,
  idempotencyKey: string | null = crypto.randomUUID(),
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...extraHeaders };
  if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;
  return call("/v1/payments", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export async function getPayment(apiKey: string, id: string): Promise<Response> {
  return call(`/v1/payments/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
}

export async function json<T = Payment>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export function endToEndId(paymentId: string): string {
  return paymentId.replace(/^pay_/, "");
}

export function merchantStub(merchantId: string) {
  return env.MERCHANT.get(env.MERCHANT.idFromName(merchantId));
}

export interface PaymentEventView {
  seq: number;
  from_status: string | null;
  to_status: string;
  bank_status: string | null;
  reason_code: string | null;
  attempt: number;
  detail: Record<string, unknown> | null;
  hash: string;
  prev_hash: string;
}

export async function getPaymentEvents(
  apiKey: string,
  id: string,
): Promise<{ data: PaymentEventView[]; verified: boolean; broken_at_seq?: number; problem?: string }> {
  const response = await call(`/v1/payments/${id}/events`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (response.status !== 200) throw new Error(`events: ${response.status} ${await response.text()}`);
  return response.json();
}
