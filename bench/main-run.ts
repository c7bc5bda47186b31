/**
 * The main part of a run: the connector's stack (with its bank simulator),
 * the floor's stack on the same simulator, and every scenario on them in an
 * order that keeps each connector figure next to its floor counterpart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDevPki } from "../tools/dev-pki.ts";
import { CpuMeter } from "./cpu.ts";
import { floorMerchant, floorSequential, floorThroughput } from "./floor/scenarios.ts";
import { keepAlivePool } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { outageAndRecovery } from "./outage.ts";
import { type BenchPlan, floorConcurrency } from "./plan.ts";
import { executableOf, MemorySampler } from "./process-memory.ts";
import type { BankProfileRun, BenchResults, WorkerLogCounts } from "./results.ts";
import {
  type BenchMerchant,
  bankPool,
  connector,
  createMerchant,
  direct,
  health,
  type Measured,
  paging,
  readBack,
  replay,
  type ThroughputPoint,
  throughput,
} from "./scenarios.ts";
import { benchStackOptions, pidsOf, type RunningStack, sharedBank, startBenchStack, startFloorStack } from "./stacks.ts";

export type MainResults = Omit<BenchResults, "targets" | "wallClockMs" | "tmpfs" | "profile">;

export interface MainRunOptions {
  stateDir?: string;
  progress: (line: string) => void;
}

export async function mainRun(plan: BenchPlan, options: MainRunOptions): Promise<MainResults> {
  const { progress } = options;
  const startedAt = new Date().toISOString();
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "connector-bench-"));
  const workerLog: WorkerLogCounts = { lines: 0, warnings: 0, errors: 0 };
  let main: RunningStack | undefined;
  let floor: RunningStack | undefined;
  const samplers: MemorySampler[] = [];
  const sample = (pid: number | undefined) => {
    if (pid === undefined) return undefined;
    const sampler = new MemorySampler(pid);
    sampler.start();
    samplers.push(sampler);
    return sampler;
  };
  try {
    main = await startBenchStack({
      ...benchStackOptions(stateDir, plan.bankLatencyMs),
      inspectDurableObjects: true,
      onWorkerLog: ({ level, message }) => {
        workerLog.lines++;
        if (level === "warn" || level === "error") {
          if (level === "warn") workerLog.warnings++;
          else workerLog.errors++;
          workerLog.lastProblem = message.slice(0, 300);
        }
      },
    });
    const pkiDir = join(stateDir, "pki");
    floor = await startFloorStack(join(stateDir, "floor"), plan.bankLatencyMs, sharedBank(main.stack, pkiDir), pidsOf(main));
    const mainSampler = sample(main.workerdPid);
    const floorSampler = sample(floor.workerdPid);
    const machine = describeMachine(main.workerdPid !== undefined ? executableOf(main.workerdPid) : undefined);
    const cpu = new CpuMeter(main.workerdPid);
    const floorCpu = new CpuMeter(floor.workerdPid);
    progress(
      `stack up at ${main.url} (entry ${main.stack.url}), floor at ${floor.url}, bank ${main.stack.bankUrl} (+${plan.bankLatencyMs} ms), ` +
        `workerd pids ${main.workerdPid ?? "not found"} (connector) and ${floor.workerdPid ?? "not found"} (floor)`,
    );

    const { floorSequential: floorSequentialResult, ...connectorSequential } = await sequentialScenarios(
      plan,
      main,
      floor,
      pkiDir,
      {
        connector: cpu,
        floor: floorCpu,
      },
      progress,
    );

    const { durationMs, warmupMs } = plan.throughput;
    const throughputResults: ThroughputPoint[] = [];
    for (const concurrency of plan.throughput.concurrencies) {
      progress(`4. one merchant, concurrency ${concurrency}, ${durationMs} ms`);
      const loadMerchant = await createMerchant(main.url, main.stack.adminToken, `Bench Load c${concurrency}`);
      throughputResults.push(await throughput(main.url, [loadMerchant], concurrency, warmupMs, durationMs, cpu));
    }
    const floorTop = floorConcurrency(plan);
    progress(`4f. floor, one merchant, concurrency ${floorTop}, ${durationMs} ms`);
    const floorOne = await floorThroughput(floor.url, 1, floorTop, warmupMs, durationMs, floorCpu);
    const { merchants: merchantCount, concurrency: manyConcurrency } = plan.manyMerchants;
    progress(`5. ${merchantCount} merchants, concurrency ${manyConcurrency}, ${durationMs} ms`);
    const many: BenchMerchant[] = [];
    for (let i = 0; i < merchantCount; i++) many.push(await createMerchant(main.url, main.stack.adminToken, `Bench Many ${i + 1}`));
    const manyResult = await throughput(main.url, many, manyConcurrency, warmupMs, durationMs, cpu);
    progress(`5f. floor, ${merchantCount} merchants, concurrency ${manyConcurrency}, ${durationMs} ms`);
    const floorMany = await floorThroughput(floor.url, merchantCount, manyConcurrency, warmupMs, durationMs, floorCpu);

    const bankProfiles = await bankProfileRuns(plan, stateDir, main, floor, progress);

    progress(`6. paging over ${plan.paging.payments} payments, pages of ${plan.paging.pageSize}`);
    const pagingMerchant = await createMerchant(main.url, main.stack.adminToken, "Bench Paging");
    const seed = { miniflare: main.stack.miniflare, scriptName: "" };
    const pagingResult = await paging(
      main.url,
      pagingMerchant,
      seed,
      plan.paging.payments,
      plan.paging.pageSize,
      plan.paging.maxPages,
      cpu,
    );
    if ("skipped" in pagingResult) progress(`   skipped: ${pagingResult.skipped}`);

    const { outage: outagePlan } = plan;
    progress(
      `7. outage and recovery: ${outagePlan.payments} payments over ${outagePlan.merchants} merchants, bank +${outagePlan.bankLatencyMs} ms`,
    );
    const simulator = main.stack.simulator;
    if (!simulator) throw new Error("the outage scenario needs the stack's own bank simulator");
    const before = { warnings: workerLog.warnings, errors: workerLog.errors };
    const outage = await outageAndRecovery(
      { url: main.url, adminToken: main.stack.adminToken, simulator, restoreLatencyMs: plan.bankLatencyMs },
      outagePlan,
      progress,
    );
    workerLog.duringOutage = { warnings: workerLog.warnings - before.warnings, errors: workerLog.errors - before.errors };

    return {
      plan,
      machine,
      startedAt,
      ...connectorSequential,
      floor: { sequential: floorSequentialResult, oneMerchant: floorOne, manyMerchants: floorMany, memory: floorSampler?.stop() },
      bankProfiles,
      throughput: throughputResults,
      manyMerchants: manyResult,
      paging: pagingResult,
      outage,
      memory: mainSampler?.stop(),
      workerLog,
    };
  } finally {
    for (const sampler of samplers) sampler.stop();
    await floor?.stack.close();
    await main?.stack.close();
    if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * Scenario 2 again on a second connector stack per bank profile (BANK_PROFILE
 * as a Worker variable), on the same bank simulator, with its own state.
 */
