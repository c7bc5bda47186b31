/**
 * A failed payment the bank later settles (src/payments/contradiction.ts).
 * The bank answered RJCT and booked ACSC (the simulator's contradiction
 * rule): the merchant was told `failed`, but the money moved. The status
 * stays failed; the amount counts against the day again; the payment is
 * flagged `bank_contradiction` (only an operator clears it), carries a
 * `discrepancy`, and a `payment.bank_contradiction` event goes out.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { call, createMerchant, endToEndId, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfer } from "./support/bank.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";
import { addFault } from "./support/faults.ts";
import { reconcile, todayUtc } from "./support/reconciliation.ts";
import { listEvents, registerEndpoint, uniqueHookPath, waitForReceived } from "./support/webhooks.ts";

const AMOUNT = 2_000;
const DAILY_LIMIT = 3_000;

let errors: MockInstance;
beforeEach(() => {
  errors = vi.spyOn(console, "error");
});
afterEach(() => errors.mockRestore());

function loggedEvents(name: string, paymentId: string): number {
  return errors.mock.calls.filter((args) => {
    try {
      const line = JSON.parse(String(args[0])) as Record<string, unknown>;
      return line.event === name && line.payment_id === paymentId;
    } catch {
      return false;
    }
  }).length;
}

async function dailyTotal(merchantId: string): Promise<number> {
  return runInDurableObject(
    merchantStub(merchantId),
    (_instance, state) =>
      state.storage.sql.exec<{ total: number | null }>(`SELECT SUM(amount) AS total FROM daily_totals`).one().total ?? 0,
  );
}

describe("the bank settles a payment the connector reported failed", () => {
  it("found by reconciliation and confirmed by an inquiry: flagged, counted, notified; the status stays failed", async () => {
    const merchant = await createMerchant({ limits: { daily_amount: DAILY_LIMIT } });
    const path = uniqueHookPath();
    await registerEndpoint(merchant.api_key, path);
    await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: "submit" }, action: { kind: "contradiction" }, times: 1 });
    const payment = await json(await postPayment(merchant.api_key, paymentBody({ amount: AMOUNT })));
    expect(payment).toMatchObject({ status: "failed", failure: { code: "bank_rejected" } });
    expect(await dailyTotal(merchant.id)).toBe(0);
    expect((await bankTransfer(endToEndId(payment.id)))?.status).toBe("ACSC");

    const report = await reconcile(merchant.api_key, todayUtc());
    expect(report.items.find((item) => item.end_to_end_id === endToEndId(payment.id))).toMatchObject({
      class: "status_mismatch",
      connector: { status: "failed" },
      bank: { status: "ACSC" },
    });

    const after = await json(await getPayment(merchant.api_key, payment.id));
    expect(after).toMatchObject({
      status: "failed",
      updated_at: payment.updated_at,
      attention: { reason: "bank_contradiction" },
      discrepancy: { kind: "settled_after_failure", bank_status: "ACSC", source: "statement" },
    });
    // The money moved: it counts against the day again, so a payment over what is left is refused.
    expect(await dailyTotal(merchant.id)).toBe(AMOUNT);
    const over = await postPayment(merchant.api_key, paymentBody({ amount: DAILY_LIMIT - AMOUNT + 1 }));
    expect(over.status).toBe(422);
    await over.body?.cancel();
    expect(loggedEvents("bank_settled_failed_payment", payment.id)).toBe(1);

    // The merchant is told, after the payment's own events.
    type Delivered = { type: string; data: { payment?: { id: string; status: string; discrepancy?: unknown } } };
    const ofPayment = (await waitForReceived(path, 4))
      .map((r) => JSON.parse(r.body) as Delivered)
      .filter((event) => event.data.payment?.id === payment.id);
    expect(ofPayment.map((event) => event.type)).toEqual(["payment.pending", "payment.failed", "payment.bank_contradiction"]);
    expect(ofPayment[2]?.data.payment).toMatchObject({ status: "failed", discrepancy: { bank_status: "ACSC" } });

    // A rerun finds it again: nothing counted twice, no second event.
    await reconcile(merchant.api_key, todayUtc());
    expect(await dailyTotal(merchant.id)).toBe(AMOUNT);
    expect((await listEvents(merchant.api_key)).data.filter((e) => e.type === "payment.bank_contradiction")).toHaveLength(1);

    // Resolution does not clear it; an operator does (the discrepancy stays on the payment).
    const cleared = await call(`/admin/v1/payments/${merchant.id}/${payment.id}/attention`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(cleared.status).toBe(200);
    const afterClear = await json(cleared);
    expect(afterClear.attention).toBeUndefined();
    expect(afterClear).toMatchObject({ status: "failed", discrepancy: { bank_status: "ACSC" } });
  });

  it("reported by an inquiry's answer: the same, with the inquiry as its source", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "refuse", status: 422, code: "AC04" },
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("failed");
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.recordOutcome(
        payment.id,
        1,
        {
          kind: "accepted",
          transfer: { transfer_id: "TRF-LATE", end_to_end_id: endToEndId(payment.id), status: "ACCC", status_at: new Date().toISOString() },
        },
        { operation: "inquiry" },
      );
    });
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({
      status: "failed",
      attention: { reason: "bank_contradiction" },
      discrepancy: { bank_status: "ACCC", transfer_id: "TRF-LATE", source: "inquiry" },
    });
  });
});
