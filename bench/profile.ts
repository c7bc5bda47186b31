/**
 * `npm run bench -- --profile`: a V8 CPU profile of the connector's isolate
 * (the Worker and its Durable Objects share one) while it is under load,
 * taken through workerd's inspector (the stack's inspectorPort option) with
 * the Chrome DevTools Protocol over a WebSocket: Profiler.start, load,
 * Profiler.stop. The .cpuprofile opens in Chrome DevTools or VS Code; the
 * summary groups self time by source file and function, mapped through the
 * bundle's source map back to src/ and node_modules/.
 */
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { basename, dirname, relative, resolve } from "node:path";
import { callTree } from "./call-tree.ts";
import { type StageTime, stageBreakdown } from "./profile-stages.ts";

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  /** Wall time the profiler ran, ms. */
  profiledMs: number;
  /** Sampled time not spent idle, ms: JavaScript, the runtime's native code it called, GC, "(program)". */
  busyMs: number;
  byFunction: SelfTime[];
  /** The same, with the time of V8 and workerd built-ins (SQL exec, fetch, digest...) charged to the nearest caller in the bundle. */
  byCaller: SelfTime[];
  byFile: SelfTime[];
  /** The stages of a payment (profile-stages.ts). */
  byStage: StageTime[];
}

/** The inspector target of a Miniflare Worker: workerd names it core:user:<worker name> (empty for an unnamed Worker). */
export async function inspectorTarget(inspectorUrl: URL, workerName = ""): Promise<string> {
  const response = await fetch(`http://${inspectorUrl.host}/json/list`);
  const targets = (await response.json()) as Array<{ id: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.id === `core:user:${workerName}`);
  if (!target) throw new Error(`no inspector target core:user:${workerName} among ${targets.map((t) => t.id).join(", ")}`);
  return target.webSocketDebuggerUrl;
}

/** Minimal Chrome DevTools Protocol client: one command at a time is all the profiler needs. */
class DevToolsSession {
  private readonly socket: WebSocket;
  private sequence = 0;
  private readonly waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return; // an event; the profiler needs none
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(`inspector: ${message.error.message}`));
      else waiter?.resolve(message.result);
    });
  }

  static open(url: string): Promise<DevToolsSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener("open", () => resolve(new DevToolsSession(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.sequence;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Profiles the isolate behind `targetUrl` while `load` runs. */
export async function profileWhile(targetUrl: string, samplingIntervalUs: number, load: () => Promise<void>): Promise<CpuProfile> {
  const session = await DevToolsSession.open(targetUrl);
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    await session.send("Profiler.start");
    await load();
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
    await session.send("Profiler.disable");
    return profile;
  } finally {
    session.close();
  }
}

const IDLE = "(idle)";
const TOP = 25;

/**
 * Self time per sample: the time until the next sample (as DevTools counts
 * it, call-tree.ts). Frames in `bundlePath` are mapped back to their original
 * file and line through its source map; other frames are V8 or workerd
 * built-ins.
 */
export function summarizeProfile(profile: CpuProfile, bundlePath: string): ProfileSummary {
  const { nodes, parentOf, selfUs } = callTree(profile);
  const locate = sourceLocator(bundlePath);
  const bundleName = basename(bundlePath);
  const ownCaller = (nodeId: number): CpuProfileNode | undefined => {
    for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
      const node = nodes.get(id);
      if (node?.callFrame.url.endsWith(bundleName)) return node;
    }
    return undefined;
  };
  const functionKey = (frame: CpuProfileNode["callFrame"]) => {
    const { file, line } = locate(frame);
    const name = frame.functionName || "(anonymous)";
    return line === undefined ? `${name} [${file}]` : `${name} (${file}:${line})`;
  };
  const add = (totals: Map<string, number>, key: string, us: number) => totals.set(key, (totals.get(key) ?? 0) + us);
  const byFunction = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busyUs = 0;
  for (const [nodeId, us] of selfUs) {
    const frame = nodes.get(nodeId)?.callFrame;
    if (!frame || frame.functionName === IDLE) continue;
    busyUs += us;
    add(byFunction, functionKey(frame), us);
    add(byCaller, functionKey(ownCaller(nodeId)?.callFrame ?? frame), us);
    add(byFile, locate(frame).file, us);
  }
  const rank = (totals: Map<string, number>): SelfTime[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    profiledMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyUs / 1000,
    byFunction: rank(byFunction),
    byCaller: rank(byCaller),
    byFile: rank(byFile),
    byStage: stageBreakdown(profile, locate),
  };
}

type Locator = (frame: CpuProfileNode["callFrame"]) => { file: string; line: number | undefined };

function sourceLocator(bundlePath: string): Locator {
  const bundleName = basename(bundlePath);
  let map: SourceMap | undefined;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")) as SourceMapPayload);
  } catch {
    map = undefined; // no map: frames keep the bundle's own positions
  }
  const bundleDir = dirname(bundlePath);
  return (frame) => {
    if (!frame.url) return { file: "(V8 / workerd built-ins)", line: undefined };
    if (!frame.url.endsWith(bundleName) || !map) return { file: frame.url, line: frame.lineNumber + 1 };
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource === undefined) return { file: bundleName, line: frame.lineNumber + 1 };
    const file = relative(process.cwd(), resolve(bundleDir, entry.originalSource.replace(/^file:\/\//, "")));
    return { file, line: (entry.originalLine ?? 0) + 1 };
  };
}

/** `payments`: how many the load completed while profiling, for a per-payment column. */
export function renderProfileSummary(summary: ProfileSummary, path: string, payments: number): string {
  const perPayment = (selfMs: number) => (payments > 0 ? `${((selfMs * 1000) / payments).toFixed(0).padStart(6)} µs/payment` : "");
  const table = (title: string, rows: SelfTime[]) => [
    title,
    ...rows.map(
      (r) => `  ${r.selfMs.toFixed(1).padStart(9)} ms  ${(r.share * 100).toFixed(1).padStart(5)}%  ${perPayment(r.selfMs)}  ${r.name}`,
    ),
  ];
  return [
    `CPU profile: ${path}`,
    `  profiled ${(summary.profiledMs / 1000).toFixed(1)} s and ${payments} payments; not idle ${(summary.busyMs / 1000).toFixed(2)} s, ` +
      `${perPayment(summary.busyMs).trim()} (shares below are of the time not idle)`,
    "Time by stage of a payment (each sample to the innermost stage on its stack):",
    ...summary.byStage.map(
      (s) => `  ${s.ms.toFixed(1).padStart(9)} ms  ${(s.share * 100).toFixed(1).padStart(5)}%  ${perPayment(s.ms)}  ${s.stage}`,
    ),
    ...table(`Self time by source file (top ${TOP}):`, summary.byFile),
    ...table(`Self time by function (top ${TOP}):`, summary.byFunction),
    ...table(`Self time by function, built-ins charged to their caller in the bundle (top ${TOP}):`, summary.byCaller),
  ].join("\n");
}
