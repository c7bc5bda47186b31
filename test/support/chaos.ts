/** Seeded randomness and random bank faults for the chaos and property tests. */
import type { addFault } from "./faults.ts";

export type Random = () => number;
type FaultRequest = Parameters<typeof addFault>[0];

/** mulberry32: a tiny deterministic PRNG, so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Fault kinds that only ever match a submission (the simulator passes them by on an inquiry). */
export const SUBMISSION_ONLY_FAULTS: ReadonlySet<string> = new Set(["lagging_replica", "duplicate_refusal"]);

/** Every fault mode of the simulator, hangs (which cost a whole timeout) drawn less often. */
export function randomFault(random: Random): Omit<FaultRequest, "match"> {
  const kinds = [
    "latency",
    "server_error",
    "reset",
    "malformed_json",
    "contract_violation",
    "refuse",
    "async_settlement",
    "hang",
    "lagging_replica",
    "offset_timestamps",
    "duplicate_refusal",
  ] as const;
  let kind = pick(random, kinds);
  if (kind === "hang" && random() < 0.5) kind = "latency";
  const record = random() < 0.5;
  const action: FaultRequest["action"] = (() => {
    switch (kind) {
      case "latency":
        return { kind, ms: Math.floor(random() * 300) };
      case "hang":
        return { kind, record };
      case "server_error":
        return { kind, record, status: pick(random, [500, 502, 503, 504] as const) };
      case "reset":
        return { kind, record };
      case "malformed_json":
      case "contract_violation":
        return { kind };
      case "refuse":
        return { kind, status: pick(random, [400, 422] as const), code: "AC04" };
      case "async_settlement":
        return random() < 0.5
          ? {
              kind,
              interim: pick(random, ["ACSP", "PDNG"] as const),
              final: pick(random, ["ACSC", "RJCT"] as const),
              after_inquiries: 1 + Math.floor(random() * 3),
            }
          : { kind, interim: "ACSP", final: pick(random, ["ACSC", "RJCT"] as const), after_ms: Math.floor(random() * 500) };
      case "lagging_replica":
        // A read replica behind the writer, usually after an answer that was lost: the case that can pay twice.
        return random() < 0.5
          ? { kind, inquiries: 1 + Math.floor(random() * 3), answer: pick(random, ["server_error", "reset", "normal"] as const) }
          : { kind, for_ms: 100 + Math.floor(random() * 3_000), answer: pick(random, ["server_error", "reset"] as const) };
      case "offset_timestamps":
        return { kind, offset: pick(random, ["+01:00", "+00:00", "-05:00", "+05:30"] as const) };
      case "duplicate_refusal":
        return { kind, style: pick(random, ["422", "rjct_dupl"] as const) };
      default:
        return kind satisfies never;
    }
  })();
  return { action, times: 1 };
}
