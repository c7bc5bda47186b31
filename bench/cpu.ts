/**
 * Where the CPU went during a scenario: the workerd process (the connector),
 * this Node process (load generator and bank simulator) and everything else
 * on the machine. On a shared machine "others" explains slow runs; CPU time
 * per request is the figure that does not depend on what else is running.
 */
import { readFileSync } from "node:fs";

/** Linux reports /proc times in clock ticks of 1/100 s (USER_HZ) on every common configuration. */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  wallMs: number;
  workerdTicks: number;
  node: NodeJS.CpuUsage;
  machineBusyTicks: number;
}

export interface CpuUse {
  /** workerd CPU time per request, ms. */
  workerdMsPerRequest: number;
  /** This process's CPU time per request, ms (load generator + simulator). */
  benchMsPerRequest: number;
  /** Cores used by other processes on the machine during the window (0 on an idle machine). */
  otherCores: number;
}

export class CpuMeter {
  private readonly workerdPid: number | undefined;
  private start: Snapshot | undefined;

  constructor(workerdPid: number | undefined) {
    this.workerdPid = workerdPid;
  }

  begin(): void {
    this.start = this.snapshot();
  }

  end(requests: number): CpuUse | undefined {
    if (!this.start || requests === 0) return undefined;
    const end = this.snapshot();
    const seconds = (end.wallMs - this.start.wallMs) / 1000;
    const workerdSeconds = (end.workerdTicks - this.start.workerdTicks) / TICKS_PER_SECOND;
    const benchSeconds = (end.node.user + end.node.system - this.start.node.user - this.start.node.system) / 1e6;
    const machineSeconds = (end.machineBusyTicks - this.start.machineBusyTicks) / TICKS_PER_SECOND;
    return {
      workerdMsPerRequest: (workerdSeconds * 1000) / requests,
      benchMsPerRequest: (benchSeconds * 1000) / requests,
      otherCores: Math.max(0, (machineSeconds - workerdSeconds - benchSeconds) / seconds),
    };
  }

  private snapshot(): Snapshot {
    return {
      wallMs: performance.now(),
      workerdTicks: this.workerdPid === undefined ? 0 : processTicks(this.workerdPid),
      node: process.cpuUsage(),
      machineBusyTicks: machineBusyTicks(),
    };
  }
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "(comm) ": state is field 0, utime field 11, stime field 12.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function machineBusyTicks(): number {
  const [, ...values] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}
