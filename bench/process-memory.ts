/**
 * Resident memory of the workerd process that Miniflare spawned, read from
 * Linux's /proc: VmHWM is the kernel's own peak of VmRSS since the process
 * started, so no spike between two samples is missed; the periodic samples
 * only show how memory moved during the run.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface MemoryReport {
  pid: number;
  /** Peak resident set size, MiB (VmHWM). */
  peakRssMiB: number;
  /** Resident set size at the last sample, MiB. */
  lastRssMiB: number;
  samples: number;
}

/**
 * The workerd process among this process's descendants (Miniflare spawns it
 * directly) that is not in `known`: with several stacks up at once, the one
 * started last is found by passing the others' pids.
 */
export function findWorkerdPid(known: ReadonlySet<number> = new Set(), ancestor: number = process.pid): number | undefined {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Format: pid (comm) state ppid ...; comm may contain spaces or parentheses.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
      names.set(Number(entry), name);
    } catch {
      // The process exited while we listed /proc.
    }
  }
  const descends = (pid: number): boolean => {
    for (let current = parents.get(pid); current !== undefined && current > 1; current = parents.get(current)) {
      if (current === ancestor) return true;
    }
    return false;
  };
  for (const [pid, name] of names) if (name === "workerd" && !known.has(pid) && descends(pid)) return pid;
  return undefined;
}

export function executableOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/exe`);
}

function statusKiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export class MemorySampler {
  readonly pid: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private samples = 0;
  private lastKiB = 0;
  private peakKiB = 0;

  // No parameter properties: Node runs this file with type stripping only.
  constructor(pid: number, intervalMs = 250) {
    this.pid = pid;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    try {
      this.lastKiB = statusKiB(this.pid, "VmRSS");
      this.peakKiB = Math.max(this.peakKiB, statusKiB(this.pid, "VmHWM"), this.lastKiB);
      this.samples++;
    } catch {
      // workerd has exited (the stack is closing).
    }
  }

  stop(): MemoryReport {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return { pid: this.pid, peakRssMiB: this.peakKiB / 1024, lastRssMiB: this.lastKiB / 1024, samples: this.samples };
  }
}
