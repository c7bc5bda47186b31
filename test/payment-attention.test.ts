/**
 * Stuck payments are seen (src/payments/attention.ts, attention-report.ts):
 * flagged on the payment, logged once, reported to the registry, counted by
 * GET /health and listed for operators; never failed without evidence, and
 * asked at the slowest pace once flagged.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { HealthResponse } from "../schemas/health.ts";
import type { MerchantCreated, Payment } from "../schemas/merchant-api.ts";
import type { AttentionPaymentList } from "../schemas/payment-attention.ts";
import { ATTENTION_REPORT_INTERVAL_MS } from "../src/payments/attention-report.ts";
import { call, createMerchant, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";
import { addFault } from "./support/faults.ts";
import { paymentRow, sleep } from "./support/recovery.ts";

/** vitest.config.ts ATTENTION_AFTER_ATTEMPTS and RECOVERY_MAX_DELAY_MS; schemas/config.ts ATTENTION_AFTER_MS (not overridden). */
const ATTENTION_AFTER_ATTEMPTS = 6;
const RECOVERY_MAX_DELAY_MS = 400;
const ATTENTION_AFTER_MS = 3_600_000;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let errors: MockInstance;
beforeEach(() => {
  errors = vi.spyOn(console, "error");
});
afterEach(() => errors.mockRestore());

function attentionLogLines(paymentId: string): Array<Record<string, unknown>> {
  return errors.mock.calls
    .map((args) => {
      try {
        return JSON.parse(String(args[0])) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((line) => line.event === "payment_needs_attention" && line.payment_id === paymentId);
}

/** Runs the object's alarm (recovery, then reports) until `done` holds for the payment. */
async function alarmUntil(merchant: MerchantCreated, paymentId: string, done: (p: Payment) => boolean, rounds = 200): Promise<Payment> {
  for (let round = 0; round < rounds; round++) {
    await runDurableObjectAlarm(merchantStub(merchant.id));
    const payment = await json(await getPayment(merchant.api_key, paymentId));
    if (done(payment)) return payment;
    await sleep(50);
  }
  throw new Error(`payment ${paymentId} never reached the expected state`);
}

async function attentionListing(): Promise<AttentionPaymentList["data"]> {
  const all: AttentionPaymentList["data"] = [];
  let cursor: string | null = null;
  do {
    const response = await call(`/admin/v1/payments?attention=true&limit=100${cursor ? `&cursor=${cursor}` : ""}`, { headers: admin });
    expect(response.status).toBe(200);
    const page = (await response.json()) as AttentionPaymentList;
    all.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

async function health(): Promise<HealthResponse> {
  // GET /health caches the registry's answer for a second per isolate.
  await sleep(1_100);
  return json<HealthResponse>(await call("/health"));
}

describe("a bank that answers 404 to everything (a wrong BANK_URL path, a gateway)", () => {
  it("flags the payment attempts_exceeded: still pending, logged once, slowed down, reported and listed", async () => {
    const merchant = await createMerchant();
    await addFault({ match: { debtor_iban: merchant.debtor_iban }, action: { kind: "not_found_everything" } });
    const created = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(created.status).toBe("pending");

    const flagged = await alarmUntil(merchant, created.id, (p) => p.attention !== undefined);
    expect(flagged).toMatchObject({ status: "pending", attention: { reason: "attempts_exceeded" } });
    const row = await paymentRow(merchant.id, created.id);
    expect((row?.attempts ?? 0) + (row?.inquiries ?? 0)).toBe(ATTENTION_AFTER_ATTEMPTS);
    // From now on asked at the slowest pace (or the confirmation's own spacing), never faster.
    expect((row?.next_action_at ?? 0) - (row?.updated_at ?? 0)).toBeGreaterThanOrEqual(300);

    // More unresolved calls: still pending, never failed without evidence, and logged only once.
    for (let round = 0; round < 3; round++) {
      await sleep(RECOVERY_MAX_DELAY_MS);
      await runDurableObjectAlarm(merchantStub(merchant.id));
    }
    expect(await paymentRow(merchant.id, created.id)).toMatchObject({ status: "pending", attention_reason: "attempts_exceeded" });
    expect(attentionLogLines(created.id)).toHaveLength(1);

    // The alarm reports it, at most once per ATTENTION_REPORT_INTERVAL_MS (the object's clock moves on that far).
    await runInDurableObject(merchantStub(merchant.id), (instance) => {
      instance.seams.clock = { now: () => Date.now() + ATTENTION_REPORT_INTERVAL_MS + 1_000 };
    });
    await runDurableObjectAlarm(merchantStub(merchant.id));
    // Operators see it, /health counts it (aggregates only).
    const listed = (await attentionListing()).find((entry) => entry.payment_id === created.id);
    expect(listed).toMatchObject({
      merchant_id: merchant.id,
      status: "pending",
      amount: created.amount,
      currency: "EUR",
      created_at: created.created_at,
      attention: { reason: "attempts_exceeded", since: flagged.attention?.since },
    });
    const body = await health();
    expect(Object.keys(body).sort()).toEqual(["bank", "oldest_pending_age_s", "payments_needing_attention", "status", "version"]);
    expect(body.payments_needing_attention).toBeGreaterThanOrEqual(1);
    expect(body.oldest_pending_age_s).toBeGreaterThanOrEqual(0);

    // An operator clears it: gone from the listing at once; the payment is still pending.
    const cleared = await call(`/admin/v1/payments/${merchant.id}/${created.id}/attention`, { method: "DELETE", headers: admin });
    expect(cleared.status).toBe(200);
    const afterClear = await json(cleared);
    expect(afterClear.status).toBe("pending");
    expect(afterClear.attention).toBeUndefined();
    expect((await attentionListing()).some((entry) => entry.payment_id === created.id)).toBe(false);
  });
});

describe("a payment pending too long", () => {
  it("is flagged pending_too_long after ATTENTION_AFTER_MS, and the flag clears when it resolves", async () => {
    const merchant = await createMerchant();
    await addFault({
      match: { debtor_iban: merchant.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_inquiries: 2 },
      times: 1,
    });
    const created = await json(await postPayment(merchant.api_key, paymentBody()));
    expect(created).toMatchObject({ status: "pending", bank: { status: "ACSP" } });
    const stub = merchantStub(merchant.id);
    // An hour passes (the object's clock); the bank still answers ACSP to the first inquiry.
    const setClock = (offsetMs: number) =>
      runInDurableObject(stub, (instance) => {
        instance.seams.clock = { now: () => Date.now() + offsetMs };
      });
    await setClock(ATTENTION_AFTER_MS + 1_000);
    await runDurableObjectAlarm(stub);
    const flagged = await json(await getPayment(merchant.api_key, created.id));
    expect(flagged).toMatchObject({ status: "pending", attention: { reason: "pending_too_long" } });
    expect(attentionLogLines(created.id)).toHaveLength(1);
    expect((await attentionListing()).some((entry) => entry.payment_id === created.id)).toBe(true);

    // The bank settles it at the next inquiry: resolved, the flag goes, and the next report (throttled) tells the registry.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE payments SET next_action_at = 0 WHERE id = ?`, created.id);
    });
    await runDurableObjectAlarm(stub);
    const settled = await json(await getPayment(merchant.api_key, created.id));
    expect(settled.attention).toBeUndefined();
    await setClock(ATTENTION_AFTER_MS + 1_000 + ATTENTION_REPORT_INTERVAL_MS + 1_000);
    await runDurableObjectAlarm(stub);
    expect((await attentionListing()).some((entry) => entry.payment_id === created.id)).toBe(false);
  });
});
