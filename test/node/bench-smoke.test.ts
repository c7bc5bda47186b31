/**
 * A short run of `npm run bench` (a few requests per scenario) so the
 * benchmark cannot rot: every scenario, the floor's included, must run
 * against a real stack and report zero failed requests. No speed is asserted
 * here; the targets belong to the full run (docs/benchmarks.md).
 */
import { describe, expect, it } from "vitest";
import { renderMarkdown, renderTable } from "../../bench/report.ts";
import { everyLoad } from "../../bench/results.ts";
import { runBench, SMOKE_PLAN } from "../../bench/run.ts";
import type { Measured } from "../../bench/scenarios.ts";

function failuresOf(m: Measured) {
  return { errors: m.errors, non2xx: m.non2xx, unexpected: m.unexpected, failures: m.failures };
}
const NONE = { errors: 0, non2xx: 0, unexpected: 0, failures: [] };

describe("npm run bench, smoke plan", () => {
  it("runs every scenario against the local stack and the floor with no failed request", async () => {
    const results = await runBench(SMOKE_PLAN, { progress: () => {} });

    const loads = everyLoad(results);
    for (const name of [
      "floor sequential",
      "floor one merchant",
      "floor many merchants",
      "connector (json)",
      "connector (iso20022)",
      "outage submissions",
    ]) {
      expect(loads.map(([loadName]) => loadName)).toContain(name);
    }
    for (const [name, measured] of loads) {
      expect(measured.requests, name).toBeGreaterThan(0);
      expect(failuresOf(measured), name).toEqual(NONE);
      expect(measured.latency.p50, name).toBeGreaterThan(0);
    }
    expect(results.throughput.map((point) => point.concurrency)).toEqual(SMOKE_PLAN.throughput.concurrencies);
    expect(results.manyMerchants.merchants).toBe(SMOKE_PLAN.manyMerchants.merchants);
    expect(results.floor.manyMerchants.merchants).toBe(SMOKE_PLAN.manyMerchants.merchants);
    expect(results.floor.oneMerchant.concurrency).toBe(Math.max(...SMOKE_PLAN.throughput.concurrencies));
    // The floor ran on its own workerd, measured like the connector's. Not "> 0": /proc counts CPU in 10 ms ticks,
    // and the smoke plan's five floor payments can fall within one (seen: 1 run in 7).
    expect(results.floor.sequential.cpu?.workerdMsPerRequest).toBeGreaterThanOrEqual(0);
    expect(results.floor.memory?.peakRssMiB).toBeGreaterThan(0);
    expect(results.floor.memory?.pid).not.toBe(results.memory?.pid);

    if ("skipped" in results.paging) {
      // Only acceptable reason: the listing endpoint (issue 4) is not on this branch.
      expect(results.paging.skipped).toMatch(/GET \/v1\/payments is not on this branch/);
    } else {
      // The walk must see every seeded payment exactly once, via the cursor.
      expect(results.paging.totalPayments).toBe(SMOKE_PLAN.paging.payments);
      expect(results.paging.distinctRows).toBe(SMOKE_PLAN.paging.payments);
      expect(results.paging.rowsSeen).toBe(SMOKE_PLAN.paging.payments);
    }

    // The outage really happened: every payment was answered, the ones sent into it were left pending, and the bank saw requests meanwhile.
    const outage = results.outage;
    expect(outage.submissions.requests).toBe(SMOKE_PLAN.outage.payments);
    expect(outage.answeredSettled + outage.answeredPending).toBe(SMOKE_PLAN.outage.payments);
    expect(outage.sentDuringOutage).toBeGreaterThan(0);
    expect(outage.answeredPending).toBeGreaterThan(0);
    expect(outage.pendingAtHeal).toBeGreaterThan(0);
    expect(outage.timesToFinalMs.length + outage.stillPending).toBe(outage.pendingAtHeal);
    expect(outage.outageMs).toBeGreaterThanOrEqual(SMOKE_PLAN.outage.outageMs);
    expect(outage.bank.requests).toBeGreaterThan(0);

    expect(results.memory?.peakRssMiB).toBeGreaterThan(0);
    expect(results.workerLog.errors).toBe(0);
    expect(results.targets.find((target) => target.name === "Errors")?.met).toBe(true);
    for (const name of [
      "Connector p50 vs floor",
      "One merchant vs floor",
      "workerd CPU per payment vs floor",
      "Recovery after an outage",
    ]) {
      expect(results.targets.map((target) => target.name)).toContain(name);
    }

    const table = renderTable(results);
    const markdown = renderMarkdown(results);
    for (const label of [
      "1. Direct",
      "1f. Floor",
      "2. Connector",
      "2i. Connector p50 (json)",
      "2i. Connector p50 (iso20022)",
      "3. Replay",
      "4. One merchant",
      "4f. Floor, one merchant",
      "5. 2 merchants",
      "5f. Floor, 2 merchants",
      "6. Paging",
      "7. Outage",
      "Outage and recovery (7)",
    ]) {
      expect(table).toContain(label);
      expect(markdown).toContain(label);
    }
  });
});
