/**
 * Crash safety: the merchant object dies (is aborted or evicted) between
 * admission and the bank's answer, or its alarm handler throws. Whatever
 * storage says at that point, the alarm resumes the payment, and running
 * recovery again (alarm delivery is at least once) changes nothing twice.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIN_ALARM_INTERVAL_MS } from "../src/merchant-object/alarm-scheduler.ts";
import { createMerchant, endToEndId, getPayment, getPaymentEvents, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankRequestsFor, bankTransfersOf } from "./support/bank.ts";
import { addFault } from "./support/faults.ts";
import { setDebtorScenario } from "./support/reconciliation.ts";
import { driveRecoveryToCompletion, paymentRows, sleep, TEST_BANK_TIMEOUT_MS } from "./support/recovery.ts";
import { expectResendsConfirmed } from "./support/resends.ts";

/** vitest.config.ts: BANK_TIMEOUT_MS + IN_FLIGHT_GRACE_MS, after which a call in flight is presumed lost. */
const IN_FLIGHT_DEADLINE_MS = TEST_BANK_TIMEOUT_MS + 300;

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function crash(merchantId: string): Promise<void> {
  // ctx.abort() resets the object at once: in-flight calls fail, in-memory state is gone, storage stays.
  await runInDurableObject(merchantStub(merchantId), (_instance, state) => state.abort("crash drill")).catch(() => undefined);
}

