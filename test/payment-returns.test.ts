/**
 * A settled payment returned by the bank (the simulator's POST /control/returns,
 * JSON profile): learned from the notifications poll, the daily statement or
 * an imported statement file, it becomes `returned` once, with its reason and
 * one `payment.returned` webhook, whichever source sees it first and however
 * many see it after.
 */
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import type { EventList } from "../schemas/webhooks.ts";
import { REASON_CODES } from "../src/payments/reason-codes.ts";
import { endToEndId, getPayment, getPaymentEvents, json, paymentBody, postPayment } from "./support/api.ts";
import { createIsolatedMerchant, listPayments, reconcile, todayUtc } from "./support/reconciliation.ts";
import { applyReturnAsImported, dailyTotal, pollReturns, returnTransfer, storedReturns } from "./support/returns.ts";
import { listEvents, registerEndpoint, uniqueHookPath, waitForReceived } from "./support/webhooks.ts";

async function settledPayment(apiKey: string, amount = 1250): Promise<Payment> {
  const response = await postPayment(apiKey, paymentBody({ amount }));
  expect(response.status).toBe(201);
  const payment = await json(response);
  expect(payment.status).toBe("succeeded");
  return payment;
}

/**
 * A merchant with its own debtor account and one endpoint for payment.returned.
 * Tests poll once before the bank books a return: the next poll is then
 * RETURNS_POLL_INTERVAL_MS away, so the alarm cannot apply it first.
 */
async function watchedMerchant() {
  const merchant = await createIsolatedMerchant("Returns Shop GmbH");
  const hookPath = uniqueHookPath();
  await registerEndpoint(merchant.api_key, hookPath, { events: ["payment.returned"] });
  return { merchant, hookPath };
}

function returnedEvents(list: EventList, paymentId: string) {
  return list.data.filter((event) => event.type === "payment.returned" && "payment" in event.data && event.data.payment.id === paymentId);
}

