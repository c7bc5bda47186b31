/**
 * POST /v1/payments/{id}/cancel: a payment the connector provably never sent
 * (held by store and forward while the bank is down, or refused at the bank's
 * door) becomes canceled at once and is never sent; anything that may have
 * reached the bank is refused with 409 payment-not-cancelable.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Payment } from "../schemas/merchant-api.ts";
import type { Problem } from "../schemas/problem.ts";
import { createMerchant, endToEndId, getPayment, getPaymentEvents, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfersOf } from "./support/bank.ts";
import { expectProblem } from "./support/problems.ts";
import { listPayments } from "./support/reconciliation.ts";
import { driveRecoveryToCompletion, paymentRow, pointMerchantAtBank } from "./support/recovery.ts";
import { cancelPayment, dailyTotal, refuseFirstSubmissions } from "./support/returns.ts";
import { listEvents } from "./support/webhooks.ts";

describe("cancel a payment held during a bank outage", () => {
  it("cancels the held payment at once, refuses the one that may be at the bank, and sends nothing canceled when the bank comes back", async () => {
    const merchant = await createMerchant({ limits: { daily_amount: 1000 } });
    await pointMerchantAtBank(merchant.id, env.BANK_UNREACHABLE);
    // The first payment is sent into the dead bank: it may be there. The second is held, never sent.
    const maybeSent = await json(await postPayment(merchant.api_key, paymentBody({ amount: 600 })));
    const held = await json(await postPayment(merchant.api_key, paymentBody({ amount: 400 })));
    expect(await paymentRow(merchant.id, held.id)).toMatchObject({ bank_phase: "queued", bank_may_hold: 0, attempts: 0 });
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 400 }))).status).toBe(422);

    const refused = await expectProblem(await cancelPayment(merchant.api_key, maybeSent.id), 409, "payment-not-cancelable");
    expect(refused.detail).toMatch(/^Sent to the bank at \d{4}-\d\d-\d\dT[\d:.]+Z; a sent credit transfer cannot be recalled here\.$/);

    const first = await cancelPayment(merchant.api_key, held.id, { "idempotency-key": "cancel-1" });
    expect(first.status).toBe(200);
    const canceled = await json(first);
    expect(canceled).toMatchObject({ id: held.id, status: "canceled", amount: 400 });
    // Twice: the same answer, unchanged.
    const again = await cancelPayment(merchant.api_key, held.id);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(canceled);
    expect(await json(await getPayment(merchant.api_key, held.id))).toEqual(canceled);

    const history = await getPaymentEvents(merchant.api_key, held.id);
    expect(history.verified).toBe(true);
    expect(history.data.map((e) => [e.from_status, e.to_status])).toEqual([
      [null, "pending"],
      ["pending", "canceled"],
    ]);
    const events = await listEvents(merchant.api_key);
    expect(events.data.filter((e) => e.type === "payment.canceled").map((e) => ("payment" in e.data ? e.data.payment.id : null))).toEqual([
      held.id,
    ]);
    const listed = (await (await listPayments(merchant.api_key, { status: "canceled" })).json()) as { data: Payment[] };
    expect(listed.data.map((p) => p.id)).toEqual([held.id]);
    // A cancellation gives its amount back to the day: 400 more fits under the limit again.
    expect(await dailyTotal(merchant.id, "EUR")).toBe(600);
    const later = await json(await postPayment(merchant.api_key, paymentBody({ amount: 400 })));
    expect(later.status).toBe("pending");

    // The bank comes back: everything not canceled is paid, the canceled payment never reaches the bank.
    await pointMerchantAtBank(merchant.id, env.BANK!);
    await driveRecoveryToCompletion([merchant.id]);
    expect(await json(await getPayment(merchant.api_key, held.id))).toEqual(canceled);
    expect((await json(await getPayment(merchant.api_key, maybeSent.id))).status).toBe("succeeded");
    expect((await bankTransfersOf(merchant.debtor_iban)).map((t) => t.end_to_end_id).sort()).toEqual(
      [endToEndId(maybeSent.id), endToEndId(later.id)].sort(),
    );
    expect(await bankRequestsFor(endToEndId(held.id))).toEqual([]);
  });

  it("cancels a payment refused at the bank's door (never received); the alarm then sends nothing", async () => {
    const merchant = await createMerchant();
    await refuseFirstSubmissions(merchant.id);
    const refusedAtDoor = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(await paymentRow(merchant.id, refusedAtDoor.id)).toMatchObject({
      status: "pending",
      bank_phase: "queued",
      bank_may_hold: 0,
      attempts: 1,
    });
    expect((await cancelPayment(merchant.api_key, refusedAtDoor.id)).status).toBe(200);
    await driveRecoveryToCompletion([merchant.id]);
    expect(await bankRequestsFor(endToEndId(refusedAtDoor.id))).toEqual([]);
    expect((await json(await getPayment(merchant.api_key, refusedAtDoor.id))).status).toBe("canceled");
  });
});

describe("what cannot be canceled", () => {
  it("a payment already sent (settled), failed, or another merchant's; an unknown or malformed id is 404", async () => {
    const [merchant, other] = await Promise.all([createMerchant(), createMerchant()]);
    const settled = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(settled.status).toBe("succeeded");
    const sent = await expectProblem(await cancelPayment(merchant.api_key, settled.id), 409, "payment-not-cancelable");
    expect(sent.detail).toMatch(/^Sent to the bank at .+ and settled; a sent credit transfer cannot be recalled here\.$/);
    expect(await json(await getPayment(merchant.api_key, settled.id))).toEqual(settled);

    // The simulator books EUR only: a CHF payment (admitted: BANK_CURRENCIES=EUR,CHF in tests) is refused with 422, final at once.
    const failed = await json(await postPayment(merchant.api_key, paymentBody({ currency: "CHF" })));
    expect(failed.status).toBe("failed");
    const problem: Problem = await expectProblem(await cancelPayment(merchant.api_key, failed.id), 409, "payment-not-cancelable");
    expect(problem.detail).toContain("already failed");

    await expectProblem(await cancelPayment(other.api_key, settled.id), 404, "not-found");
    await expectProblem(await cancelPayment(merchant.api_key, "pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W"), 404, "not-found");
    await expectProblem(await cancelPayment(merchant.api_key, "pay_nope"), 404, "not-found");
    await expectProblem(await cancelPayment("mck_nope", settled.id), 401, "unauthorized");
  });
});
