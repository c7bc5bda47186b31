/**
 * `npm run bench`: starts the local stack in-process (workerd via Miniflare,
 * bank simulator with real mTLS, throw-away persisted state), warms it up,
 * runs every scenario, prints a table and writes docs/benchmarks.md. The dev
 * PKI, bank ledger and object state are made in the run's own directory.
 *
 * Environment: BENCH_PLAN ("smoke": a few requests per scenario), BENCH_BANK_LATENCY_MS (default 20), BENCH_STATE_DIR (default a
 * temporary directory, deleted afterwards), BENCH_REPORT (default
 * docs/benchmarks.md; "-" prints only). Ports are picked free.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDevPki } from "../tools/dev-pki.ts";
import { type LocalStack, startLocalStack } from "../tools/local-stack.ts";
import { CpuMeter } from "./cpu.ts";
import { keepAlivePool } from "./load.ts";
import { describeMachine, type MachineDescription } from "./machine.ts";
import { executableOf, findWorkerdPid, type MemoryReport, MemorySampler } from "./process-memory.ts";
import { renderMarkdown, renderTable, writeReport } from "./report.ts";
import {
  type BenchMerchant,
  bankPool,
  connector,
  createMerchant,
  direct,
  health,
  type Measured,
  type PagingResult,
  paging,
  readBack,
  replay,
  type ThroughputPoint,
  throughput,
} from "./scenarios.ts";
import { evaluateTargets, type TargetCheck } from "./targets.ts";

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
};

export interface BenchResults {
  plan: BenchPlan;
  machine: MachineDescription;
  startedAt: string;
  wallClockMs: number;
  direct: Measured;
  connector: Measured;
  /** The same as connector, through Miniflare's dev entry Worker (what `npm start` serves). */
  connectorViaEntry: Measured;
  replay: Measured;
  /** The same sequential loop on lighter routes: what the Worker, then the object hop, cost on their own. */
  health: Measured;
  readBack: Measured;
  throughput: ThroughputPoint[];
  manyMerchants: ThroughputPoint;
  paging: PagingResult;
  /** 4 and 5 again with Durable Object state on tmpfs (RAM): the same code without the disk's flush latency. */
  tmpfs: { oneMerchant: ThroughputPoint; manyMerchants: ThroughputPoint } | { skipped: string };
  memory: MemoryReport | undefined;
  workerLog: { lines: number; warnings: number; errors: number; lastProblem?: string };
  targets: TargetCheck[];
}

export interface BenchOptions {
  stateDir?: string;
  /** Progress lines (default: console.log). */
  progress?: (line: string) => void;
}

export async function runBench(plan: BenchPlan, options: BenchOptions = {}): Promise<BenchResults> {
  const progress = options.progress ?? ((line: string) => console.log(line));
  const started = performance.now();
  const main = await mainRun(plan, options, progress);
  const tmpfs = plan.tmpfsReference ? await tmpfsReference(plan, progress) : { skipped: "not part of this plan" };
  const partial = { ...main, tmpfs };
  return { ...partial, targets: evaluateTargets(partial), wallClockMs: performance.now() - started };
}

type MainResults = Omit<BenchResults, "targets" | "wallClockMs" | "tmpfs">;

