/**
 * `npm run bench`: starts the local stack in-process (workerd via Miniflare,
 * bank simulator with real mTLS, throw-away persisted state), and next to it
 * the floor (a bare Worker + Durable Object on the same runtime and bank),
 * warms them up, runs every scenario, prints a table and writes
 * docs/benchmarks.md. The dev PKI, bank ledger and object state are made in
 * the run's own directory.
 *
 * Flags: --profile also saves a CPU profile of the connector under load in
 * the run's output directory and prints where its time goes.
 *
 * Environment: BENCH_PLAN ("smoke": a few requests per scenario), BENCH_BANK_LATENCY_MS (default 20), BENCH_STATE_DIR (default a
 * temporary directory, deleted afterwards), BENCH_REPORT (default
 * docs/benchmarks.md; "-" prints only), BENCH_OUT_DIR (where --profile
 * writes; default .build/bench/<start time>). Ports are picked free.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mainRun } from "./main-run.ts";
import { type BenchPlan, FULL_PLAN, SMOKE_PLAN } from "./plan.ts";
import { renderProfileSummary } from "./profile.ts";
import { profileRun, tmpfsReference } from "./references.ts";
import { renderMarkdown, renderTable, writeReport } from "./report.ts";
import type { BenchResults } from "./results.ts";
import { evaluateTargets } from "./targets.ts";

export { type BenchPlan, FULL_PLAN, SMOKE_PLAN } from "./plan.ts";
export type { BenchResults } from "./results.ts";

export interface BenchOptions {
  stateDir?: string;
  /** Progress lines (default: console.log). */
  progress?: (line: string) => void;
  /** Also profile the connector under load, writing the .cpuprofile into outDir. */
  profile?: boolean;
  /** Where files of the run go (the profile); default .build/bench/<start time>. */
  outDir?: string;
}

export async function runBench(plan: BenchPlan, options: BenchOptions = {}): Promise<BenchResults> {
  const progress = options.progress ?? ((line: string) => console.log(line));
  const started = performance.now();
  const main = await mainRun(plan, { ...(options.stateDir ? { stateDir: options.stateDir } : {}), progress });
  const tmpfs = plan.tmpfsReference ? await tmpfsReference(plan, progress) : { skipped: "not part of this plan" };
  const outDir = options.outDir ?? join(".build", "bench", main.startedAt.replace(/[:.]/g, "-"));
  const profile = options.profile ? await profileRun(plan, outDir, progress) : undefined;
  const partial = { ...main, tmpfs, ...(profile ? { profile } : {}) };
  return { ...partial, targets: evaluateTargets(partial), wallClockMs: performance.now() - started };
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { profile: { type: "boolean", default: false } } });
  const latency = process.env.BENCH_BANK_LATENCY_MS;
  const base = process.env.BENCH_PLAN === "smoke" ? SMOKE_PLAN : FULL_PLAN;
  const plan: BenchPlan = { ...base, ...(latency ? { bankLatencyMs: Number(latency) } : {}) };
  if (!Number.isFinite(plan.bankLatencyMs) || plan.bankLatencyMs < 0)
    throw new Error("BENCH_BANK_LATENCY_MS must be a non-negative number");
  const results = await runBench(plan, {
    profile: flags.profile,
    ...(process.env.BENCH_STATE_DIR ? { stateDir: process.env.BENCH_STATE_DIR } : {}),
    ...(process.env.BENCH_OUT_DIR ? { outDir: process.env.BENCH_OUT_DIR } : {}),
  });
  console.log("");
  console.log(renderTable(results));
  if (results.profile) console.log(`\n${renderProfileSummary(results.profile.summary, results.profile.path, results.profile.payments)}`);
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
