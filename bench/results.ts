/** What one `npm run bench` measured: the input of bench/targets.ts and bench/report.ts. */
import type { MachineDescription } from "./machine.ts";
import type { OutageResult } from "./outage.ts";
import type { BenchPlan } from "./plan.ts";
import type { MemoryReport } from "./process-memory.ts";
import type { ProfileSummary } from "./profile.ts";
import type { Measured, PagingResult, ThroughputPoint } from "./scenarios.ts";
import type { TargetCheck } from "./targets.ts";

/** The bare workerd skeleton (bench/floor/worker.ts) on the same machine, bank and run: what the runtime itself costs. */
export interface FloorResults {
  sequential: Measured;
  oneMerchant: ThroughputPoint;
  manyMerchants: ThroughputPoint;
  memory: MemoryReport | undefined;
}

/** Scenario 2 on a connector started with BANK_PROFILE = profile. */
export interface BankProfileRun {
  profile: string;
  connector: Measured;
}

export interface WorkerLogCounts {
  lines: number;
  warnings: number;
  errors: number;
  lastProblem?: string;
  /** Of the warnings and errors, those logged during scenario 7, where a failing bank is the point. */
  duringOutage?: { warnings: number; errors: number };
}

export interface BenchResults {
  plan: BenchPlan;
  machine: MachineDescription;
  startedAt: string;
  wallClockMs: number;
  direct: Measured;
  floor: FloorResults;
  connector: Measured;
  /** The same as connector, through Miniflare's dev entry Worker (what `npm start` serves). */
  connectorViaEntry: Measured;
  bankProfiles: BankProfileRun[];
  replay: Measured;
  /** The same sequential loop on lighter routes: what the Worker, then the object hop, cost on their own. */
  health: Measured;
  readBack: Measured;
  throughput: ThroughputPoint[];
  manyMerchants: ThroughputPoint;
  paging: PagingResult;
  outage: OutageResult;
  /** 4 and 5 again with Durable Object state on tmpfs (RAM): the same code without the disk's flush latency. */
  tmpfs: { oneMerchant: ThroughputPoint; manyMerchants: ThroughputPoint } | { skipped: string };
  /** Only with --profile: where the .cpuprofile is, and how many payments it covers. */
  profile?: { path: string; payments: number; summary: ProfileSummary };
  memory: MemoryReport | undefined;
  workerLog: WorkerLogCounts;
  targets: TargetCheck[];
}

/** Every load the run made, each of which must have had no failed request. */
export function everyLoad(results: Omit<BenchResults, "targets" | "wallClockMs">): Array<[string, Measured]> {
  const loads: Array<[string, Measured]> = [
    ["direct", results.direct],
    ["floor sequential", results.floor.sequential],
    ["floor one merchant", results.floor.oneMerchant],
    ["floor many merchants", results.floor.manyMerchants],
    ["connector", results.connector],
    ["connector via entry", results.connectorViaEntry],
    ...results.bankProfiles.map((run): [string, Measured] => [`connector (${run.profile})`, run.connector]),
    ["replay", results.replay],
    ["health", results.health],
    ["read back", results.readBack],
    ...results.throughput.map((point): [string, Measured] => [`one merchant c${point.concurrency}`, point]),
    ["many merchants", results.manyMerchants],
    ["outage submissions", results.outage.submissions],
    ["outage polls", results.outage.polls],
  ];
  if (!("skipped" in results.tmpfs)) loads.push(["tmpfs one", results.tmpfs.oneMerchant], ["tmpfs many", results.tmpfs.manyMerchants]);
  if (!("skipped" in results.paging)) loads.push(["paging", results.paging]);
  return loads;
}
