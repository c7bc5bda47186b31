/**
 * Property: a cancel racing the alarm's resend of a payment that was never
 * sent ends with exactly one winner, whatever the timing. Either the cancel
 * answers 200, the payment is canceled and the bank never received it; or
 * the cancel answers 409, the payment is paid and the bank holds it once.
 * Never canceled and booked (src/payments/cancellation.ts: the decision and
 * the change are one transaction; a submission moves the payment to
 * `sending` with no await after reading it).
 *
 * Each run: a payment refused at the bank's door (so it is queued, provably
 * never sent), then the alarm's recovery and a cancel, each started after a
 * random delay, with a random bank latency. fast-check prints the seed on
 * failure; replay with `fc.assert(..., { seed, path })`.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfer } from "./support/bank.ts";
import { driveRecoveryToCompletion, paymentRow, sleep } from "./support/recovery.ts";
import { cancelPayment, refuseFirstSubmissions } from "./support/returns.ts";

const NUM_RUNS = 200;
const MAX_START_DELAY_MS = 25;
const MAX_BANK_DELAY_MS = 15;

describe("cancel racing the alarm's resend", () => {
  it("never ends canceled and booked: exactly one of them wins", { timeout: 300_000 }, async () => {
    const merchant = await createMerchant();
    const door = await refuseFirstSubmissions(merchant.id);
    const stub = merchantStub(merchant.id);
    const wins = { cancel: 0, send: 0 };

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cancelAfterMs: fc.integer({ min: 0, max: MAX_START_DELAY_MS }),
          resendAfterMs: fc.integer({ min: 0, max: MAX_START_DELAY_MS }),
          bankDelayMs: fc.integer({ min: 0, max: MAX_BANK_DELAY_MS }),
        }),
        async ({ cancelAfterMs, resendAfterMs, bankDelayMs }) => {
          door.delayMs = bankDelayMs;
          const payment = await json(await postPayment(merchant.api_key, paymentBody()));
          expect(await paymentRow(merchant.id, payment.id)).toMatchObject({ status: "pending", bank_phase: "queued", bank_may_hold: 0 });

          const [, cancel] = await Promise.all([
            sleep(resendAfterMs).then(() => runInDurableObject(stub, (instance) => instance.recoverDuePayments(Date.now() + 60_000))),
            sleep(cancelAfterMs).then(() => cancelPayment(merchant.api_key, payment.id)),
          ]);
          await driveRecoveryToCompletion([merchant.id]);

          const final = await json(await getPayment(merchant.api_key, payment.id));
          const transfer = await bankTransfer(endToEndId(payment.id));
          const posts = (await bankRequestsFor(endToEndId(payment.id))).filter((request) => request.method === "POST");
          expect(final.status === "canceled" && transfer !== undefined, "canceled and booked").toBe(false);
          if (cancel.status === 200) {
            wins.cancel++;
            expect(final.status).toBe("canceled");
            expect(transfer).toBeUndefined();
            expect(posts).toEqual([]);
          } else {
            wins.send++;
            expect(cancel.status).toBe(409);
            expect(final.status).toBe("succeeded");
            expect(transfer?.submissions).toBe(1);
            expect(posts).toHaveLength(1);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
    // The timings do make both sides win: a property that only ever saw one winner would prove little.
    expect(wins.cancel).toBeGreaterThan(0);
    expect(wins.send).toBeGreaterThan(0);
  });
});