async function bankProfileRuns(
  plan: BenchPlan,
  stateDir: string,
  main: RunningStack,
  floor: RunningStack,
  progress: (line: string) => void,
): Promise<BankProfileRun[]> {
  const runs: BankProfileRun[] = [];
  for (const profile of plan.bankProfiles) {
    progress(`2i. connector with BANK_PROFILE=${profile}, ${plan.latencySamples} sequential requests`);
    const dir = join(stateDir, `profile-${profile}`);
    const other = await startBenchStack(
      {
        ...benchStackOptions(dir, plan.bankLatencyMs),
        bank: sharedBank(main.stack, join(stateDir, "pki")),
        bankProfile: profile,
        onWorkerLog: () => {},
      },
      pidsOf(main, floor),
    );
    const pool = keepAlivePool(other.url, 1);
    try {
      const merchant = await createMerchant(other.url, other.stack.adminToken, `Bench ${profile}`);
      await connector(pool, merchant, plan.warmupRequests);
      runs.push({ profile, connector: await connector(pool, merchant, plan.latencySamples, new CpuMeter(other.workerdPid)) });
    } finally {
      await pool.close();
      await other.stack.close();
    }
  }
  return runs;
}

interface SequentialResults {
  direct: Measured;
  floorSequential: Measured;
  connector: Measured;
  connectorViaEntry: Measured;
  replay: Measured;
  health: Measured;
  readBack: Measured;
}

