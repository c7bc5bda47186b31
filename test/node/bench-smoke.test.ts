/**
 * A short run of `npm run bench` (a few requests per scenario) so the
 * benchmark cannot rot: every scenario must run against a real stack and
 * report zero failed requests. No speed is asserted here; the targets belong
 * to the full run (docs/benchmarks.md).
 */
import { describe, expect, it } from "vitest";
import { renderMarkdown, renderTable } from "../../bench/report.ts";
import { runBench, SMOKE_PLAN } from "../../bench/run.ts";
import type { Measured } from "../../bench/scenarios.ts";

function failuresOf(m: Measured) {
  return { errors: m.errors, non2xx: m.non2xx, unexpected: m.unexpected, failures: m.failures };
}
const NONE = { errors: 0, non2xx: 0, unexpected: 0, failures: [] };

describe("npm run bench, smoke plan", () => {
  it("runs every scenario against the local stack with no failed request", async () => {
    const results = await runBench(SMOKE_PLAN, { progress: () => {} });

    const scenarios: Array<[string, Measured]> = [
      ["direct", results.direct],
      ["connector", results.connector],
      ["connector via entry", results.connectorViaEntry],
      ["replay", results.replay],
      ["health", results.health],
      ["read back", results.readBack],
      ...results.throughput.map((point): [string, Measured] => [`one merchant c${point.concurrency}`, point]),
      ["many merchants", results.manyMerchants],
    ];
    if (!("skipped" in results.tmpfs))
      scenarios.push(["tmpfs one", results.tmpfs.oneMerchant], ["tmpfs many", results.tmpfs.manyMerchants]);
    for (const [name, measured] of scenarios) {
      expect(measured.requests, name).toBeGreaterThan(0);
      expect(failuresOf(measured), name).toEqual(NONE);
      expect(measured.latency.p50, name).toBeGreaterThan(0);
    }
    expect(results.throughput.map((point) => point.concurrency)).toEqual(SMOKE_PLAN.throughput.concurrencies);
    expect(results.manyMerchants.merchants).toBe(SMOKE_PLAN.manyMerchants.merchants);

    if ("skipped" in results.paging) {
      // Only acceptable reason: the listing endpoint (issue 4) is not on this branch.
      expect(results.paging.skipped).toMatch(/GET \/v1\/payments is not on this branch/);
    } else {
      expect(failuresOf(results.paging)).toEqual(NONE);
      // The walk must see every seeded payment exactly once, via the cursor.
      expect(results.paging.totalPayments).toBe(SMOKE_PLAN.paging.payments);
      expect(results.paging.distinctRows).toBe(SMOKE_PLAN.paging.payments);
      expect(results.paging.rowsSeen).toBe(SMOKE_PLAN.paging.payments);
    }

    expect(results.memory?.peakRssMiB).toBeGreaterThan(0);
    expect(results.workerLog.errors).toBe(0);
    expect(results.targets.find((target) => target.name === "Errors")?.met).toBe(true);

    const table = renderTable(results);
    const markdown = renderMarkdown(results);
    for (const label of ["1. Direct", "2. Connector", "3. Replay", "4. One merchant", "5. 2 merchants", "6. Paging"]) {
      expect(table).toContain(label);
      expect(markdown).toContain(label);
    }
  });
});
