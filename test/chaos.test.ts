/**
 * Chaos: 500 payments over 20 merchants, sent concurrently with duplicate
 * retries (same key, same body), random bank faults of every mode, a bank
 * outage for some merchants and crashes of others, then recovery driven to
 * completion by running the alarms. Seeded: a failure prints its seed, and
 * `CHAOS_SEED=<seed> npx vitest run test/chaos.test.ts` replays the draw.
 */

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MerchantCreated } from "../schemas/merchant-api.ts";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { boundBank } from "./support/bank.ts";
import { type Random, randomFault, SUBMISSION_ONLY_FAULTS, seededRandom } from "./support/chaos.ts";
import { addFault, clearFaults } from "./support/faults.ts";
import { type Answer, checkInvariants, expectNoPendingWithoutNextAction } from "./support/invariants.ts";
import { driveRecoveryToCompletion, paymentRows, pointMerchantAtBank } from "./support/recovery.ts";

const MERCHANTS = 20;
const PAYMENTS = 500;
const CONCURRENT_REQUESTS = 64;
const FAULT_RATE = 0.45;
const DUPLICATE_RATE = 0.3;
const OUTAGE_MERCHANTS = 2;
const CRASHED_MERCHANTS = 2;
const MAX_MERCHANT_RETRIES = 5;
/** The backoff's ceiling (RECOVERY_MAX_DELAY_MS default): where an outage of minutes leaves payments' next actions. */
const OUTAGE_BACKOFF_MS = 5 * 60_000;
/** Issue 15's targets, from "faults cleared" to final. */
const P99_FINAL_MS = 10_000;
const MAX_FINAL_MS = 30_000;

const seed = env.CHAOS_SEED ? Number(env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);

interface Planned {
  merchant: MerchantCreated;
  key: string;
  body: Record<string, unknown>;
  duplicates: number;
}

/** A merchant as the API asks it to behave: on 503 or a lost answer, retry with the same key and body. */
async function payLikeAMerchant(planned: Planned, answers: Answer[]): Promise<void> {
  for (let attempt = 0; attempt < MAX_MERCHANT_RETRIES; attempt++) {
    let status = 0;
    let paymentId: string | null = null;
    try {
      const response = await postPayment(planned.merchant.api_key, planned.body, planned.key);
      status = response.status;
      if (status === 201 || status === 202) paymentId = (await json(response)).id;
      else await response.body?.cancel();
    } catch {
      status = 0;
    }
    answers.push({ key: planned.key, status, paymentId });
    if (status !== 503 && status !== 0) return;
  }
}

