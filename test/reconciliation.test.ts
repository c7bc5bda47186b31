import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../schemas/reconciliation.ts";
import { call, endToEndId, getPayment, json, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import {
  createIsolatedMerchant,
  getReconciliation,
  injectDiscrepancy,
  postReconciliation,
  reconcile,
  setDebtorScenario,
  todayUtc,
} from "./support/reconciliation.ts";
import { holdRecovery } from "./support/recovery.ts";

async function pay(apiKey: string, overrides: Record<string, unknown> = {}): Promise<Payment> {
  const response = await postPayment(apiKey, paymentBody(overrides));
  expect([201, 202]).toContain(response.status);
  return json(response);
}

function itemFor(report: ReconciliationReport, endToEnd: string) {
  const found = report.items.filter((item) => item.end_to_end_id === endToEnd);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** A second booking of an existing payment on today's statement, sorted first when `earliest`. */
async function injectSecondBooking(debtorIban: string, payment: Payment, status: string, earliest = false): Promise<void> {
  await injectDiscrepancy(debtorIban, {
    kind: "unexpected_entry",
    end_to_end_id: endToEndId(payment.id),
    amount: { value: payment.amount, currency: payment.currency },
    status,
    booked_at: earliest ? `${todayUtc()}T00:00:00.000Z` : new Date().toISOString(),
  });
}

describe("POST /v1/reconciliations", () => {
  it("reports a clean day as all matched, and leaves out payments the bank refused before booking", async () => {
    const merchant = await createIsolatedMerchant();
    const payments = [
      await pay(merchant.api_key, { amount: 100 }),
      await pay(merchant.api_key, { amount: 200 }),
      await pay(merchant.api_key, { amount: 300 }),
    ];
    // The simulator books EUR only: a CHF payment (BANK_CURRENCIES=EUR,CHF in tests) is refused with 422 and never booked.
    const refused = await pay(merchant.api_key, { currency: "CHF" });
    expect(refused.status).toBe("failed");

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toEqual({
      matched: 3,
      missing_at_bank: 0,
      unexpected_at_bank: 0,
      amount_mismatch: 0,
      status_mismatch: 0,
      returned: 0,
      resolved: 0,
      connector_payments: 3,
      statement_entries: 3,
    });
    expect(report.merchant_id).toBe(merchant.id);
    expect(report.statement_pages).toBe(1);
    expect(report.items.map((item) => item.payment_id)).toEqual(payments.map((p) => p.id));
    expect(report.items[0]).toMatchObject({
      class: "matched",
      end_to_end_id: endToEndId(payments[0]!.id),
      connector: { status: "succeeded", amount: 100, currency: "EUR" },
      bank: { status: "ACSC", amount: 100, currency: "EUR" },
      resolved: false,
    });
  });

  it("reports each injected discrepancy in its class", async () => {
    const merchant = await createIsolatedMerchant();
    const clean = await pay(merchant.api_key);
    const missing = await pay(merchant.api_key);
    const wrongAmount = await pay(merchant.api_key, { amount: 5000 });
    const wrongStatus = await pay(merchant.api_key);
    const iban = merchant.debtor_iban;
    await injectDiscrepancy(iban, { kind: "missing_entry", end_to_end_id: endToEndId(missing.id) });
    await injectDiscrepancy(iban, { kind: "amount", end_to_end_id: endToEndId(wrongAmount.id), value: 4999 });
    await injectDiscrepancy(iban, { kind: "status", end_to_end_id: endToEndId(wrongStatus.id), status: "RJCT" });
    await injectDiscrepancy(iban, {
      kind: "unexpected_entry",
      end_to_end_id: "NEVER-SENT-BY-US-1",
      amount: { value: 777, currency: "EUR" },
      status: "ACSC",
      booked_at: new Date().toISOString(),
    });

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({
      matched: 1,
      missing_at_bank: 1,
      unexpected_at_bank: 1,
      amount_mismatch: 1,
      status_mismatch: 1,
      resolved: 0,
      connector_payments: 4,
      statement_entries: 4,
    });
    expect(itemFor(report, endToEndId(clean.id)).class).toBe("matched");
    expect(itemFor(report, endToEndId(missing.id))).toMatchObject({ class: "missing_at_bank", payment_id: missing.id, bank: null });
    expect(itemFor(report, endToEndId(wrongAmount.id))).toMatchObject({
      class: "amount_mismatch",
      connector: { amount: 5000 },
      bank: { amount: 4999 },
    });
    expect(itemFor(report, endToEndId(wrongStatus.id))).toMatchObject({
      class: "status_mismatch",
      connector: { status: "succeeded" },
      bank: { status: "RJCT" },
    });
    expect(itemFor(report, "NEVER-SENT-BY-US-1")).toMatchObject({
      class: "unexpected_at_bank",
      payment_id: null,
      connector: null,
      bank: { amount: 777, status: "ACSC" },
    });
    // A final status is never rewritten by a contradicting statement.
    expect((await json(await getPayment(merchant.api_key, wrongStatus.id))).status).toBe("succeeded");
  });

  it("reports a second statement entry for an already matched payment as unexpected (a double booking)", async () => {
    const merchant = await createIsolatedMerchant();
    const payment = await pay(merchant.api_key, { amount: 640 });
    await injectSecondBooking(merchant.debtor_iban, payment, "ACSC");
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ matched: 1, unexpected_at_bank: 1, connector_payments: 1, statement_entries: 2 });
    const items = report.items.filter((item) => item.end_to_end_id === endToEndId(payment.id));
    expect(items.map((item) => item.class).sort()).toEqual(["matched", "unexpected_at_bank"]);
    expect(items.every((item) => item.payment_id === payment.id)).toBe(true);
  });

  it("pairs a doubly booked payment with the booking that agrees with it, whatever the statement's order", async () => {
    const merchant = await createIsolatedMerchant();
    const payment = await pay(merchant.api_key, { amount: 640 });
    expect(payment.status).toBe("succeeded");
    // A second, earlier-sorted entry for the same payment, still in process at the bank.
    await injectSecondBooking(merchant.debtor_iban, payment, "ACSP", true);
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ matched: 1, unexpected_at_bank: 1, status_mismatch: 0 });
    const items = report.items.filter((item) => item.end_to_end_id === endToEndId(payment.id));
    expect(items.find((item) => item.class === "matched")?.bank?.status).toBe("ACSC");
    expect(items.find((item) => item.class === "unexpected_at_bank")?.bank?.status).toBe("ACSP");
  });

  it("does not settle a pending payment from a statement whose bookings of it disagree (RJCT and ACSC)", async () => {
    const merchant = await createIsolatedMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const payment = await pay(merchant.api_key, { amount: 910 });
    expect(payment.status).toBe("pending");
    await injectDiscrepancy(merchant.debtor_iban, { kind: "status", end_to_end_id: endToEndId(payment.id), status: "RJCT" });
    await injectSecondBooking(merchant.debtor_iban, payment, "ACSC", true);
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ resolved: 0, status_mismatch: 1, unexpected_at_bank: 1, matched: 0 });
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "pending" });
  });

  it("settles payments still pending at the connector that the statement shows final, once an inquiry agrees, with an event", async () => {
    const merchant = await createIsolatedMerchant();
    // Recovery is held: what resolves them here is reconciliation.
    await holdRecovery(merchant.id);
    // The bank answers ACSP (settlement in process: they stay pending) and then settles two of them at once,
    // so its statement and its answer to an inquiry show the final outcome.
    for (const final of ["ACSC", "RJCT"] as const) {
      await addFault({
        match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
        action: { kind: "async_settlement", interim: "ACSP", final, after_ms: 0 },
        times: 1,
      });
    }
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const settles = await pay(merchant.api_key);
    const rejected = await pay(merchant.api_key);
    const stillPending = await pay(merchant.api_key);
    for (const p of [settles, rejected, stillPending]) expect(p).toMatchObject({ status: "pending", bank: { status: "ACSP" } });

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.summary).toMatchObject({ matched: 3, resolved: 2, status_mismatch: 0 });
    expect(itemFor(report, endToEndId(settles.id))).toMatchObject({ class: "matched", resolved: true, connector: { status: "succeeded" } });
    expect(itemFor(report, endToEndId(rejected.id))).toMatchObject({ class: "matched", resolved: true, connector: { status: "failed" } });
    expect(itemFor(report, endToEndId(stillPending.id))).toMatchObject({
      class: "matched",
      resolved: false,
      connector: { status: "pending" },
    });

    const settled = await json(await getPayment(merchant.api_key, settles.id));
    expect(settled).toMatchObject({ status: "succeeded", bank: { status: "ACSC" } });
    const failed = await json(await getPayment(merchant.api_key, rejected.id));
    expect(failed).toMatchObject({ status: "failed", failure: { code: "bank_rejected" } });

    const events = await json<{
      data: Array<{ from_status: string; to_status: string; bank_status: string; detail: Record<string, unknown> }>;
    }>(await call(`/v1/payments/${settles.id}/events`, { headers: { authorization: `Bearer ${merchant.api_key}` } }));
    expect(events.data.at(-1)).toMatchObject({
      from_status: "pending",
      to_status: "succeeded",
      bank_status: "ACSC",
      detail: { source: "reconciliation", business_date: todayUtc() },
    });
  });

  it("walks every page of a statement that spans several", async () => {
    const merchant = await createIsolatedMerchant();
    await setDebtorScenario(merchant.debtor_iban, { page_size: 2 });
    const payments: Payment[] = [];
    for (let i = 0; i < 7; i++) payments.push(await pay(merchant.api_key, { amount: 1000 + i }));
    await injectDiscrepancy(merchant.debtor_iban, { kind: "amount", end_to_end_id: endToEndId(payments[6]!.id), value: 1 });

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.statement_pages).toBe(4);
    expect(report.summary).toMatchObject({
      matched: 6,
      amount_mismatch: 1,
      missing_at_bank: 0,
      statement_entries: 7,
      connector_payments: 7,
    });
  });

  it("gives the same report when rerun, including what the first run resolved", async () => {
    const merchant = await createIsolatedMerchant();
    await holdRecovery(merchant.id);
    await setDebtorScenario(merchant.debtor_iban, { page_size: 2 });
    // Answered ACSP, settled by the bank right after: pending at the connector until reconciliation asks.
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_ms: 0 },
      times: 1,
    });
    const pending = await pay(merchant.api_key);
    expect(pending.status).toBe("pending");
    const missing = await pay(merchant.api_key);
    await pay(merchant.api_key);
    await injectDiscrepancy(merchant.debtor_iban, { kind: "missing_entry", end_to_end_id: endToEndId(missing.id) });
    await injectDiscrepancy(merchant.debtor_iban, {
      kind: "unexpected_entry",
      end_to_end_id: "NEVER-SENT-BY-US-2",
      amount: { value: 5, currency: "EUR" },
      status: "ACSC",
      booked_at: new Date().toISOString(),
    });

    const first = await reconcile(merchant.api_key, todayUtc());
    const second = await reconcile(merchant.api_key, todayUtc());
    expect(first.summary).toMatchObject({ matched: 2, resolved: 1, missing_at_bank: 1, unexpected_at_bank: 1 });
    expect(second.summary).toEqual(first.summary);
    expect(second.items).toEqual(first.items);
    expect(second.statement_pages).toBe(first.statement_pages);

    const stored = await getReconciliation(merchant.api_key, todayUtc());
    expect(stored.status).toBe(200);
    const body = await json<ReconciliationReport>(stored);
    expect(body).toEqual(second);
  });
});

