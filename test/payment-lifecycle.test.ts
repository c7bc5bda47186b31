/**
 * The lifecycle table is the whole payment state machine: every pair of
 * states is tried, and only the listed transitions write.
 */
import { describe, expect, it } from "vitest";
import {
  IllegalTransitionError,
  isTransitionAllowed,
  type LifecycleState,
  stateOf,
  TRANSITIONS,
  writeTransition,
} from "../src/payments/lifecycle.ts";
import type { PaymentRow } from "../src/payments/payment-row.ts";

const STATES = Object.keys(TRANSITIONS) as LifecycleState[];

function rowIn(state: LifecycleState): PaymentRow {
  const pending = state !== "succeeded" && state !== "failed";
  return {
    id: "pay_test",
    status: pending ? "pending" : state,
    bank_phase: pending ? state : "final",
  } as PaymentRow;
}

function recordingSql(): { sql: SqlStorage; statements: Array<{ query: string; bindings: unknown[] }> } {
  const statements: Array<{ query: string; bindings: unknown[] }> = [];
  const sql = {
    exec(query: string, ...bindings: unknown[]) {
      statements.push({ query, bindings });
      return { toArray: () => [], one: () => ({}) };
    },
  } as unknown as SqlStorage;
  return { sql, statements };
}

describe("payment lifecycle", () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const allowed = isTransitionAllowed(from, to);
      it(`${from} → ${to} is ${allowed ? "written" : "refused"}`, () => {
        const { sql, statements } = recordingSql();
        const write = () => writeTransition(sql, rowIn(from), to, { next_action_at: null }, 1_000);
        if (allowed) {
          write();
          expect(statements).toHaveLength(1);
          const expectedStatus = to === "succeeded" || to === "failed" ? to : "pending";
          const expectedPhase = to === "succeeded" || to === "failed" ? "final" : to;
          expect(statements[0]?.bindings.slice(0, 2)).toEqual([expectedStatus, expectedPhase]);
        } else {
          expect(write).toThrow(IllegalTransitionError);
          expect(statements).toHaveLength(0);
        }
      });
    }
  }

  it("a final status has no way out, and only a queued payment is ever sent", () => {
    expect(TRANSITIONS.succeeded).toEqual([]);
    expect(TRANSITIONS.failed).toEqual([]);
    expect(STATES.filter((from) => from !== "sending" && isTransitionAllowed(from, "sending"))).toEqual(["queued"]);
    // A payment the bank acknowledged is never queued for resending, whatever a later 404 says.
    expect(isTransitionAllowed("acknowledged", "queued")).toBe(false);
  });

  it("a pending row stored with bank phase final is refused rather than read as queued", () => {
    expect(() => stateOf({ status: "pending", bank_phase: "final" })).toThrow();
  });

  it("sets only the fields given; a null booking time keeps the stored one", () => {
    const { sql, statements } = recordingSql();
    writeTransition(sql, rowIn("sending"), "acknowledged", { bank_status: "ACSP", bank_booked_at: null, next_action_at: 5 }, 1_000);
    expect(statements[0]?.query).toBe(
      "UPDATE payments SET status = ?, bank_phase = ?, updated_at = ?, bank_status = ?, next_action_at = ? WHERE id = ?",
    );
    expect(statements[0]?.bindings).toEqual(["pending", "acknowledged", 1_000, "ACSP", 5, "pay_test"]);
  });
});
