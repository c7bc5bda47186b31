/**
 * An Idempotency-Key is never forgotten while its payment is pending (a retry
 * would otherwise be a second payment with a new end-to-end id, which the bank
 * cannot de-duplicate), and is kept a full TTL after the outcome is final.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HELD_BY_PENDING_PAYMENT, keyExpiresAt } from "../src/payments/idempotency-expiry.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { bankTransfersOf } from "./support/bank.ts";
import { setDebtorScenario } from "./support/reconciliation.ts";

const HOUR_MS = 3_600_000;
/** IDEMPOTENCY_KEY_TTL_HOURS in vitest.config.ts is the default, 72. */
const TTL_MS = 72 * HOUR_MS;

type Stub = ReturnType<typeof merchantStub>;

async function sql(stub: Stub, statement: string, ...bindings: unknown[]): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(statement, ...bindings);
  });
}

async function keyCount(stub: Stub, key: string): Promise<number> {
  return runInDurableObject(
    stub,
    (_instance, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?`, key).one().n,
  );
}

async function purge(stub: Stub): Promise<void> {
  // The alarm's recovery pass is where expired keys are purged.
  await stub.recoverDuePayments(0);
}

describe("Idempotency-Key expiry", () => {
  it("a parked expiry read before the payment became final yields outcome + TTL, a valid date", () => {
    const finalAt = Date.parse("2026-11-29T12:00:00Z");
    const expires = keyExpiresAt(HELD_BY_PENDING_PAYMENT, { status: "succeeded", updated_at: finalAt }, finalAt + 1, TTL_MS);
    expect(expires).toBe(finalAt + TTL_MS);
    expect(new Date(expires).toISOString()).toBe("2026-12-02T12:00:00.000Z");
    expect(keyExpiresAt(HELD_BY_PENDING_PAYMENT, { status: "pending", updated_at: finalAt }, finalAt, TTL_MS)).toBe(finalAt + TTL_MS);
  });

  it("never expires while the payment is pending: a retry days later replays it and pays nothing more", async () => {
    const merchant = await createMerchant();
    // ACSP: acknowledged, settlement in process; the payment stays pending.
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const stub = merchantStub(merchant.id);
    const first = await postPayment(merchant.api_key, paymentBody(), "slow-order-1");
    expect(first.status).toBe(202);
    const payment = await json(first);

    // Four days pass: the stored expiry is long gone and the purge runs.
    await sql(stub, `UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, Date.now() - 24 * HOUR_MS, "slow-order-1");
    await purge(stub);
    expect(await keyCount(stub, "slow-order-1")).toBe(1);

    const retry = await postPayment(merchant.api_key, paymentBody(), "slow-order-1");
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(retry)).id).toBe(payment.id);
    // While pending, the announced expiry is at least a full TTL away.
    expect(Date.parse(retry.headers.get("idempotency-key-expires-at") ?? "")).toBeGreaterThanOrEqual(Date.now() + TTL_MS - 60_000);
    expect(await bankTransfersOf(merchant.debtor_iban)).toHaveLength(1);

    // The same key with another body is still a reuse, not a new payment.
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 999 }), "slow-order-1")).status).toBe(422);
  });

  it("lives a full TTL after the outcome became final, then is purged and free again", async () => {
    const merchant = await createMerchant();
    const stub = merchantStub(merchant.id);
    const first = await postPayment(merchant.api_key, paymentBody(), "order-final-1");
    expect(first.status).toBe(201);
    const payment = await json(first);
    // Becoming final pushed the stored expiry to a TTL after the outcome.
    const stored = await runInDurableObject(
      stub,
      (_instance, state) =>
        state.storage.sql.exec<{ expires_at: number }>(`SELECT expires_at FROM idempotency_keys WHERE key = ?`, "order-final-1").one()
          .expires_at,
    );
    expect(stored).toBe(Date.parse(payment.updated_at) + TTL_MS);

    // Admitted long ago, but final only just now: still remembered.
    await sql(stub, `UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, Date.now() - HOUR_MS, "order-final-1");
    await purge(stub);
    const replay = await postPayment(merchant.api_key, paymentBody(), "order-final-1");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(replay)).id).toBe(payment.id);
    expect(Date.parse(replay.headers.get("idempotency-key-expires-at") ?? "")).toBe(Date.parse(payment.updated_at) + TTL_MS);

    // Final for longer than the TTL: the purge drops it and the key names a new payment.
    await sql(stub, `UPDATE payments SET updated_at = ? WHERE id = ?`, Date.now() - TTL_MS - HOUR_MS, payment.id);
    await sql(stub, `UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, Date.now() - HOUR_MS, "order-final-1");
    await purge(stub);
    expect(await keyCount(stub, "order-final-1")).toBe(0);
    const fresh = await postPayment(merchant.api_key, paymentBody(), "order-final-1");
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(fresh)).id).not.toBe(payment.id);
  });

  it("a key held past its stored expiry by a pending payment does not make the alarm spin", async () => {
    const merchant = await createMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const stub = merchantStub(merchant.id);
    const payment = await json(await postPayment(merchant.api_key, paymentBody(), "order-held-1"));
    expect(payment.status).toBe("pending");
    // Sooner than the hour after which a pending payment is flagged for attention (another due time).
    const inHalfAnHour = Date.now() + HOUR_MS / 2;
    await sql(stub, `UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, Date.now() - HOUR_MS, "order-held-1");
    await sql(stub, `UPDATE payments SET next_action_at = ? WHERE id = ?`, inHalfAnHour, payment.id);

    await purge(stub);
    expect(await keyCount(stub, "order-held-1")).toBe(1);
    // The only due work is the payment's next inquiry: once the alarm has run, it waits for that
    // instead of firing every second for the key.
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(inHalfAnHour);
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(inHalfAnHour);
  });

  it("a replay of a pending payment re-arms a missing alarm, so recovery cannot be stranded", async () => {
    const merchant = await createMerchant();
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    const stub = merchantStub(merchant.id);
    expect((await postPayment(merchant.api_key, paymentBody(), "order-armed-1")).status).toBe(202);

    // Lose the alarm, and the instance that remembered it.
    await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.deleteAlarm();
    });
    await evictDurableObject(stub);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();

    expect((await postPayment(merchant.api_key, paymentBody(), "order-armed-1")).status).toBe(202);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
  });
});
