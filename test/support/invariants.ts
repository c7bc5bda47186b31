/**
 * The invariants of issue 3, checked against the connector's own storage,
 * its API and the bank's ledger. Shared by the chaos and property tests.
 */
import { expect } from "vitest";
import type { MerchantCreated } from "../../schemas/merchant-api.ts";
import { getPaymentEvents } from "./api.ts";
import { bankTransfersOf } from "./bank.ts";
import { paymentRows } from "./recovery.ts";

/** What one merchant request got back: the payment it names, or none (refusal, 503, network error). */
export interface Answer {
  key: string;
  status: number;
  paymentId: string | null;
}

const FINAL = new Set(["succeeded", "failed"]);
/** Failures that prove the bank never booked the transfer. */
const FAILED_WITHOUT_TRANSFER = new Set(["bank_refused", "bank_unavailable"]);

/** Mid-run: every payment still pending has a next action (recovery will come back for it). */
export async function expectNoPendingWithoutNextAction(merchantId: string): Promise<void> {
  for (const row of await paymentRows(merchantId)) {
    if (row.status === "pending") expect(row.next_action_at, `${row.id} pending without a next action`).not.toBeNull();
  }
}

export async function checkInvariants(merchant: MerchantCreated, answers: Answer[]): Promise<void> {
  const rows = await paymentRows(merchant.id);
  const transfers = await bankTransfersOf(merchant.debtor_iban);
  const transferOf = new Map(transfers.map((t) => [t.end_to_end_id, t]));

  // Every replay names the same payment as the first answer for its key; every accepted key has one payment.
  const paymentOfKey = new Map<string, string>();
  for (const answer of answers) {
    if (answer.paymentId === null) continue;
    const first = paymentOfKey.get(answer.key);
    if (first === undefined) paymentOfKey.set(answer.key, answer.paymentId);
    else expect(answer.paymentId, `key ${answer.key}`).toBe(first);
  }
  const rowsByKey = new Map<string, number>();
  for (const row of rows) rowsByKey.set(row.idempotency_key, (rowsByKey.get(row.idempotency_key) ?? 0) + 1);
  for (const [key, count] of rowsByKey) expect(count, `payments for key ${key}`).toBe(1);
  for (const [key, paymentId] of paymentOfKey) expect(rows.find((r) => r.idempotency_key === key)?.id).toBe(paymentId);

  // The bank holds nothing the connector does not know of, and no end-to-end id twice.
  const endToEndIds = new Set(rows.map((r) => r.end_to_end_id));
  for (const transfer of transfers) expect(endToEndIds.has(transfer.end_to_end_id), `orphan transfer ${transfer.end_to_end_id}`).toBe(true);
  expect(new Set(transfers.map((t) => t.end_to_end_id)).size, "end-to-end ids booked twice").toBe(transfers.length);

  for (const row of rows) {
    const label = `${row.id} (${row.failure_code ?? row.status})`;
    expect(FINAL.has(row.status), `${label} is final`).toBe(true);
    const transfer = transferOf.get(row.end_to_end_id);
    if (row.status === "failed" && FAILED_WITHOUT_TRANSFER.has(row.failure_code ?? "")) {
      expect(transfer, `${label}: the bank holds no transfer`).toBeUndefined();
    } else {
      // Exactly one transfer (the ledger is keyed by end-to-end id), and both sides agree on it,
      // unless the bank contradicted itself and the payment is flagged for a person.
      expect(transfer, `${label}: the bank holds its transfer`).toBeDefined();
      expect(transfer?.amount, label).toEqual({ value: row.amount, currency: row.currency });
      if (row.attention_reason !== "bank_contradiction") {
        expect(transfer?.status, label).toBe(row.status === "succeeded" ? "ACSC" : "RJCT");
      }
    }
  }

  // Status only ever moves pending -> final, once; the history verifies. A transfer the bank held was
  // POSTed again only after a confirmed 404 (a lagging replica): never blindly.
  await Promise.all(
    rows.map(async (row) => {
      const history = await getPaymentEvents(merchant.api_key, row.id);
      expect(history.verified, `${row.id} history verifies`).toBe(true);
      const confirmedAbsent = history.data.filter((e) => String(e.detail?.reason ?? "").includes("404 confirmed")).length;
      const held = transferOf.get(row.end_to_end_id);
      if (held) expect(held.submissions, `${row.id}: POSTs of a transfer the bank held`).toBeLessThanOrEqual(1 + confirmedAbsent);
      let previous: string | null = null;
      for (const event of history.data) {
        expect(event.from_status, `${row.id} event ${event.seq} links`).toBe(previous);
        if (previous !== null) expect(previous, `${row.id} event ${event.seq} leaves a final status`).toBe("pending");
        previous = event.to_status;
      }
      expect(previous).toBe(row.status);
    }),
  );
}
