/** The targets (issue 6), checked against a run. They are reported, never asserted in tests. */
import type { BenchResults } from "./run.ts";
import type { Measured } from "./scenarios.ts";

export const CONNECTOR_OVER_DIRECT_P50_MAX = 1.3;
export const REPLAY_P50_MAX_MS = 5;
export const ONE_MERCHANT_MIN_PER_SECOND = 300;
export const ONE_MERCHANT_CONCURRENCY = 64;
export const MANY_MERCHANTS_MIN_PER_SECOND = 400;
export const PAGE_P50_MAX_MS = 10;

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  /** undefined: could not be measured in this run (e.g. paging skipped). */
  met: boolean | undefined;
}

export function cleanRun(m: Measured): boolean {
  return m.errors + m.non2xx + m.unexpected === 0;
}

export function evaluateTargets(results: Omit<BenchResults, "targets" | "wallClockMs">): TargetCheck[] {
  const tmpfs = "skipped" in results.tmpfs ? undefined : results.tmpfs;
  const checks: TargetCheck[] = [];
  const ratio = results.connector.latency.p50 / results.direct.latency.p50;
  checks.push({
    name: "Connector overhead",
    target: `p50 ≤ direct p50 × ${CONNECTOR_OVER_DIRECT_P50_MAX}`,
    measured: `${results.connector.latency.p50.toFixed(1)} ms vs ${results.direct.latency.p50.toFixed(1)} ms (× ${ratio.toFixed(2)})`,
    met: ratio <= CONNECTOR_OVER_DIRECT_P50_MAX,
  });
  checks.push({
    name: "Replay",
    target: `p50 ≤ ${REPLAY_P50_MAX_MS} ms`,
    measured: `${results.replay.latency.p50.toFixed(1)} ms`,
    met: results.replay.latency.p50 <= REPLAY_P50_MAX_MS,
  });
  const atTarget = results.throughput.find((point) => point.concurrency === ONE_MERCHANT_CONCURRENCY);
  checks.push({
    name: "One merchant",
    target: `≥ ${ONE_MERCHANT_MIN_PER_SECOND} payments/s at concurrency ${ONE_MERCHANT_CONCURRENCY}`,
    measured: atTarget ? `${atTarget.perSecond.toFixed(0)} payments/s` : "not run at that concurrency",
    met: atTarget ? atTarget.perSecond >= ONE_MERCHANT_MIN_PER_SECOND && cleanRun(atTarget) : undefined,
  });
  checks.push({
    name: "Many merchants",
    target: `≥ ${MANY_MERCHANTS_MIN_PER_SECOND} payments/s (${results.manyMerchants.merchants} merchants)`,
    measured: `${results.manyMerchants.perSecond.toFixed(0)} payments/s`,
    met: results.manyMerchants.perSecond >= MANY_MERCHANTS_MIN_PER_SECOND && cleanRun(results.manyMerchants),
  });
  const paging = results.paging;
  checks.push({
    name: "Paging",
    target: `p50 ≤ ${PAGE_P50_MAX_MS} ms per page`,
    measured:
      "skipped" in paging
        ? "not measured (listing endpoint missing)"
        : `${paging.latency.p50.toFixed(1)} ms per page of ${paging.pageSize}`,
    met: "skipped" in paging ? undefined : paging.latency.p50 <= PAGE_P50_MAX_MS && cleanRun(paging),
  });
  const dirty = [
    results.direct,
    results.connector,
    results.connectorViaEntry,
    results.replay,
    results.health,
    results.readBack,
    ...results.throughput,
    results.manyMerchants,
    ...(tmpfs ? [tmpfs.oneMerchant, tmpfs.manyMerchants] : []),
  ].filter((m) => !cleanRun(m));
  checks.push({
    name: "Errors",
    target: "0 errors, 0 non-2xx, 0 unexpected answers",
    measured: dirty.length === 0 ? "0" : `${dirty.length} scenario(s) with failures`,
    met: dirty.length === 0 && ("skipped" in paging || cleanRun(paging)),
  });
  return checks;
}
