/**
 * The hash chain's canonical JSON is written by hand for speed; stored hashes
 * were made with the canonicalize package. The two must agree byte for byte
 * on every event (or both refuse it), or every stored chain would stop
 * verifying.
 */
import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalEventJson } from "../../src/payments/event-log.ts";

const text = fc.oneof(fc.constant(null), fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
const number = fc.oneof(fc.integer(), fc.double(), fc.constant(-0), fc.constant(Number.MAX_SAFE_INTEGER));
const event = fc.record({
  payment_id: text,
  seq: number,
  at: number,
  from_status: text,
  to_status: text,
  bank_status: text,
  reason_code: text,
  attempt: number,
  detail: text,
  prev_hash: text,
});

function outcome(write: () => string | undefined): string {
  try {
    return `ok ${write()}`;
  } catch (error) {
    return `refused ${(error as Error).message}`;
  }
}

describe("canonical JSON of a payment event", () => {
  it("is what canonicalize writes, or refuses what it refuses", () => {
    fc.assert(
      fc.property(event, (e) => {
        // Stored events are typed with string fields; the generator also feeds null and odd numbers on purpose.
        const typed = e as unknown as Parameters<typeof canonicalEventJson>[0];
        expect(outcome(() => canonicalEventJson(typed))).toBe(outcome(() => canonicalize(e)));
      }),
      { numRuns: 5_000 },
    );
  });

  it("matches on a real event shape", () => {
    const real = {
      payment_id: "pay_01M8TD4D83QVWKXHJ5JEJ0ABCD",
      seq: 2,
      at: 1_796_182_521_127,
      from_status: "pending",
      to_status: "succeeded",
      bank_status: "ACSC",
      reason_code: null,
      attempt: 1,
      detail: JSON.stringify({ transfer_id: "TRF-1", note: "ünïcödé ✓ \u2028" }),
      prev_hash: "a".repeat(64),
    };
    expect(canonicalEventJson(real)).toBe(canonicalize(real));
  });
});
