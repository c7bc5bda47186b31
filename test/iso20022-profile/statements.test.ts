/**
 * Statements (camt.053) and notifications (camt.054) from the bank's ISO
 * 20022 API, in each version the simulator writes (its /control/iso20022
 * switches), end to end: reconciliation through the connector reads every
 * page of the day's camt.053; the adapter reads returns from camt.054.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Payment } from "../../schemas/merchant-api.ts";
import { endToEndId, json, paymentBody, postPayment } from "../support/api.ts";
import { bankRequestsByDebtor, boundBank } from "../support/bank.ts";
import { testBank } from "../support/bank-adapters.ts";
import { addFault } from "../support/faults.ts";
import {
  createIsolatedMerchant,
  injectDiscrepancy,
  postReconciliation,
  reconcile,
  setDebtorScenario,
  todayUtc,
} from "../support/reconciliation.ts";

const CAMT_VERSIONS = ["001.02", "001.04", "001.08"] as const;

async function setIsoSettings(debtorIban: string, settings: Record<string, unknown>): Promise<void> {
  const response = await env.BANK_CONTROL.fetch(`http://bank-control/control/iso20022/debtors/${encodeURIComponent(debtorIban)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(settings),
  });
  if (response.status !== 200) throw new Error(`iso settings refused: ${response.status} ${await response.text()}`);
}

async function scheduleReturn(endToEndIdOfTransfer: string, reasonCode: string, amount?: number): Promise<void> {
  const response = await env.BANK_CONTROL.fetch("http://bank-control/control/returns", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ end_to_end_id: endToEndIdOfTransfer, reason_code: reasonCode, after_ms: 0, ...(amount ? { amount } : {}) }),
  });
  if (response.status !== 201) throw new Error(`return refused: ${response.status} ${await response.text()}`);
}

async function pay(apiKey: string, overrides: Record<string, unknown> = {}): Promise<Payment> {
  return json<Payment>(await postPayment(apiKey, paymentBody(overrides)));
}

describe("reconciliation from the bank's camt.053", () => {
  for (const version of CAMT_VERSIONS) {
    it(`camt.053.${version}: every page read, settled and pending transfers matched, a rejected one not missing`, async () => {
      const merchant = await createIsolatedMerchant();
      await setIsoSettings(merchant.debtor_iban, { camt053: version, booking_date: version === "001.04" ? "datetime" : "date" });
      await setDebtorScenario(merchant.debtor_iban, { page_size: 2 });
      const settled = [
        await pay(merchant.api_key, { amount: 100 }),
        await pay(merchant.api_key, { amount: 200 }),
        await pay(merchant.api_key, { amount: 300 }),
      ];
      await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
      const pending = await pay(merchant.api_key, { amount: 400 });
      await setDebtorScenario(merchant.debtor_iban, { booking_status: "RJCT" });
      const rejected = await pay(merchant.api_key, { amount: 500 });
      expect([...settled.map((p) => p.status), pending.status, rejected.status]).toEqual([
        "succeeded",
        "succeeded",
        "succeeded",
        "pending",
        "failed",
      ]);
      await injectDiscrepancy(merchant.debtor_iban, {
        kind: "unexpected_entry",
        end_to_end_id: "NOTOURS0001",
        amount: { value: 999, currency: "EUR" },
        status: "ACSC",
        booked_at: new Date().toISOString(),
      });

      const report = await reconcile(merchant.api_key, todayUtc());
      expect(report.statement_pages).toBe(3);
      expect(report.summary).toMatchObject({
        matched: 4,
        missing_at_bank: 0,
        unexpected_at_bank: 1,
        amount_mismatch: 0,
        status_mismatch: 0,
      });
      const byId = new Map(report.items.map((item) => [item.end_to_end_id, item]));
      expect(byId.get(endToEndId(settled[1]!.id))).toMatchObject({
        class: "matched",
        bank: { status: "ACSC", amount: 200, currency: "EUR" },
      });
      expect(byId.get(endToEndId(pending.id))).toMatchObject({ class: "matched", bank: { status: "PDNG", amount: 400 } });
      expect(byId.get("NOTOURS0001")).toMatchObject({ class: "unexpected_at_bank", payment_id: null, bank: { amount: 999 } });
      expect(byId.has(endToEndId(rejected.id))).toBe(false);
      const reads = (await bankRequestsByDebtor(merchant.debtor_iban)).filter((r) => r.method === "GET");
      expect(reads.every((r) => r.path === "/iso20022/statements")).toBe(true);
    });
  }

  it("a batch entry (one Ntry, several TxDtls) yields one statement entry per transfer it holds", async () => {
    const merchant = await createIsolatedMerchant();
    await setIsoSettings(merchant.debtor_iban, { batch_size: 3 });
    const payments = [
      await pay(merchant.api_key, { amount: 11 }),
      await pay(merchant.api_key, { amount: 22 }),
      await pay(merchant.api_key, { amount: 33 }),
    ];
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ matched: 3, statement_entries: 3, unexpected_at_bank: 0, missing_at_bank: 0 });
    // Items come in end-to-end id order, which is creation order here.
    expect(report.items.map((item) => [item.payment_id, item.bank?.amount])).toEqual(payments.map((p) => [p.id, p.amount]));
  });

  it("an unreadable statement page is a failed read (502), never a partial report", async () => {
    const merchant = await createIsolatedMerchant();
    await pay(merchant.api_key);
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "statement" },
      action: { kind: "contract_violation" },
      times: 1,
    });
    const response = await postReconciliation(merchant.api_key, { date: todayUtc() });
    expect(response.status).toBe(502);
    await response.body?.cancel();
    expect((await reconcile(merchant.api_key, todayUtc())).summary.matched).toBe(1);
  });
});

describe("notifications (camt.054) through the adapter", () => {
  for (const version of CAMT_VERSIONS) {
    it(`camt.054.${version}: returns booked since a time, with their reason and amount`, async () => {
      const merchant = await createIsolatedMerchant();
      await setIsoSettings(merchant.debtor_iban, { camt054: version });
      const before = Date.now() - 1_000;
      const returned = await pay(merchant.api_key, { amount: 1250 });
      const kept = await pay(merchant.api_key, { amount: 990 });
      await scheduleReturn(endToEndId(returned.id), "AC04", 1150);
      const bank = testBank(boundBank());
      // The simulator books a return due now on its next timer tick.
      const since = new Date(before).toISOString();
      let call = await bank.fetchNotifications({ debtorIban: merchant.debtor_iban, since, cursor: null });
      for (let tries = 0; call.outcome.kind === "page" && call.outcome.page.entries.length === 0 && tries < 40; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        call = await bank.fetchNotifications({ debtorIban: merchant.debtor_iban, since, cursor: null });
      }
      if (call.outcome.kind !== "page") throw new Error(call.outcome.reason);
      expect(call.outcome.page.next_cursor).toBeNull();
      expect(call.outcome.page.entries).toEqual([
        expect.objectContaining({
          type: "return",
          return_of: endToEndId(returned.id),
          reason_code: "AC04",
          amount: { value: 1150, currency: "EUR" },
        }),
      ]);
      expect(call.outcome.page.entries.some((r) => r.return_of === endToEndId(kept.id))).toBe(false);
      // Inclusive bound, later than the return: nothing.
      const later = await bank.fetchNotifications({
        debtorIban: merchant.debtor_iban,
        since: new Date(Date.now() + 60_000).toISOString(),
        cursor: null,
      });
      expect(later.outcome).toEqual({ kind: "page", page: { entries: [], next_cursor: null } });
    });
  }
});
