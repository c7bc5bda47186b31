/**
 * `npm run bench:compare`: the few figures a change to the payment path has
 * to move, without the whole bench (a few minutes). Stacks on one bank and
 * one disk: the connector built from the working tree, the floor, and with
 * `--baseline <git ref>` the connector built from that commit. After a
 * warm-up, several rounds, each running every stack in turn: sequential
 * payments (concurrency 1), replays, and closed loops at concurrency 64 on
 * one merchant. Prints workerd CPU per request and its ratios to the floor
 * and to the baseline, round by round and as medians. CPU per request is
 * the figure that stays put on a shared machine, and stacks measured in
 * alternation share whatever load the machine had: the baseline ratio is
 * the robust before/after.
 *
 * `--profile`: afterwards, the bench's CPU profile of the working tree's
 * connector under load (bench/references.ts), in .build/bench/compare-<time>.
 *
 * Environment: BENCH_COMPARE_ROUNDS (default 3), BENCH_BANK_LATENCY_MS (default 20).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../tools/build-worker.ts";
import { CpuMeter } from "./cpu.ts";
import { floorMerchant, floorSequential, floorThroughput } from "./floor/scenarios.ts";
import { keepAlivePool } from "./load.ts";
import { FULL_PLAN } from "./plan.ts";
import { renderProfileSummary } from "./profile.ts";
import { profileRun } from "./references.ts";
import { type BenchMerchant, connector, createMerchant, type Measured, replay, throughput } from "./scenarios.ts";
import { benchStackOptions, pidsOf, type RunningStack, sharedBank, startBenchStack, startFloorStack } from "./stacks.ts";
import { percentile } from "./stats.ts";

const DEFAULT_ROUNDS = 3;
const DEFAULT_BANK_LATENCY_MS = 20;
const WARMUP_PAYMENTS = 200;
const SEQUENTIAL_PAYMENTS = 200;
const REPLAYS = 300;
const CONCURRENCY = 64;
const WARMUP_MS = 1_000;
const WINDOW_MS = 5_000;
/** Under .build (ignored by git) so the baseline's imports resolve to this checkout's node_modules. */
const BASELINE_DIR = ".build/compare-baseline";

interface ConnectorRound {
  sequential: Measured;
  replay: Measured;
  loaded: Measured;
}

interface Round {
  current: ConnectorRound;
  baseline?: ConnectorRound;
  floorSequential: Measured;
  floorLoaded: Measured;
}

const cpuOf = (m: Measured): number => m.cpu?.workerdMsPerRequest ?? Number.NaN;
/** The lower median (nearest rank at 0.5). */
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 0.5);
};
const f2 = (n: number) => n.toFixed(2);

