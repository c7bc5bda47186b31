/**
 * Bank down: the simulator's drill door is closed, so connections to it are
 * refused. The only test file that touches that door (tests in a file run in
 * order), so closing it cannot disturb other files.
 */

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createMerchant, endToEndId, getPayment, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfersOf } from "./support/bank.ts";
import { testBank } from "./support/bank-adapters.ts";
import { setDrillDoor } from "./support/faults.ts";
import { driveRecoveryToCompletion, paymentRow, pointMerchantAtBank, sleep, TEST_BANK_TIMEOUT_MS } from "./support/recovery.ts";

/** schemas/config.ts default; the test Worker does not override it. */
const STORE_AND_FORWARD_WINDOW_MS = 4 * 3_600_000;
/** vitest.config.ts BANK_CIRCUIT_COOLDOWN_MS, plus slack. */
const CIRCUIT_COOLDOWN_PASSED_MS = 300;

afterEach(async () => {
  await setDrillDoor(true);
});

async function merchantBehindDrillDoor() {
  const merchant = await createMerchant();
  await pointMerchantAtBank(merchant.id, env.BANK_DRILL_DOOR);
  return merchant;
}

describe("bank down (connections refused)", () => {
  it("the connector sees a refused connection as unknown, never as 'not sent'", async () => {
    await setDrillDoor(false);
    const client = testBank(env.BANK_DRILL_DOOR, { timeoutMs: TEST_BANK_TIMEOUT_MS });
    const call = await client.inquireCreditTransfer("OUTAGE-PROBE-1");
    expect(call.httpStatus).toBeNull();
    expect(call.outcome).toMatchObject({ kind: "unknown", reason: "network error: Error: Network connection lost." });
  });

  it("store and forward: payments are admitted while the bank is down and paid once when it returns", async () => {
    const merchant = await merchantBehindDrillDoor();
    await setDrillDoor(false);
    // First payment: sent into the dead bank; the failure cannot prove it did not arrive.
    const first = await json(await postPayment(merchant.api_key, paymentBody({ amount: 101 })));
    // Second: the object now knows the bank is unreachable and holds it unsent.
    const second = await json(await postPayment(merchant.api_key, paymentBody({ amount: 202 })));
    expect([first.status, second.status]).toEqual(["pending", "pending"]);
    expect(await paymentRow(merchant.id, first.id)).toMatchObject({ bank_phase: "unknown", bank_may_hold: 1, attempts: 1 });
    expect(await paymentRow(merchant.id, second.id)).toMatchObject({ bank_phase: "queued", bank_may_hold: 0, attempts: 0 });

    await sleep(CIRCUIT_COOLDOWN_PASSED_MS);
    await runInDurableObject(merchantStub(merchant.id), (instance) => instance.recoverDuePayments(Date.now()));
    // Still down: the probe failed, nothing was sent, the second payment is still provably undelivered.
    expect(await paymentRow(merchant.id, second.id)).toMatchObject({
      status: "pending",
      bank_phase: "queued",
      bank_may_hold: 0,
      attempts: 0,
    });
    expect(await bankTransfersOf(merchant.debtor_iban)).toEqual([]);

    await setDrillDoor(true);
    await driveRecoveryToCompletion([merchant.id]);
    for (const payment of [first, second]) {
      expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "succeeded" });
      expect((await getPaymentEvents(merchant.api_key, payment.id)).verified).toBe(true);
    }
    const transfers = await bankTransfersOf(merchant.debtor_iban);
    expect(transfers.map((t) => [t.end_to_end_id, t.amount.value, t.submissions]).sort()).toEqual(
      [
        [endToEndId(first.id), 101, 1],
        [endToEndId(second.id), 202, 1],
      ].sort(),
    );
    // The held payment was sent exactly once, after the bank answered again
    // (an inquiry, its own probe or the first payment's, closed the circuit).
    expect((await bankRequestsFor(endToEndId(second.id))).filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("a payment the bank never received fails after the window; one the bank may hold never does", async () => {
    const merchant = await merchantBehindDrillDoor();
    await setDrillDoor(false);
    const mayHold = await json(await postPayment(merchant.api_key, paymentBody({ amount: 303 })));
    const neverSent = await json(await postPayment(merchant.api_key, paymentBody({ amount: 404 })));
    // Both were admitted longer ago than the window.
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      state.storage.sql.exec(`UPDATE payments SET created_at = created_at - ?`, STORE_AND_FORWARD_WINDOW_MS + 1_000);
    });
    await sleep(CIRCUIT_COOLDOWN_PASSED_MS);
    for (let round = 0; round < 3; round++) {
      await runInDurableObject(merchantStub(merchant.id), (instance) => instance.recoverDuePayments(Date.now() + 60_000));
    }

    const failed = await json(await getPayment(merchant.api_key, neverSent.id));
    expect(failed).toMatchObject({ status: "failed", failure: { code: "bank_unavailable" } });
    expect(failed.failure?.message).toMatch(/never received/);
    const events = await getPaymentEvents(merchant.api_key, neverSent.id);
    expect(events.verified).toBe(true);
    expect(events.data.map((e) => e.to_status)).toEqual(["pending", "failed"]);
    expect(events.data[1]?.detail).toMatchObject({ outcome: "undeliverable" });
    // The first one may have reached the bank before the connection died: it stays pending, whatever its age.
    expect(await json(await getPayment(merchant.api_key, mayHold.id))).toMatchObject({ status: "pending" });

    await setDrillDoor(true);
    await driveRecoveryToCompletion([merchant.id]);
    expect(await json(await getPayment(merchant.api_key, mayHold.id))).toMatchObject({ status: "succeeded" });
    expect(await json(await getPayment(merchant.api_key, neverSent.id))).toMatchObject({ status: "failed" });
    const transfers = await bankTransfersOf(merchant.debtor_iban);
    expect(transfers.map((t) => t.end_to_end_id)).toEqual([endToEndId(mayHold.id)]);
    expect(await bankRequestsFor(endToEndId(neverSent.id))).toEqual([]);
  });
});