async function mainRun(plan: BenchPlan, options: BenchOptions, progress: (line: string) => void): Promise<MainResults> {
  const startedAt = new Date().toISOString();
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "connector-bench-"));
  const workerLog: BenchResults["workerLog"] = { lines: 0, warnings: 0, errors: 0 };

  let stack: LocalStack | undefined;
  let sampler: MemorySampler | undefined;
  try {
    stack = await startLocalStack({
      ...benchStackOptions(stateDir, plan),
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
    const workerdPid = findWorkerdPid();
    if (workerdPid !== undefined) {
      sampler = new MemorySampler(workerdPid);
      sampler.start();
    }
    const machine = describeMachine(workerdPid !== undefined ? executableOf(workerdPid) : undefined);
    const cpu = new CpuMeter(workerdPid);
    // Production has no Miniflare entry Worker in front of ours: measure on the Worker's own socket.
    const connectorUrl = stack.directUrl ?? stack.url;
    progress(
      `stack up at ${connectorUrl} (entry ${stack.url}), bank ${stack.bankUrl} (+${plan.bankLatencyMs} ms), workerd pid ${workerdPid ?? "not found"}`,
    );

    const pki = readDevPki(join(stateDir, "pki"));
    const bank = { url: stack.bankUrl, tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } };
    const merchant = await createMerchant(connectorUrl, stack.adminToken, "Bench Shop");
    const oneConnection = keepAlivePool(connectorUrl, 1);
    const entryConnection = keepAlivePool(stack.url, 1);
    const bankConnection = bankPool(bank, 1);
    try {
      progress(`warm-up: ${plan.warmupRequests} payments and bank calls`);
      await connector(oneConnection, merchant, plan.warmupRequests);
      await direct(bankConnection, merchant.debtorIban, plan.warmupRequests);
      await replay(oneConnection, merchant, Math.min(plan.warmupRequests, 50));

      progress(`1. direct mTLS to the bank, ${plan.latencySamples} sequential requests`);
      const directResult = await direct(bankConnection, merchant.debtorIban, plan.latencySamples, cpu);
      progress(`2. connector POST /v1/payments, ${plan.latencySamples} sequential requests`);
      const connectorResult = await connector(oneConnection, merchant, plan.latencySamples, cpu);
      const viaEntrySamples = Math.ceil(plan.latencySamples / 2);
      progress(`2b. the same through Miniflare's entry Worker, ${viaEntrySamples} sequential requests`);
      await connector(entryConnection, merchant, Math.min(plan.warmupRequests, 50));
      const viaEntryResult = await connector(entryConnection, merchant, viaEntrySamples, cpu);
      progress(`3. replay of a used Idempotency-Key, ${plan.replaySamples} sequential requests`);
      const replayResult = await replay(oneConnection, merchant, plan.replaySamples, cpu);
      progress(`3b. GET /health and GET /v1/payments/{id}, ${plan.replaySamples} sequential requests each`);
      const healthResult = await health(oneConnection, plan.replaySamples, cpu);
      const readBackResult = await readBack(oneConnection, merchant, plan.replaySamples, cpu);

      const throughputResults: ThroughputPoint[] = [];
      for (const concurrency of plan.throughput.concurrencies) {
        progress(`4. one merchant, concurrency ${concurrency}, ${plan.throughput.durationMs} ms`);
        const loadMerchant = await createMerchant(connectorUrl, stack.adminToken, `Bench Load c${concurrency}`);
        throughputResults.push(
          await throughput(connectorUrl, [loadMerchant], concurrency, plan.throughput.warmupMs, plan.throughput.durationMs, cpu),
        );
      }
      const { merchants: merchantCount, concurrency: manyConcurrency } = plan.manyMerchants;
      progress(`5. ${merchantCount} merchants, concurrency ${manyConcurrency}, ${plan.throughput.durationMs} ms`);
      const many: BenchMerchant[] = [];
      for (let i = 0; i < merchantCount; i++) many.push(await createMerchant(connectorUrl, stack.adminToken, `Bench Many ${i + 1}`));
      const manyResult = await throughput(connectorUrl, many, manyConcurrency, plan.throughput.warmupMs, plan.throughput.durationMs, cpu);

      progress(`6. paging over ${plan.paging.payments} payments, pages of ${plan.paging.pageSize}`);
      const pagingMerchant = await createMerchant(connectorUrl, stack.adminToken, "Bench Paging");
      const pagingResult = await paging(
        connectorUrl,
        pagingMerchant,
        { miniflare: stack.miniflare, scriptName: "" },
        plan.paging.payments,
        plan.paging.pageSize,
        plan.paging.maxPages,
        cpu,
      );
      if ("skipped" in pagingResult) progress(`   skipped: ${pagingResult.skipped}`);

      const memory = sampler?.stop();
      return {
        plan,
        machine,
        startedAt,
        direct: directResult,
        connector: connectorResult,
        connectorViaEntry: viaEntryResult,
        replay: replayResult,
        health: healthResult,
        readBack: readBackResult,
        throughput: throughputResults,
        manyMerchants: manyResult,
        paging: pagingResult,
        memory,
        workerLog,
      };
    } finally {
      await oneConnection.close();
      await entryConnection.close();
      await bankConnection.close();
    }
  } finally {
    sampler?.stop();
    await stack?.close();
    if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
  }
}

