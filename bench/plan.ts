import type { BankProfile } from "../tools/local-stack.ts";
/** How much of each scenario a run does: the full plan (`npm run bench`) and the smoke plan (`npm test`). */

export interface OutagePlan {
  /** Payments submitted in all, round-robin over `merchants`. */
  payments: number;
  merchants: number;
  /** The bank's answer time for this scenario (restored afterwards). */
  bankLatencyMs: number;
  /** How long the bank answers 503 to everything; about the first third of the payments are sent before it. */
  outageMs: number;
  /** How long after healing the bench waits for the last payment to become final. */
  settleWindowMs: number;
  /** Each merchant's pending payments are listed this often (one GET per merchant and page). */
  pollIntervalMs: number;
}

export interface ProfilePlan {
  /** One merchant at this concurrency while the profiler samples. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** V8 sampling interval, µs. */
  samplingIntervalUs: number;
}

export interface BenchPlan {
  bankLatencyMs: number;
  warmupRequests: number;
  latencySamples: number;
  replaySamples: number;
  throughput: { concurrencies: number[]; warmupMs: number; durationMs: number };
  manyMerchants: { merchants: number; concurrency: number };
  paging: { payments: number; pageSize: number; maxPages: number };
  /** Re-run 4 (at the highest concurrency) and 5 with the state on tmpfs, to separate disk flushes from the rest. */
  tmpfsReference: boolean;
  /**
   * Scenario 2 again on a connector started with BANK_PROFILE set to each of
   * these (the bank's wire format); the simulator serves every profile.
   */
  bankProfiles: BankProfile[];
  outage: OutagePlan;
  profile: ProfilePlan;
}

export const FULL_PLAN: BenchPlan = {
  bankLatencyMs: 20,
  warmupRequests: 200,
  latencySamples: 500,
  replaySamples: 1_000,
  throughput: { concurrencies: [1, 8, 32, 64], warmupMs: 1_000, durationMs: 5_000 },
  manyMerchants: { merchants: 16, concurrency: 64 },
  paging: { payments: 100_000, pageSize: 100, maxPages: 2_000 },
  tmpfsReference: true,
  bankProfiles: ["json", "iso20022"],
  outage: { payments: 1_000, merchants: 16, bankLatencyMs: 20, outageMs: 30_000, settleWindowMs: 60_000, pollIntervalMs: 250 },
  profile: { concurrency: 64, warmupMs: 1_000, durationMs: 5_000, samplingIntervalUs: 200 },
};

/** A few requests per scenario: proves every scenario still runs (npm test), measures nothing. */
export const SMOKE_PLAN: BenchPlan = {
  bankLatencyMs: 2,
  warmupRequests: 3,
  latencySamples: 5,
  replaySamples: 5,
  throughput: { concurrencies: [1, 4], warmupMs: 100, durationMs: 300 },
  manyMerchants: { merchants: 2, concurrency: 4 },
  paging: { payments: 250, pageSize: 100, maxPages: 10 },
  tmpfsReference: true,
  bankProfiles: ["json", "iso20022"],
  outage: { payments: 24, merchants: 4, bankLatencyMs: 2, outageMs: 1_000, settleWindowMs: 20_000, pollIntervalMs: 250 },
  profile: { concurrency: 4, warmupMs: 100, durationMs: 500, samplingIntervalUs: 500 },
};

/** The floor is measured where the targets compare: one merchant at the highest concurrency, and the many-merchant point. */
export function floorConcurrency(plan: BenchPlan): number {
  return Math.max(...plan.throughput.concurrencies);
}