describe("a settled payment returned by the bank", () => {
  it("learned from the notifications poll: returned with the reason and both amounts, once; the statement and an import then change nothing", async () => {
    const { merchant, hookPath } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key);
    await pollReturns(merchant.id);
    const entry = await returnTransfer(endToEndId(payment.id), { reasonCode: "AC04", amount: 1200 });

    expect(await pollReturns(merchant.id)).toMatchObject({ pages: 1, entries: 1 });
    const returned = await json(await getPayment(merchant.api_key, payment.id));
    expect(returned).toMatchObject({
      status: "returned",
      amount: 1250,
      return: {
        reason_code: "AC04",
        reason: REASON_CODES.get("AC04")?.reason,
        amount: { value: 1200, currency: "EUR" },
        returned_at: new Date(entry.booked_at).toISOString(),
        bank_reference: entry.transfer_id,
      },
    });
    const history = await getPaymentEvents(merchant.api_key, payment.id);
    expect(history.verified).toBe(true);
    expect(history.data.map((e) => e.to_status)).toEqual(["pending", "succeeded", "returned"]);
    expect(history.data.at(-1)).toMatchObject({
      from_status: "succeeded",
      reason_code: "AC04",
      detail: { source: "bank_return", found_in: "notifications", bank_reference: entry.transfer_id, amount: 1200 },
    });

    // Seen again by every source: nothing more happens.
    await pollReturns(merchant.id);
    const report = await reconcile(merchant.api_key, todayUtc());
    expect(await applyReturnAsImported(merchant.id, entry)).toEqual({
      outcome: "already_applied",
      paymentId: payment.id,
      seenBefore: true,
    });
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data).toHaveLength(3);
    expect(await json(await getPayment(merchant.api_key, payment.id))).toEqual(returned);

    // The statement shows the transfer (matched: it stays ACSC at the bank) and its return, in its own class.
    expect(report.summary).toMatchObject({ matched: 1, returned: 1, resolved: 0, statement_entries: 2, connector_payments: 1 });
    const items = report.items.filter((item) => item.payment_id === payment.id);
    expect(items.map((item) => item.class)).toEqual(["matched", "returned"]);
    expect(items[1]).toMatchObject({
      connector: { status: "returned", amount: 1250 },
      bank: null,
      return: { bank_reference: entry.transfer_id, reason_code: "AC04", amount: 1200, currency: "EUR" },
      resolved: false,
    });

    const [delivered] = await waitForReceived(hookPath, 1);
    expect(delivered?.verified).toBe(true);
    expect(returnedEvents(await listEvents(merchant.api_key), payment.id)).toHaveLength(1);
    const listed = (await (await listPayments(merchant.api_key, { status: "returned" })).json()) as { data: Payment[] };
    expect(listed.data.map((p) => p.id)).toEqual([payment.id]);
  });

  it("learned from the daily statement: reconciliation applies it and says so; reruns and the poll change nothing", async () => {
    const { merchant } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key, 990);
    await pollReturns(merchant.id);
    const entry = await returnTransfer(endToEndId(payment.id), { reasonCode: "MD07" });

    const report = await reconcile(merchant.api_key, todayUtc());
    const item = report.items.find((candidate) => candidate.class === "returned");
    expect(item).toMatchObject({ payment_id: payment.id, resolved: true, return: { reason_code: "MD07", amount: 990 } });
    expect(report.summary).toMatchObject({ returned: 1, resolved: 1 });
    const returned = await json(await getPayment(merchant.api_key, payment.id));
    expect(returned).toMatchObject({ status: "returned", return: { reason_code: "MD07", reason: REASON_CODES.get("MD07")?.reason } });
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data.at(-1)?.detail).toMatchObject({
      found_in: "statement",
      business_date: todayUtc(),
    });

    const rerun = await reconcile(merchant.api_key, todayUtc());
    expect(rerun.items).toEqual(report.items);
    expect(rerun.summary).toEqual(report.summary);
    await pollReturns(merchant.id);
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data).toHaveLength(3);
    expect(returnedEvents(await listEvents(merchant.api_key), payment.id)).toHaveLength(1);
    expect(entry.return_of).toBe(endToEndId(payment.id));
  });

  it("learned from an imported statement file: the same path applies it; the poll and the statement change nothing", async () => {
    const { merchant } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key);
    await pollReturns(merchant.id);
    const entry = await returnTransfer(endToEndId(payment.id), { reasonCode: "XY99" });

    expect(await applyReturnAsImported(merchant.id, entry)).toEqual({ outcome: "applied", paymentId: payment.id, seenBefore: false });
    const returned = await json(await getPayment(merchant.api_key, payment.id));
    // A code the connector does not know is kept and said to be unknown.
    expect(returned.return).toMatchObject({
      reason_code: "XY99",
      reason: "The bank gave reason code XY99, which this connector does not know; ask your bank what it means.",
    });
    await pollReturns(merchant.id);
    expect((await reconcile(merchant.api_key, todayUtc())).summary).toMatchObject({ returned: 1, resolved: 0 });
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data.map((e) => e.to_status)).toEqual([
      "pending",
      "succeeded",
      "returned",
    ]);
    expect(returnedEvents(await listEvents(merchant.api_key), payment.id)).toHaveLength(1);
    expect(await storedReturns(merchant.id)).toEqual([
      { bank_reference: entry.transfer_id, payment_id: payment.id, outcome: "applied", found_in: "statement_import" },
    ]);
  });

  it("the same return applied twice is a no-op", async () => {
    const { merchant } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key);
    const entry = await returnTransfer(endToEndId(payment.id));
    const [first, second] = await Promise.all([applyReturnAsImported(merchant.id, entry), applyReturnAsImported(merchant.id, entry)]);
    expect([first.outcome, second.outcome].sort()).toEqual(["already_applied", "applied"]);
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data).toHaveLength(3);
  });

  it("does not apply a return of more than the payment, and records it for a person", async () => {
    const { merchant } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key, 500);
    const tooMuch = {
      type: "return" as const,
      transfer_id: `RTN-TEST-${crypto.randomUUID()}`,
      return_of: endToEndId(payment.id),
      reason_code: "AC04",
      amount: { value: 501, currency: "EUR" },
      booked_at: new Date().toISOString(),
    };
    expect(await applyReturnAsImported(merchant.id, tooMuch)).toEqual({
      outcome: "amount_mismatch",
      paymentId: payment.id,
      seenBefore: false,
    });
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({
      status: "succeeded",
      updated_at: payment.updated_at,
    });
    const last = (await getPaymentEvents(merchant.api_key, payment.id)).data.at(-1);
    expect(last).toMatchObject({
      from_status: "succeeded",
      to_status: "succeeded",
      detail: { return_outcome: "amount_mismatch", amount: 501 },
    });
    expect(await applyReturnAsImported(merchant.id, tooMuch)).toEqual({
      outcome: "amount_mismatch",
      paymentId: payment.id,
      seenBefore: true,
    });
    expect((await getPaymentEvents(merchant.api_key, payment.id)).data).toHaveLength(3);
  });

  it("does not give the returned amount back to the daily limit (the limit counts money sent)", async () => {
    const { merchant } = await watchedMerchant();
    const payment = await settledPayment(merchant.api_key, 700);
    await applyReturnAsImported(merchant.id, await returnTransfer(endToEndId(payment.id)));
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "returned" });
    expect(await dailyTotal(merchant.id, "EUR")).toBe(700);
  });
});