/** Moves every pending payment's next action at least `ms` out, jittered like the backoff. */
async function pushNextActionsOut(merchantId: string, ms: number): Promise<void> {
  await runInDurableObject(merchantStub(merchantId), (_instance, state) => {
    state.storage.sql.exec(
      `UPDATE payments SET next_action_at = ? + (ABS(RANDOM()) % ?) WHERE status = 'pending'`,
      Date.now() + ms / 2,
      ms / 2,
    );
  });
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

describe("chaos", () => {
  it(`never pays twice and never loses a payment (seed ${seed})`, { timeout: 120_000 }, async () => {
    const random: Random = seededRandom(seed);
    try {
      const merchants = await Promise.all(Array.from({ length: MERCHANTS }, () => createMerchant()));
      const answers = new Map<string, Answer[]>(merchants.map((m) => [m.id, []]));

      // Faults: one-shot rules scoped to each merchant's debtor IBAN; whichever request comes first takes one.
      const rules = [];
      for (let i = 0; i < PAYMENTS; i++) {
        if (random() < FAULT_RATE) {
          const fault = randomFault(random);
          const onInquiry = random() >= 0.8 && !SUBMISSION_ONLY_FAULTS.has(fault.action.kind);
          rules.push(
            addFault({
              ...fault,
              match: { debtor_iban: merchants[i % MERCHANTS]!.debtor_iban, operation: onInquiry ? "inquiry" : "submit" },
            }),
          );
        }
      }
      await Promise.all(rules);
      const outage = merchants.slice(0, OUTAGE_MERCHANTS);
      for (const merchant of outage) await pointMerchantAtBank(merchant.id, env.BANK_UNREACHABLE);

      const plan: Planned[] = Array.from({ length: PAYMENTS }, (_, i) => ({
        merchant: merchants[i % MERCHANTS]!,
        key: `chaos-${seed}-${i}`,
        body: paymentBody({ amount: 100 + Math.floor(random() * 100_000), reference: `chaos ${i}` }),
        duplicates: random() < DUPLICATE_RATE ? 1 + Math.floor(random() * 2) : 0,
      }));
      const sends = plan.flatMap((p) => Array.from({ length: 1 + p.duplicates }, () => p));
      // Shuffle so duplicates race their originals.
      for (let i = sends.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [sends[i], sends[j]] = [sends[j]!, sends[i]!];
      }
      // Some merchant objects crash (ctx.abort) at a random moment while requests are in flight.
      const crashes = new Map(
        merchants
          .slice(OUTAGE_MERCHANTS, OUTAGE_MERCHANTS + CRASHED_MERCHANTS)
          .map((m) => [Math.floor(random() * sends.length), m] as const),
      );
      let sent = 0;
      await pool(sends, CONCURRENT_REQUESTS, async (planned) => {
        const victim = crashes.get(sent++);
        if (victim) void runInDurableObject(merchantStub(victim.id), (_i, state) => state.abort("chaos crash")).catch(() => undefined);
        await payLikeAMerchant(planned, answers.get(planned.merchant.id)!);
      });

      for (const merchant of merchants) await expectNoPendingWithoutNextAction(merchant.id);
      // The outage lasted minutes for its merchants: their payments' next actions are as far out as the
      // backoff's ceiling puts them after that long (the test cannot wait minutes for it to build up).
      for (const merchant of outage) await pushNextActionsOut(merchant.id, OUTAGE_BACKOFF_MS);
      // Faults cleared: the bank comes back for the merchants that saw it down, and unused rules are removed.
      for (const merchant of merchants) await clearFaults(merchant.debtor_iban);
      const clearedAt = Date.now();
      for (const merchant of outage) await pointMerchantAtBank(merchant.id, boundBank());
      await driveRecoveryToCompletion(
        merchants.map((m) => m.id),
        { maxRounds: 600, pauseMs: 50 },
      );

      for (const merchant of merchants) await checkInvariants(merchant, answers.get(merchant.id)!);
      const rows = (await Promise.all(merchants.map((m) => paymentRows(m.id)))).flat();
      // Time to truth: from "faults cleared" to final, per payment (0 for those final before).
      const toFinal = rows.map((r) => Math.max(0, r.updated_at - clearedAt)).sort((a, b) => a - b);
      const percentile = (p: number) => toFinal[Math.max(0, Math.ceil((p / 100) * toFinal.length) - 1)] ?? 0;
      const tally = (values: string[]) => Object.fromEntries([...new Set(values)].map((v) => [v, values.filter((x) => x === v).length]));
      console.log(
        "chaos summary",
        JSON.stringify({
          seed,
          requests: [...answers.values()].flat().length,
          answers: tally([...answers.values()].flat().map((a) => String(a.status))),
          outcomes: tally(rows.map((r) => r.failure_code ?? r.status)),
          max_attempts: Math.max(...rows.map((r) => r.attempts)),
          max_inquiries: Math.max(...rows.map((r) => r.inquiries)),
          ms_from_faults_cleared_to_final: { p50: percentile(50), p99: percentile(99), max: percentile(100) },
        }),
      );
      expect(percentile(99), "99 % of payments final within 10 s of the faults clearing").toBeLessThanOrEqual(P99_FINAL_MS);
      expect(percentile(100), "every payment final within 30 s of the faults clearing").toBeLessThanOrEqual(MAX_FINAL_MS);
      // Every planned payment was accepted in the end (merchants retried 503s).
      const accepted = new Set(
        [...answers.values()]
          .flat()
          .filter((a) => a.paymentId !== null)
          .map((a) => a.key),
      );
      expect(accepted.size).toBe(PAYMENTS);
    } catch (error) {
      throw new Error(`chaos run failed with CHAOS_SEED=${seed}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  });
});
