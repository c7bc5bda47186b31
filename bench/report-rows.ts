/**
 * The rows of the results table. Every connector figure is shown as a ratio
 * to its floor counterpart measured in the same run (the bare workerd
 * skeleton at the same concurrency) and to the direct bank call, next to the
 * absolute figures.
 */
import { floorConcurrency } from "./plan.ts";
import type { BenchResults } from "./results.ts";
import type { Measured, ThroughputPoint } from "./scenarios.ts";

export interface Row {
  scenario: string;
  requests: string;
  p50: string;
  p95: string;
  p99: string;
  rate: string;
  errors: string;
  non2xx: string;
  workerdCpu: string;
  otherCores: string;
  vsFloor: string;
  vsDirect: string;
  note: string;
}

export const HEADERS: Row = {
  scenario: "Scenario",
  requests: "Requests",
  p50: "p50 ms",
  p95: "p95 ms",
  p99: "p99 ms",
  rate: "payments/s",
  errors: "Errors",
  non2xx: "Non-2xx",
  workerdCpu: "workerd CPU ms/req",
  otherCores: "Others' load (cores)",
  vsFloor: "÷ floor",
  vsDirect: "÷ direct",
  note: "Note",
};

/** Columns printed left-aligned (text); the others are numbers. */
export const TEXT_COLUMNS: ReadonlySet<keyof Row> = new Set(["scenario", "vsFloor", "vsDirect", "note"]);

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "-");
const times = (value: number) => (Number.isFinite(value) ? `×${value.toFixed(2)}` : "-");

interface Comparison {
  /** The floor's figure at the same concurrency and merchants, if the run measured one. */
  floor?: Measured;
  /** Compare payments/s too (throughput rows). */
  rate?: boolean;
  direct?: Measured;
}

function row(scenario: string, m: Measured, note = "", compare: Comparison = {}): Row {
  const { floor, direct } = compare;
  const floorParts = floor
    ? [
        `p50 ${times(m.latency.p50 / floor.latency.p50)}`,
        ...(compare.rate ? [`rate ${times(m.perSecond / floor.perSecond)}`] : []),
        ...(m.cpu && floor.cpu ? [`CPU ${times(m.cpu.workerdMsPerRequest / floor.cpu.workerdMsPerRequest)}`] : []),
      ]
    : [];
  return {
    scenario,
    requests: String(m.requests),
    p50: ms(m.latency.p50),
    p95: ms(m.latency.p95),
    p99: ms(m.latency.p99),
    rate: compare.rate ? m.perSecond.toFixed(0) : "",
    errors: String(m.errors),
    non2xx: String(m.non2xx + m.unexpected),
    workerdCpu: m.cpu ? m.cpu.workerdMsPerRequest.toFixed(2) : "-",
    otherCores: m.cpu ? m.cpu.otherCores.toFixed(2) : "-",
    vsFloor: floorParts.length ? floorParts.join(", ") : "-",
    vsDirect: direct ? `p50 ${times(m.latency.p50 / direct.latency.p50)}` : "-",
    note,
  };
}

function emptyRow(scenario: string, note: string): Row {
  const dash = "-";
  return {
    scenario,
    requests: dash,
    p50: dash,
    p95: dash,
    p99: dash,
    rate: dash,
    errors: dash,
    non2xx: dash,
    workerdCpu: dash,
    otherCores: dash,
    vsFloor: dash,
    vsDirect: dash,
    note,
  };
}

export function rows(results: BenchResults): Row[] {
  const { direct, floor } = results;
  const sequential: Comparison = { floor: floor.sequential, direct };
  const pointOfFloor = (point: ThroughputPoint): Measured | undefined => {
    if (point.merchants === floor.manyMerchants.merchants && point.concurrency === floor.manyMerchants.concurrency && point.merchants > 1)
      return floor.manyMerchants;
    if (point.merchants === 1 && point.concurrency === floor.oneMerchant.concurrency) return floor.oneMerchant;
    if (point.merchants === 1 && point.concurrency === 1) return floor.sequential;
    return undefined;
  };
  const loaded = (point: ThroughputPoint): Comparison => {
    const floorPoint = pointOfFloor(point);
    return { ...(floorPoint ? { floor: floorPoint } : {}), rate: true, direct };
  };
  const top = floorConcurrency(results.plan);
  const out: Row[] = [
    row("1. Direct mTLS to the bank", direct, "Node → simulator, concurrency 1, keep-alive"),
    row("1f. Floor: bare Worker + Durable Object", floor.sequential, "INSERT, mTLS fetch, UPDATE; concurrency 1", { direct }),
    row("2. Connector POST /v1/payments", results.connector, "concurrency 1", sequential),
    row("2b. The same via Miniflare's entry Worker", results.connectorViaEntry, "what npm start serves; not in production", sequential),
    ...results.bankProfiles.map((run) =>
      row(
        `2i. Connector p50 (${run.profile})`,
        run.connector,
        `own stack with BANK_PROFILE=${run.profile}, same bank, started the same way for each profile`,
        sequential,
      ),
    ),
    row("3. Replay (used Idempotency-Key)", results.replay, "concurrency 1", sequential),
    row("3b. GET /health", results.health, "the Worker alone: HTTP, routing, log line", sequential),
    row("3c. GET /v1/payments/{id}", results.readBack, "+ auth hash, object RPC, one SELECT", sequential),
    ...results.throughput.map((p) => row(`4. One merchant, concurrency ${p.concurrency}`, p, "", loaded(p))),
    row(`4f. Floor, one merchant, concurrency ${top}`, floor.oneMerchant, "", { rate: true, direct }),
    row(
      `5. ${results.manyMerchants.merchants} merchants, concurrency ${results.manyMerchants.concurrency}`,
      results.manyMerchants,
      "",
      loaded(results.manyMerchants),
    ),
    row(`5f. Floor, ${floor.manyMerchants.merchants} merchants, concurrency ${floor.manyMerchants.concurrency}`, floor.manyMerchants, "", {
      rate: true,
      direct,
    }),
  ];
  if (!("skipped" in results.tmpfs)) {
    const { oneMerchant, manyMerchants } = results.tmpfs;
    const note = "reference: no disk flush (floor on disk)";
    out.push(
      row(`4r. One merchant, concurrency ${oneMerchant.concurrency}, state on tmpfs`, oneMerchant, note, loaded(oneMerchant)),
      row(
        `5r. ${manyMerchants.merchants} merchants, concurrency ${manyMerchants.concurrency}, state on tmpfs`,
        manyMerchants,
        note,
        loaded(manyMerchants),
      ),
    );
  }
  const paging = results.paging;
  if ("skipped" in paging) out.push(emptyRow("6. Paging GET /v1/payments", `SKIPPED: ${paging.skipped}`));
  else
    out.push(
      row(
        `6. Paging, ${paging.totalPayments} payments, pages of ${paging.pageSize}`,
        paging,
        `ms per page; ${paging.distinctRows} distinct rows read; seeded ${paging.seeded} in ${(paging.seedMs / 1000).toFixed(1)} s`,
      ),
    );
  const outage = results.outage;
  out.push(
    row(
      `7. Outage: payments over ${outage.merchants} merchants`,
      outage.submissions,
      `${outage.answeredSettled} answered 201, ${outage.answeredPending} answered 202 (pending)`,
    ),
  );
  return out;
}