/** Scenarios 1–3 at concurrency 1, each on one keep-alive connection, after a warm-up of each path. */
async function sequentialScenarios(
  plan: BenchPlan,
  main: RunningStack,
  floor: RunningStack,
  pkiDir: string,
  cpu: { connector: CpuMeter; floor: CpuMeter },
  progress: (line: string) => void,
): Promise<SequentialResults> {
  const pki = readDevPki(pkiDir);
  const bank = { url: main.stack.bankUrl, tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } };
  const merchant = await createMerchant(main.url, main.stack.adminToken, "Bench Shop");
  const oneConnection = keepAlivePool(main.url, 1);
  const entryConnection = keepAlivePool(main.stack.url, 1);
  const bankConnection = bankPool(bank, 1);
  const floorConnection = keepAlivePool(floor.url, 1);
  const floorShop = floorMerchant();
  try {
    progress(`warm-up: ${plan.warmupRequests} payments, bank calls and floor payments`);
    await connector(oneConnection, merchant, plan.warmupRequests);
    await direct(bankConnection, merchant.debtorIban, plan.warmupRequests);
    await floorSequential(floorConnection, floorShop, plan.warmupRequests);
    await replay(oneConnection, merchant, Math.min(plan.warmupRequests, 50));

    progress(`1. direct mTLS to the bank, ${plan.latencySamples} sequential requests`);
    const directResult = await direct(bankConnection, merchant.debtorIban, plan.latencySamples, cpu.connector);
    progress(`1f. floor (workerd skeleton) POST /v1/payments, ${plan.latencySamples} sequential requests`);
    const floorResult = await floorSequential(floorConnection, floorShop, plan.latencySamples, cpu.floor);
    progress(`2. connector POST /v1/payments, ${plan.latencySamples} sequential requests`);
    const connectorResult = await connector(oneConnection, merchant, plan.latencySamples, cpu.connector);
    const viaEntrySamples = Math.ceil(plan.latencySamples / 2);
    progress(`2b. the same through Miniflare's entry Worker, ${viaEntrySamples} sequential requests`);
    await connector(entryConnection, merchant, Math.min(plan.warmupRequests, 50));
    const viaEntryResult = await connector(entryConnection, merchant, viaEntrySamples, cpu.connector);
    progress(`3. replay of a used Idempotency-Key, ${plan.replaySamples} sequential requests`);
    const replayResult = await replay(oneConnection, merchant, plan.replaySamples, cpu.connector);
    progress(`3b. GET /health and GET /v1/payments/{id}, ${plan.replaySamples} sequential requests each`);
    const healthResult = await health(oneConnection, plan.replaySamples, cpu.connector);
    const readBackResult = await readBack(oneConnection, merchant, plan.replaySamples, cpu.connector);
    return {
      direct: directResult,
      floorSequential: floorResult,
      connector: connectorResult,
      connectorViaEntry: viaEntryResult,
      replay: replayResult,
      health: healthResult,
      readBack: readBackResult,
    };
  } finally {
    await Promise.all([oneConnection.close(), entryConnection.close(), bankConnection.close(), floorConnection.close()]);
  }
}
