import { describe, expect, it } from "vitest";
import type { CpuProfile } from "../../bench/profile.ts";
import { stageBreakdown } from "../../bench/profile-stages.ts";

const frame = (functionName: string, url = "") => ({ functionName, url, scriptId: "1", lineNumber: 0, columnNumber: 0 });

/**
 * root → recordBankOutcome (outcomes.ts) → appendPaymentEvent (event-log.ts) → digest (built-in)
 *                                        → exec (built-in)
 * root → logEvent (log.ts); root → (program); root → (idle). Samples 100 µs apart.
 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 6, 7, 8] },
    { id: 2, callFrame: frame("recordBankOutcome", "src/payments/outcomes.ts"), children: [3, 5] },
    { id: 3, callFrame: frame("appendPaymentEvent", "src/payments/event-log.ts"), children: [4] },
    { id: 4, callFrame: frame("digest") },
    { id: 5, callFrame: frame("exec") },
    { id: 6, callFrame: frame("logEvent", "src/platform/log.ts") },
    { id: 7, callFrame: frame("(program)") },
    { id: 8, callFrame: frame("(idle)") },
  ],
  startTime: 0,
  endTime: 700,
  samples: [2, 4, 4, 5, 6, 7, 8],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100],
};

describe("CPU profile by stage of a payment", () => {
  it("gives each sample to the innermost stage on its stack, built-ins to their caller's, the rest to the runtime", () => {
    const stages = stageBreakdown(PROFILE, (callFrame) => ({ file: callFrame.url || "(built-in)", line: undefined }));
    const ms = Object.fromEntries(stages.filter((s) => s.ms > 0).map((s) => [s.stage.split(" (")[0], s.ms]));
    expect(ms).toEqual({
      "outcome transaction": 0.2,
      "event log": 0.2,
      logging: 0.1,
      "runtime outside these": 0.1,
    });
    expect(stages.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1);
  });
});
