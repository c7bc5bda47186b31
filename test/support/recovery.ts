/** Drives and inspects a merchant object's recovery from inside the test runtime. */

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { PaymentRow } from "../../src/payments/payment-row.ts";
import { merchantStub } from "./api.ts";
import { TEST_BANK_TIMEOUT_MS, testBank } from "./bank-adapters.ts";

export { TEST_BANK_TIMEOUT_MS };
/** vitest.config.ts INQUIRY_CONFIRM_DELAY_MS. */
export const TEST_INQUIRY_CONFIRM_DELAY_MS = 300;

/** Points a live merchant object at another bank door (an eviction points it back at BANK). */
export async function pointMerchantAtBank(merchantId: string, fetcher: Fetcher): Promise<void> {
  // The profile this test project runs, as the object would build it for BANK.
  const bank = testBank(fetcher);
  await runInDurableObject(merchantStub(merchantId), (instance) => {
    instance.seams.bank = bank;
  });
  // The swap must reach the object the next request lands on, or a drill would silently test the normal bank.
  expect(await runInDurableObject(merchantStub(merchantId), (instance) => instance.seams.bank === bank)).toBe(true);
}

export async function paymentRows(merchantId: string): Promise<PaymentRow[]> {
  return runInDurableObject(merchantStub(merchantId), (_instance, state) =>
    state.storage.sql.exec<PaymentRow>(`SELECT * FROM payments ORDER BY id`).toArray(),
  );
}

export async function paymentRow(merchantId: string, paymentId: string): Promise<PaymentRow | undefined> {
  return (await paymentRows(merchantId)).find((row) => row.id === paymentId);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs each merchant's alarm until none of its payments is pending, the way
 * the runtime would, only sooner. Returns how many rounds it took; throws
 * when payments are still pending after `maxRounds`.
 */
export async function driveRecoveryToCompletion(
  merchantIds: string[],
  options: { maxRounds?: number; pauseMs?: number } = {},
): Promise<number> {
  const maxRounds = options.maxRounds ?? 200;
  let remaining = [...merchantIds];
  for (let round = 1; round <= maxRounds; round++) {
    await Promise.all(remaining.map((id) => runDurableObjectAlarm(merchantStub(id))));
    const pending = await Promise.all(
      remaining.map(async (id) => ((await paymentRows(id)).some((r) => r.status === "pending") ? id : null)),
    );
    remaining = pending.filter((id): id is string => id !== null);
    if (remaining.length === 0) return round;
    await sleep(options.pauseMs ?? 50);
  }
  const stuck = await Promise.all(remaining.map(async (id) => (await paymentRows(id)).filter((r) => r.status === "pending")));
  throw new Error(
    `payments still pending after ${maxRounds} rounds: ${JSON.stringify(stuck.flat().map((r) => [r.id, r.bank_phase, r.attempts, r.inquiries]))}`,
  );
}

/**
 * Keeps the object's alarm from resolving payments (its beforeRecovery drill
 * throws), so that what resolves them in a test is what the test does, e.g.
 * reconciliation. An eviction ends the hold.
 */
export async function holdRecovery(merchantId: string): Promise<void> {
  await runInDurableObject(merchantStub(merchantId), (instance) => {
    instance.seams.drills.beforeRecovery = () => {
      throw new Error("recovery held by the test");
    };
  });
}