/** Bundles the connector as it was at `ref` (its src/ and schemas/ only). */
async function buildBaseline(ref: string): Promise<string> {
  rmSync(BASELINE_DIR, { recursive: true, force: true });
  mkdirSync(BASELINE_DIR, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", ref, "src", "schemas"]);
  execFileSync("tar", ["-x", "-C", BASELINE_DIR], { input: archive });
  return buildWorker(join(BASELINE_DIR, "worker.mjs"), join(BASELINE_DIR, "src/worker/index.ts"));
}

/** A connector stack with its merchant and its meters. */
interface Subject {
  running: RunningStack;
  merchant: BenchMerchant;
  cpu: CpuMeter;
}

async function connectorRound(s: Subject): Promise<ConnectorRound> {
  const pool = keepAlivePool(s.running.url, 1);
  try {
    const round = {
      sequential: await connector(pool, s.merchant, SEQUENTIAL_PAYMENTS, s.cpu),
      replay: await replay(pool, s.merchant, REPLAYS, s.cpu),
      loaded: await throughput(s.running.url, [s.merchant], CONCURRENCY, WARMUP_MS, WINDOW_MS, s.cpu),
    };
    if ([round.sequential, round.replay, round.loaded].some((m) => m.errors + m.non2xx + m.unexpected > 0)) {
      throw new Error("a connector request failed: the comparison is void");
    }
    return round;
  } finally {
    await pool.close();
  }
}

function describe(label: string, r: ConnectorRound, floorSeq: Measured, floorLoaded: Measured): string {
  return [
    `${label}: c1 CPU ${f2(cpuOf(r.sequential))} ms (×${f2(cpuOf(r.sequential) / cpuOf(floorSeq))} floor), p50 ${f2(r.sequential.latency.p50)} ms;`,
    `replay CPU ${f2(cpuOf(r.replay))} ms, p50 ${f2(r.replay.latency.p50)} ms;`,
    `c${CONCURRENCY} CPU ${f2(cpuOf(r.loaded))} ms (×${f2(cpuOf(r.loaded) / cpuOf(floorLoaded))} floor),`,
    `${r.loaded.perSecond.toFixed(0)}/s (×${f2(r.loaded.perSecond / floorLoaded.perSecond)} floor); others ${f2(r.loaded.cpu?.otherCores ?? Number.NaN)} cores`,
  ].join(" ");
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { profile: { type: "boolean", default: false }, baseline: { type: "string" } } });
  const rounds = Number(process.env.BENCH_COMPARE_ROUNDS ?? DEFAULT_ROUNDS);
  const latency = Number(process.env.BENCH_BANK_LATENCY_MS ?? DEFAULT_BANK_LATENCY_MS);
  const baselineBundle = flags.baseline ? await buildBaseline(flags.baseline) : undefined;
  const stateDir = mkdtempSync(join(tmpdir(), "connector-compare-"));
  const stacks: RunningStack[] = [];
  try {
    const main = await startBenchStack({ ...benchStackOptions(stateDir, latency), onWorkerLog: () => {} });
    stacks.push(main);
    const bank = sharedBank(main.stack, join(stateDir, "pki"));
    const floor = await startFloorStack(join(stateDir, "floor"), latency, bank, pidsOf(main));
    stacks.push(floor);
    const subject = async (running: RunningStack, name: string): Promise<Subject> => ({
      running,
      merchant: await createMerchant(running.url, running.stack.adminToken, name),
      cpu: new CpuMeter(running.workerdPid),
    });
    const current = await subject(main, "Compare current");
    let baseline: Subject | undefined;
    if (baselineBundle) {
      const running = await startBenchStack(
        {
          ...benchStackOptions(join(stateDir, "baseline"), latency),
          bank,
          worker: {
            scriptPath: baselineBundle,
            durableObjects: {
              MERCHANT: { className: "MerchantAccount", useSQLite: true },
              REGISTRY: { className: "MerchantRegistry", useSQLite: true },
            },
          },
          onWorkerLog: () => {},
        },
        pidsOf(main, floor),
      );
      stacks.push(running);
      baseline = await subject(running, "Compare baseline");
    }
    const floorCpu = new CpuMeter(floor.workerdPid);
    const floorPool = keepAlivePool(floor.url, 1);
    const floorOne = floorMerchant();
    for (const s of [current, baseline]) {
      if (!s) continue;
      const pool = keepAlivePool(s.running.url, 1);
      await connector(pool, s.merchant, WARMUP_PAYMENTS);
      await pool.close();
    }
    await floorSequential(floorPool, floorOne, WARMUP_PAYMENTS);
    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which connector goes first, so neither always runs on a warmer or cooler machine.
      const first = i % 2 === 0 || !baseline ? current : baseline;
      const firstRound = await connectorRound(first);
      const secondRound = baseline ? await connectorRound(first === current ? baseline : current) : undefined;
      const round: Round = {
        current: first === current ? firstRound : (secondRound as ConnectorRound),
        ...(baseline ? { baseline: first === current ? (secondRound as ConnectorRound) : firstRound } : {}),
        floorSequential: await floorSequential(floorPool, floorOne, SEQUENTIAL_PAYMENTS, floorCpu),
        floorLoaded: await floorThroughput(floor.url, 1, CONCURRENCY, WARMUP_MS, WINDOW_MS, floorCpu),
      };
      results.push(round);
      console.log(describe(`round ${i + 1} current `, round.current, round.floorSequential, round.floorLoaded));
      if (round.baseline) console.log(describe(`round ${i + 1} baseline`, round.baseline, round.floorSequential, round.floorLoaded));
    }
    await floorPool.close();
    const pick = (get: (r: Round) => number) => f2(median(results.map(get)));
    console.log(
      `median of ${rounds}, current: c1 CPU ${pick((r) => cpuOf(r.current.sequential))} ms ` +
        `(×${pick((r) => cpuOf(r.current.sequential) / cpuOf(r.floorSequential))} floor), ` +
        `replay CPU ${pick((r) => cpuOf(r.current.replay))} ms p50 ${pick((r) => r.current.replay.latency.p50)} ms, ` +
        `c${CONCURRENCY} CPU ${pick((r) => cpuOf(r.current.loaded))} ms (×${pick((r) => cpuOf(r.current.loaded) / cpuOf(r.floorLoaded))} floor), ` +
        `×${pick((r) => r.current.loaded.perSecond / r.floorLoaded.perSecond)} floor's payments/s`,
    );
    if (baseline) {
      const vs = (get: (c: ConnectorRound) => number) => pick((r) => get(r.current) / get(r.baseline as ConnectorRound));
      console.log(
        `median of ${rounds}, current ÷ baseline (${flags.baseline}): c1 CPU ×${vs((c) => cpuOf(c.sequential))}, ` +
          `replay CPU ×${vs((c) => cpuOf(c.replay))}, c${CONCURRENCY} CPU ×${vs((c) => cpuOf(c.loaded))}, ` +
          `c${CONCURRENCY} payments/s ×${vs((c) => c.loaded.perSecond)}`,
      );
    }
  } finally {
    for (const running of stacks.reverse()) await running.stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  if (flags.profile) {
    const outDir = join(".build", "bench", `compare-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const profile = await profileRun({ ...FULL_PLAN, bankLatencyMs: latency }, outDir, (line) => console.log(line));
    console.log(renderProfileSummary(profile.summary, profile.path, profile.payments));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
