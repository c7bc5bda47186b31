/** A V8 CPU profile's call tree and the self time of its nodes, for the summary (profile.ts) and the stages (profile-stages.ts). */
import type { CpuProfile, CpuProfileNode } from "./profile.ts";

export interface CallTree {
  nodes: Map<number, CpuProfileNode>;
  parentOf: Map<number, number>;
  /** The time of each sample (profile.samples[i]), µs. */
  sampleUs: number[];
  /** Self time per node, µs: its samples' time, summed in sample order. */
  selfUs: Map<number, number>;
}

/** Self time per sample: the time until the next sample (as DevTools counts it). */
export function callTree(profile: CpuProfile): CallTree {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  const times = deltas.map((delta) => (at += delta));
  const sampleUs = samples.map((_, i) => {
    const next = times[i + 1] ?? profile.endTime;
    return Math.max(0, next - (times[i] ?? next));
  });
  const selfUs = new Map<number, number>();
  samples.forEach((nodeId, i) => {
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (sampleUs[i] ?? 0));
  });
  return { nodes, parentOf, sampleUs, selfUs };
}
