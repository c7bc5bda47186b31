import { describe, expect, it } from "vitest";
import { type CpuProfile, summarizeProfile } from "../../bench/profile.ts";

const frame = (functionName: string, url = "") => ({ functionName, url, scriptId: "1", lineNumber: 0, columnNumber: 0 });

/** root → handler (bundle) → exec (built-in); root → (program); root → (idle). Samples 100 µs apart. */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4, 5] },
    { id: 2, callFrame: frame("handler", ".build/worker.mjs"), children: [3] },
    { id: 3, callFrame: frame("exec") },
    { id: 4, callFrame: frame("(idle)") },
    { id: 5, callFrame: frame("(program)") },
  ],
  startTime: 0,
  endTime: 500,
  samples: [2, 3, 3, 4, 5],
  timeDeltas: [0, 100, 100, 100, 100],
};

describe("CPU profile summary", () => {
  it("counts each sample's time until the next one, leaves idle out, and charges built-ins to their caller", () => {
    const summary = summarizeProfile(PROFILE, "/no/such/dir/worker.mjs");
    expect(summary.profiledMs).toBeCloseTo(0.5);
    expect(summary.busyMs).toBeCloseTo(0.4);
    const byName = (rows: Array<{ name: string; selfMs: number }>) => Object.fromEntries(rows.map((r) => [r.name, r.selfMs]));
    expect(byName(summary.byFunction)).toEqual({
      "exec [(V8 / workerd built-ins)]": 0.2,
      "handler (.build/worker.mjs:1)": 0.1,
      "(program) [(V8 / workerd built-ins)]": 0.1,
    });
    expect(byName(summary.byCaller)).toEqual({ "handler (.build/worker.mjs:1)": 0.3, "(program) [(V8 / workerd built-ins)]": 0.1 });
    expect(byName(summary.byFile)).toEqual({ "(V8 / workerd built-ins)": 0.3, ".build/worker.mjs": 0.1 });
    expect(summary.byFunction[0]?.share).toBeCloseTo(0.5);
  });
});