describe("GET /v1/reconciliations/{date}", () => {
  it("returns the stored report as CSV on Accept: text/csv, with formula-like cells neutralized", async () => {
    const merchant = await createIsolatedMerchant();
    const payment = await pay(merchant.api_key, { amount: 4242 });
    await injectDiscrepancy(merchant.debtor_iban, {
      kind: "unexpected_entry",
      end_to_end_id: "-1-1",
      amount: { value: 12, currency: "EUR" },
      status: "ACSC",
      booked_at: new Date().toISOString(),
    });
    await reconcile(merchant.api_key, todayUtc());

    const response = await getReconciliation(merchant.api_key, todayUtc(), "text/csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "class,end_to_end_id,payment_id,connector_status,connector_amount,connector_currency,bank_transfer_id,bank_status,bank_amount,bank_currency,bank_booked_at,resolved,return_bank_reference,return_reason_code,return_reason,return_amount,return_currency,return_booked_at",
    );
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^matched,${endToEndId(payment.id)},${payment.id},succeeded,4242,EUR,TRF\\d+,ACSC,4242,EUR,\\d{4}-[^,]+,false,,,,,,$`),
      ),
    );
    // "-1-1" would be evaluated as a formula by a spreadsheet; it arrives as text.
    expect(lines).toContainEqual(expect.stringMatching(/^unexpected_at_bank,'-1-1,,,,,TRX\d+,ACSC,12,EUR,[^,]+,false,,,,,,$/));

    const preferJson = await getReconciliation(merchant.api_key, todayUtc(), "text/csv;q=0.5, application/json");
    expect(preferJson.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("midnight: a payment the bank booked on another day is expected on that day's statement, not missing from its creation day's", async () => {
    const merchant = await createIsolatedMerchant();
    const today = todayUtc();
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const sameDay = await pay(merchant.api_key, { amount: 101 });
    // The next two are booked a day later (created "before midnight", booked "after"), then a day earlier.
    await setDebtorScenario(merchant.debtor_iban, { booking_offset_ms: 86_400_000 });
    const bookedTomorrow = await pay(merchant.api_key, { amount: 202 });
    await setDebtorScenario(merchant.debtor_iban, { booking_offset_ms: -86_400_000 });
    const bookedYesterday = await pay(merchant.api_key, { amount: 303 });

    const report = await reconcile(merchant.api_key, today);
    expect(report.summary).toMatchObject({
      matched: 1,
      missing_at_bank: 0,
      unexpected_at_bank: 0,
      connector_payments: 1,
      statement_entries: 1,
    });
    expect(report.items.map((item) => item.payment_id)).toEqual([sameDay.id]);
    expect(report.items.some((item) => item.payment_id === bookedTomorrow.id)).toBe(false);

    // The payment booked "yesterday" belongs to yesterday's report, although it was created today.
    const earlier = await reconcile(merchant.api_key, yesterday);
    expect(earlier.summary).toMatchObject({ matched: 1, missing_at_bank: 0, connector_payments: 1, statement_entries: 1 });
    expect(itemFor(earlier, endToEndId(bookedYesterday.id))).toMatchObject({ class: "matched", payment_id: bookedYesterday.id });
  });

  it("answers 404 for a day never reconciled and 400 naming the date for a malformed one", async () => {
    const merchant = await createIsolatedMerchant();
    const none = await getReconciliation(merchant.api_key, "2020-01-01");
    expect(none.status).toBe(404);
    expect(none.headers.get("content-type")).toBe("application/problem+json");

    for (const bad of ["2026-02-30", "yesterday", "20261123"]) {
      const response = await getReconciliation(merchant.api_key, bad);
      expect(response.status).toBe(400);
      expect((await response.json()) as unknown).toMatchObject({ invalid_params: [{ name: "date" }] });
    }
  });

  it("refuses a future date, a missing date and unknown fields in the request, and needs a merchant key", async () => {
    const merchant = await createIsolatedMerchant();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const cases: Array<[unknown, string]> = [
      [{ date: tomorrow }, "date"],
      [{}, "date"],
      [{ date: "2026-11-31" }, "date"],
      [{ date: todayUtc(), extra: 1 }, "extra"],
    ];
    for (const [body, param] of cases) {
      const response = await postReconciliation(merchant.api_key, body);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { type: string; invalid_params: Array<{ name: string }> };
      expect(problem.type).toBe("urn:payment-connector:problem:validation-error");
      expect(problem.invalid_params.map((p) => p.name)).toContain(param);
    }
    const anonymous = await call("/v1/reconciliations", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(anonymous.status).toBe(401);
  });
});
