/**
 * Runs on stacks of their own after the main run: the tmpfs reference (the
 * same throughput without disk flushes) and, with --profile, a CPU profile
 * of the connector under load (its inspector would not be open in the main
 * run, whose figures must not pay for it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKER_BUNDLE } from "../tools/build-worker.ts";
import { CpuMeter } from "./cpu.ts";
import type { BenchPlan } from "./plan.ts";
import { inspectorTarget, profileWhile, summarizeProfile } from "./profile.ts";
import type { BenchResults } from "./results.ts";
import { type BenchMerchant, createMerchant, throughput } from "./scenarios.ts";
import { benchStackOptions, type RunningStack, startBenchStack } from "./stacks.ts";

const TMPFS_DIR = "/dev/shm";

/** A second stack whose object state lives in RAM: same Worker, same bank, no fsync behind each commit. */
export async function tmpfsReference(plan: BenchPlan, progress: (line: string) => void): Promise<BenchResults["tmpfs"]> {
  if (!existsSync(TMPFS_DIR)) return { skipped: `${TMPFS_DIR} does not exist on this machine` };
  const stateDir = mkdtempSync(join(TMPFS_DIR, "connector-bench-"));
  let running: RunningStack | undefined;
  try {
    running = await startBenchStack({ ...benchStackOptions(stateDir, plan.bankLatencyMs), onWorkerLog: () => {} });
    const cpu = new CpuMeter(running.workerdPid);
    const { url, stack } = running;
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
    await running?.stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** One merchant at the plan's concurrency, profiled after a warm-up; the .cpuprofile is written to `outDir`. */
export async function profileRun(
  plan: BenchPlan,
  outDir: string,
  progress: (line: string) => void,
): Promise<NonNullable<BenchResults["profile"]>> {
  const stateDir = mkdtempSync(join(tmpdir(), "connector-bench-profile-"));
  let running: RunningStack | undefined;
  try {
    running = await startBenchStack({ ...benchStackOptions(stateDir, plan.bankLatencyMs), inspectorPort: 0, onWorkerLog: () => {} });
    const { url, stack } = running;
    const target = await inspectorTarget(await stack.miniflare.getInspectorURL());
    const { concurrency, warmupMs, durationMs, samplingIntervalUs } = plan.profile;
    const merchant = await createMerchant(url, stack.adminToken, "Bench Profile");
    progress(`P. CPU profile: one merchant, concurrency ${concurrency}, ${durationMs} ms after ${warmupMs} ms of warm-up`);
    await throughput(url, [merchant], concurrency, 0, warmupMs);
    let payments = 0;
    const profile = await profileWhile(target, samplingIntervalUs, async () => {
      payments = (await throughput(url, [merchant], concurrency, 0, durationMs)).requests;
    });
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `connector-c${concurrency}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    return { path, payments, summary: summarizeProfile(profile, WORKER_BUNDLE) };
  } finally {
    await running?.stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
