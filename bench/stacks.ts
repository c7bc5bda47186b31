/**
 * The workerd stacks a bench run starts, all through startLocalStack (so with
 * `npm start`'s Miniflare options, runtime and persistence): the connector
 * with its own bank simulator, and on the same simulator (same latency, same
 * client certificate) the floor Worker and the connector under another bank
 * profile. Each stack is its own workerd process, found by pid for the CPU
 * and memory figures.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWorker } from "../tools/build-worker.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../tools/local-stack.ts";
import { findWorkerdPid } from "./process-memory.ts";

export interface RunningStack {
  stack: LocalStack;
  /** Where the bench sends its requests: the Worker's own socket (production has no dev entry Worker). */
  url: string;
  workerdPid: number | undefined;
}

/** A stack of the bench's own: free ports, fresh admin token, and a PKI and bank ledger inside `stateDir` (nothing of `npm start`'s .dev is read or written). */
export function benchStackOptions(stateDir: string, bankLatencyMs: number): LocalStackOptions {
  return {
    port: 0,
    stateDir,
    adminToken: randomBytes(32).toString("hex"),
    simulator: { port: 0, controlPort: 0, latencyMs: bankLatencyMs },
    pkiDir: join(stateDir, "pki"),
    bankJournalPath: join(stateDir, "bank-ledger.jsonl"),
    logRequests: false,
    directSocket: true,
  };
}

/** Starts a stack and finds its workerd among this process's children, ignoring the pids of stacks already up. */
export async function startBenchStack(options: LocalStackOptions, running: ReadonlySet<number> = new Set()): Promise<RunningStack> {
  const stack = await startLocalStack(options);
  return { stack, url: stack.directUrl ?? stack.url, workerdPid: findWorkerdPid(running) };
}

/** The bank of an already running stack, as a LocalStackOptions.bank: the same simulator and client certificate. */
export function sharedBank(stack: LocalStack, pkiDir: string): NonNullable<LocalStackOptions["bank"]> {
  return {
    url: stack.bankUrl,
    caFile: join(pkiDir, "ca.pem"),
    clientCertFile: join(pkiDir, "client.pem"),
    clientKeyFile: join(pkiDir, "client.key"),
  };
}

const FLOOR_CLASS = "FloorAccount";
/** Under the working directory like the connector's bundle: workerd refuses a module path that climbs out of it (".."). */
const FLOOR_BUILD_DIR = ".build/bench-floor";

/** Bundles bench/floor/worker.ts with the connector's own esbuild settings (tools/build-worker.ts). */
function buildFloorWorker(): Promise<string> {
  return buildWorker(join(FLOOR_BUILD_DIR, "floor-worker.mjs"), fileURLToPath(new URL("./floor/worker.ts", import.meta.url)));
}

/**
 * The floor Worker on its own workerd, with the connector stack's bank.
 * Its state lives in `stateDir` like the connector's (same persistence).
 */
export async function startFloorStack(
  stateDir: string,
  bankLatencyMs: number,
  bank: NonNullable<LocalStackOptions["bank"]>,
  running: ReadonlySet<number>,
): Promise<RunningStack> {
  const scriptPath = await buildFloorWorker();
  return startBenchStack(
    {
      ...benchStackOptions(stateDir, bankLatencyMs),
      bank,
      worker: { scriptPath, durableObjects: { FLOOR: { className: FLOOR_CLASS, useSQLite: true } } },
      onWorkerLog: () => {},
    },
    running,
  );
}

/** Known workerd pids of the stacks given (to tell the next one apart). */
export function pidsOf(...stacks: Array<RunningStack | undefined>): Set<number> {
  const pids = new Set<number>();
  for (const running of stacks) if (running?.workerdPid !== undefined) pids.add(running.workerdPid);
  return pids;
}
