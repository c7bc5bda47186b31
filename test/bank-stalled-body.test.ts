/**
 * A bank that sends its headers and then trickles the body forever, inside
 * workerd against the simulator's stalled_body rule: BANK_TIMEOUT_MS cuts the
 * whole exchange, the outcome is unknown, and the payment is resolved by
 * inquiry without being sent again. (test/node/bank-stalled-body.test.ts: the
 * same with a plain Node server.)
 */
import { describe, expect, it } from "vitest";
import { createMerchant, endToEndId, json, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfersOf } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { driveRecoveryToCompletion, paymentRow, TEST_BANK_TIMEOUT_MS } from "./support/recovery.ts";

/** The Worker's own round trips on a shared machine; far below the body's endless trickle (60 s). */
const SLACK_MS = 2_000;

describe("a bank whose answer stalls after the headers", () => {
  it("is cut off by BANK_TIMEOUT_MS: pending (unknown), then resolved by inquiry, sent once", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "stalled_body", record: true, interval_ms: 100 },
      times: 1,
    });
    const started = Date.now();
    const response = await postPayment(merchant.api_key, paymentBody());
    const elapsedMs = Date.now() - started;
    const payment = await json(response);
    expect(response.status).toBe(202);
    expect(elapsedMs).toBeGreaterThanOrEqual(TEST_BANK_TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(TEST_BANK_TIMEOUT_MS + SLACK_MS);
    expect(await paymentRow(merchant.id, payment.id)).toMatchObject({ status: "pending", bank_phase: "unknown", bank_may_hold: 1 });

    await driveRecoveryToCompletion([merchant.id]);
    expect(await paymentRow(merchant.id, payment.id)).toMatchObject({ status: "succeeded" });
    expect((await bankRequestsFor(endToEndId(payment.id))).map((r) => r.method)).toEqual(["POST", "GET"]);
    expect((await bankTransfersOf(merchant.debtor_iban)).map((t) => t.submissions)).toEqual([1]);
  });
});
