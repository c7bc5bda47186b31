/** What the figures were measured on: they mean little without it. */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  workerd: string;
  miniflare: string;
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverage: number;
}

export function describeMachine(workerdExecutable?: string): MachineDescription {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    workerd: workerdExecutable ? workerdVersion(workerdExecutable) : "unknown",
    miniflare: packageVersion("miniflare"),
    loadAverage: loadavg()[0] ?? Number.NaN,
  };
}

function workerdVersion(executable: string): string {
  try {
    return execFileSync(executable, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
