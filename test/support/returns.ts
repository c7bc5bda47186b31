/**
 * Returns and cancellation from a test: the simulator's scheduled returns
 * (POST /control/returns, docs/bank-api.md), the merchant object's return
 * poll, the cancel endpoint, and a bank that refuses submissions at its door
 * (so a payment stays provably never sent).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { BankReturnEntry } from "../../schemas/bank-api.ts";
import type { BankCall } from "../../src/bank/bank-call.ts";
import type { BankPort } from "../../src/bank/bank-port.ts";
import type { BankOutcome } from "../../src/bank/outcome.ts";
import type { ReturnPollResult } from "../../src/payments/return-watch.ts";
import type { ReturnApplication, ReturnSource } from "../../src/payments/returns.ts";
import { call, merchantStub } from "./api.ts";
import { sleep } from "./recovery.ts";

const DAY_MS = 86_400_000;
const RETURN_BOOKED_TIMEOUT_MS = 10_000;

interface LedgerReturn {
  reason_code: string;
  amount: { value: number; currency: string };
  due_at: string;
  transfer_id?: string;
  booked_at?: string;
}

/** Schedules the simulator's return of a settled transfer and waits until it is booked; returns it as the bank lists it. */
export async function returnTransfer(endToEndId: string, options: { reasonCode?: string; amount?: number } = {}): Promise<BankReturnEntry> {
  const response = await env.BANK_CONTROL.fetch("http://bank-control/control/returns", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      end_to_end_id: endToEndId,
      reason_code: options.reasonCode ?? "AC04",
      after_ms: 0,
      ...(options.amount === undefined ? {} : { amount: options.amount }),
    }),
  });
  if (response.status !== 201) throw new Error(`return refused: ${response.status} ${await response.text()}`);
  const deadline = Date.now() + RETURN_BOOKED_TIMEOUT_MS;
  for (;;) {
    const ledger = await env.BANK_CONTROL.fetch(`http://bank-control/control/ledger/${encodeURIComponent(endToEndId)}`);
    const planned = ((await ledger.json()) as { return?: LedgerReturn }).return;
    if (planned?.transfer_id && planned.booked_at) {
      return {
        type: "return",
        transfer_id: planned.transfer_id,
        return_of: endToEndId,
        reason_code: planned.reason_code,
        amount: planned.amount,
        booked_at: planned.booked_at,
      };
    }
    if (Date.now() > deadline) throw new Error(`the return of ${endToEndId} was not booked`);
    await sleep(20);
  }
}

/** Runs the merchant object's return poll as if due (the alarm does it every RETURNS_POLL_INTERVAL_MS). */
export async function pollReturns(merchantId: string): Promise<ReturnPollResult> {
  return runInDurableObject(merchantStub(merchantId), (instance) => instance.pollBankReturns(Date.now() + DAY_MS));
}

/** The payments' one return path, as an imported statement file would reach it. */
export async function applyReturnAsImported(merchantId: string, entry: BankReturnEntry): Promise<ReturnApplication> {
  const source: ReturnSource = { foundIn: "statement_import" };
  return runInDurableObject(merchantStub(merchantId), (instance) => instance.seams.applyReturn(entry, source));
}

export async function cancelPayment(apiKey: string, paymentId: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/v1/payments/${paymentId}/cancel`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, ...headers } });
}

export type StoredReturn = { bank_reference: string; payment_id: string | null; outcome: string; found_in: string };

export async function storedReturns(merchantId: string): Promise<StoredReturn[]> {
  return runInDurableObject(merchantStub(merchantId), (_instance, state) =>
    state.storage.sql
      .exec<StoredReturn>(`SELECT bank_reference, payment_id, outcome, found_in FROM bank_returns ORDER BY first_seen_at`)
      .toArray(),
  );
}

/**
 * A bank whose door refuses each payment's first submission (429, so the
 * payment is provably not at the bank and stays queued, never sent), and
 * passes everything else to the real bank, optionally `delayMs` late.
 */
export class DoorRefusingBank implements BankPort {
  delayMs = 0;
  private readonly refused = new Set<string>();

  constructor(private readonly bank: BankPort) {}

  admissionProblem(...args: Parameters<BankPort["admissionProblem"]>) {
    return this.bank.admissionProblem(...args);
  }

  prepareTransfer(...args: Parameters<BankPort["prepareTransfer"]>) {
    return this.bank.prepareTransfer(...args);
  }

  async submitCreditTransfer(...args: Parameters<BankPort["submitCreditTransfer"]>): Promise<BankCall<BankOutcome>> {
    const [transfer] = args;
    if (!this.refused.has(transfer.endToEndId)) {
      this.refused.add(transfer.endToEndId);
      return { outcome: { kind: "not_sent", reason: "bank answered 429" }, httpStatus: 429, latencyMs: 0 };
    }
    if (this.delayMs > 0) await sleep(this.delayMs);
    return this.bank.submitCreditTransfer(...args);
  }

  inquireCreditTransfer(...args: Parameters<BankPort["inquireCreditTransfer"]>) {
    return this.bank.inquireCreditTransfer(...args);
  }

  fetchStatementPage(...args: Parameters<BankPort["fetchStatementPage"]>) {
    return this.bank.fetchStatementPage(...args);
  }

  fetchNotifications(...args: Parameters<BankPort["fetchNotifications"]>) {
    return this.bank.fetchNotifications(...args);
  }
}

/** Puts a DoorRefusingBank in front of the merchant object's bank; returns it (live in the object) to steer its delay. */
export async function refuseFirstSubmissions(merchantId: string): Promise<DoorRefusingBank> {
  return runInDurableObject(merchantStub(merchantId), (instance) => {
    const door = new DoorRefusingBank(instance.seams.bank);
    instance.seams.bank = door;
    return door;
  });
}

/** The amount counted against the merchant's daily limit today (UTC) in this currency. */
export async function dailyTotal(merchantId: string, currency: string): Promise<number> {
  return runInDurableObject(
    merchantStub(merchantId),
    (_instance, state) =>
      state.storage.sql
        .exec<{ amount: number }>(
          `SELECT amount FROM daily_totals WHERE day = ? AND currency = ?`,
          new Date().toISOString().slice(0, 10),
          currency,
        )
        .toArray()[0]?.amount ?? 0,
  );
}