const TMPFS_DIR = "/dev/shm";

/** A stack of the bench's own: free ports, fresh admin token, and a PKI and bank ledger inside `stateDir` (nothing of `npm start`'s .dev is read or written). */
function benchStackOptions(stateDir: string, plan: BenchPlan) {
  return {
    port: 0,
    stateDir,
    adminToken: randomBytes(32).toString("hex"),
    simulator: { port: 0, controlPort: 0, latencyMs: plan.bankLatencyMs },
    pkiDir: join(stateDir, "pki"),
    bankJournalPath: join(stateDir, "bank-ledger.jsonl"),
    logRequests: false,
    directSocket: true,
  };
}

/** A second stack whose object state lives in RAM: same Worker, same bank, no fsync behind each commit. */
async function tmpfsReference(plan: BenchPlan, progress: (line: string) => void): Promise<BenchResults["tmpfs"]> {
  if (!existsSync(TMPFS_DIR)) return { skipped: `${TMPFS_DIR} does not exist on this machine` };
  const stateDir = mkdtempSync(join(TMPFS_DIR, "connector-bench-"));
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({ ...benchStackOptions(stateDir, plan), onWorkerLog: () => {} });
    const cpu = new CpuMeter(findWorkerdPid());
    const url = stack.directUrl ?? stack.url;
    const { durationMs, warmupMs, concurrencies } = plan.throughput;
    const concurrency = Math.max(...concurrencies);
    progress(`4r. one merchant, concurrency ${concurrency}, state on tmpfs`);
    const one = await throughput(url, [await createMerchant(url, stack.adminToken, "Bench tmpfs")], concurrency, warmupMs, durationMs, cpu);
    progress(`5r. ${plan.manyMerchants.merchants} merchants, concurrency ${plan.manyMerchants.concurrency}, state on tmpfs`);
    const many: BenchMerchant[] = [];
    for (let i = 0; i < plan.manyMerchants.merchants; i++) many.push(await createMerchant(url, stack.adminToken, `Bench tmpfs ${i + 1}`));
    const manyResult = await throughput(url, many, plan.manyMerchants.concurrency, warmupMs, durationMs, cpu);
    return { oneMerchant: one, manyMerchants: manyResult };
  } finally {
    await stack?.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const latency = process.env.BENCH_BANK_LATENCY_MS;
  const base = process.env.BENCH_PLAN === "smoke" ? SMOKE_PLAN : FULL_PLAN;
  const plan: BenchPlan = { ...base, ...(latency ? { bankLatencyMs: Number(latency) } : {}) };
  if (!Number.isFinite(plan.bankLatencyMs) || plan.bankLatencyMs < 0)
    throw new Error("BENCH_BANK_LATENCY_MS must be a non-negative number");
  const results = await runBench(plan, process.env.BENCH_STATE_DIR ? { stateDir: process.env.BENCH_STATE_DIR } : {});
  console.log("");
  console.log(renderTable(results));
  const reportPath = process.env.BENCH_REPORT ?? "docs/benchmarks.md";
  if (reportPath !== "-") {
    writeReport(reportPath, renderMarkdown(results));
    console.log(`\nwritten to ${reportPath}`);
  }
  if (results.targets.find((t) => t.name === "Errors")?.met === false) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