describe("crash safety", () => {
  for (const booked of [true, false]) {
    it(`object aborted mid-call (bank ${booked ? "booked" : "did not book"} it): the alarm resumes by inquiry, paid exactly once`, async () => {
      const merchant = await createMerchant();
      await addFault({
        match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
        action: { kind: "hang", record: booked },
        times: 1,
      });
      const idempotencyKey = crypto.randomUUID();
      const posting = postPayment(merchant.api_key, paymentBody(), idempotencyKey);
      await until(async () => (await paymentRows(merchant.id)).some((r) => r.bank_phase === "sending"), "the bank call to start");
      const [row] = await paymentRows(merchant.id);
      await until(async () => (await bankRequestsFor(row!.end_to_end_id)).length === 1, "the bank to receive the request");
      await crash(merchant.id);

      // The merchant is not left guessing: either the Worker's safe retry
      // replays the admitted payment, or it says to retry with the same key.
      const first = await posting;
      expect([202, 503]).toContain(first.status);
      const replay = await postPayment(merchant.api_key, paymentBody(), idempotencyKey);
      expect(replay.status).toBe(202);
      expect(await json(replay)).toMatchObject({ id: row!.id, status: "pending" });

      expect((await paymentRows(merchant.id))[0]).toMatchObject({ bank_phase: "sending", bank_may_hold: 1 });
      // Once the call is presumed lost, the alarm (armed at admission) resumes
      // it; it may already have fired on its own by the time we run it.
      await sleep(IN_FLIGHT_DEADLINE_MS);
      await driveRecoveryToCompletion([merchant.id]);

      expect(await json(await getPayment(merchant.api_key, row!.id))).toMatchObject({ status: "succeeded" });
      const transfers = await bankTransfersOf(merchant.debtor_iban);
      expect(transfers).toHaveLength(1);
      expect(transfers[0]).toMatchObject({ end_to_end_id: row!.end_to_end_id, submissions: 1 });
      // Inquired only once the lease (timeout + grace) ended, so the first 404 counts and a second confirms it.
      const methods = await expectResendsConfirmed(row!.end_to_end_id);
      expect(methods).toEqual(booked ? ["POST", "GET"] : ["POST", "GET", "GET", "POST"]);
      expect((await getPaymentEvents(merchant.api_key, row!.id)).verified).toBe(true);
    });
  }

  it("object evicted while a payment waits for recovery: a fresh instance resumes it", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "server_error", record: true },
      times: 1,
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    await evictDurableObject(merchantStub(merchant.id));
    await driveRecoveryToCompletion([merchant.id]);
    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "succeeded" });
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);
    expect((await bankRequestsFor(endToEndId(payment.id))).map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("recording the bank's answer fails after the bank booked: the merchant is told to retry, recovery finds the transfer", async () => {
    const merchant = await createMerchant();
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      let failures = 0;
      instance.seams.drills.beforeRecordOutcome = () => {
        if (failures++ === 0) throw new Error("storage failure drill");
      };
    });
    const idempotencyKey = crypto.randomUUID();
    const first = await postPayment(merchant.api_key, paymentBody(), idempotencyKey);
    expect(first.status).toBe(503);
    const replay = await json(await postPayment(merchant.api_key, paymentBody(), idempotencyKey));
    expect(replay.status).toBe("pending");
    await sleep(IN_FLIGHT_DEADLINE_MS);
    await driveRecoveryToCompletion([merchant.id]);
    expect(await json(await getPayment(merchant.api_key, replay.id))).toMatchObject({ status: "succeeded" });
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);
    expect((await bankRequestsFor(endToEndId(replay.id))).map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("an alarm handler that throws is retried, and re-running recovery is idempotent", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "reset", record: true },
      times: 1,
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    const stub = merchantStub(merchant.id);
    // The handler does its recovery work, then dies on its last step (re-arming the alarm).
    let throws = 0;
    let calls = 0;
    await runInDurableObject(stub, (instance) => {
      instance.seams.drills.afterReschedule = () => {
        calls++;
        if (throws === 0) {
          throws++;
          throw new Error("alarm crash drill");
        }
      };
    });
    await sleep(100);
    await expect(runDurableObjectAlarm(stub)).rejects.toThrow("alarm crash drill");
    expect(throws).toBe(1);
    // The handler re-arms once, after all of its work (src/merchant-object/alarm-run.ts): that re-arm threw.
    expect(calls).toBe(1);
    // An alarm stays armed, so the runtime (or the next run) comes back for the payment.
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    // At-least-once delivery: the retried alarm and a duplicate run at the same time.
    await Promise.all([runDurableObjectAlarm(stub), stub.recoverDuePayments(Date.now()), stub.recoverDuePayments(Date.now())]);
    await driveRecoveryToCompletion([merchant.id]);

    expect(await json(await getPayment(merchant.api_key, payment.id))).toMatchObject({ status: "succeeded" });
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);
    expect((await bankRequestsFor(endToEndId(payment.id))).filter((r) => r.method === "POST")).toHaveLength(1);
    const events = await getPaymentEvents(merchant.api_key, payment.id);
    expect(events.verified).toBe(true);
    expect(events.data.filter((e) => e.to_status === "succeeded")).toHaveLength(1);
  });

  it("work that is already due never pushes the alarm later (steady traffic cannot starve it)", async () => {
    const merchant = await createMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    const stub = merchantStub(merchant.id);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE payments SET next_action_at = ? WHERE id = ?`, Date.now() - 1_000, payment.id);
    });
    // Each of these re-arms as a request's bank call would; the due payment keeps the first time.
    await stub.deliverDueWebhooks(0);
    const first = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    for (let i = 0; i < 3; i++) {
      await sleep(60);
      await stub.deliverDueWebhooks(0);
      expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(first);
    }
    expect(first ?? Infinity).toBeLessThanOrEqual(Date.now() + MIN_ALARM_INTERVAL_MS);
  });

  it("work still running in this instance past its lease gets the lease renewed, not a wake every second", async () => {
    const merchant = await createMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    const stub = merchantStub(merchant.id);
    // As if its bank call were still queued behind MAX_CONCURRENT_BANK_CALLS with the lease run out.
    const lapsedAt = Date.now() - 1_000;
    await runInDurableObject(stub, (instance, state) => {
      instance.seams.inflight.pretend(payment.id, new Promise<void>(() => {}));
      state.storage.sql.exec(`UPDATE payments SET next_action_at = ? WHERE id = ?`, lapsedAt, payment.id);
    });
    expect(await stub.recoverDuePayments(Date.now())).toBe(0);
    const row = (await paymentRows(merchant.id)).find((r) => r.id === payment.id);
    expect(row?.next_action_at ?? 0).toBeGreaterThanOrEqual(Date.now() + TEST_BANK_TIMEOUT_MS - 1_000);
    // Nothing was sent or asked while it was in flight here.
    expect((await bankRequestsFor(endToEndId(payment.id))).map((r) => r.method)).toEqual(["POST"]);
    await runInDurableObject(stub, (instance) => {
      instance.seams.inflight.forget(payment.id);
    });
  });

  it("an alarm whose recovery step throws before re-arming still leaves an alarm set", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "reset", record: false },
      times: 1,
    });
    const payment = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(payment.status).toBe("pending");
    const stub = merchantStub(merchant.id);
    await runInDurableObject(stub, (instance) => {
      instance.seams.drills.beforeRecovery = () => {
        throw new Error("early step drill");
      };
    });
    // runDurableObjectAlarm removes the alarm it runs; only the handler's own re-arm can set it again.
    await expect(runDurableObjectAlarm(stub)).rejects.toThrow("early step drill");
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
  });
});
