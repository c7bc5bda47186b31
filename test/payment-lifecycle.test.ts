/**
 * The lifecycle table is the whole payment state machine: every pair of
 * states is tried, and only the listed transitions write.
 */
import { describe, expect, it } from "vitest";
import {
  IllegalTransitionError,
  isTransitionAllowed,
  type LifecycleState,
  StaleTransitionError,
  stateOf,
  TRANSITIONS,
  writeTransition,
} from "../src/payments/lifecycle.ts";
import type { PaymentRow } from "../src/payments/payment-row.ts";

const STATES = Object.keys(TRANSITIONS) as LifecycleState[];
const FINAL_STATES: readonly LifecycleState[] = ["succeeded", "failed", "returned", "canceled"];

function isFinal(state: LifecycleState): boolean {
  return FINAL_STATES.includes(state);
}

function rowIn(state: LifecycleState, firstSentAt: number | null = null): PaymentRow {
  const pending = !isFinal(state);
  return {
    id: "pay_test",
    status: pending ? "pending" : state,
    bank_phase: pending ? state : "final",
    first_sent_at: firstSentAt,
  } as PaymentRow;
}

/** Records each statement; an UPDATE finds the payment in the state it was read in unless `moved`. */
function recordingSql(moved = false): { sql: SqlStorage; statements: Array<{ query: string; bindings: unknown[] }> } {
  const statements: Array<{ query: string; bindings: unknown[] }> = [];
  const sql = {
    exec(query: string, ...bindings: unknown[]) {
      statements.push({ query, bindings });
      return { toArray: () => (moved ? [] : [{ id: "pay_test" }]), one: () => ({}) };
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
        const write = () => writeTransition(sql, rowIn(from, 500), to, { next_action_at: null }, 1_000);
        if (allowed) {
          write();
          expect(statements).toHaveLength(1);
          const expectedStatus = isFinal(to) ? to : "pending";
          const expectedPhase = isFinal(to) ? "final" : to;
          expect(statements[0]?.bindings.slice(0, 2)).toEqual([expectedStatus, expectedPhase]);
        } else {
          expect(write).toThrow(IllegalTransitionError);
          expect(statements).toHaveLength(0);
        }
      });
    }
  }

  it("the one way out of a final status is a settled payment's return, and only a queued payment is ever sent", () => {
    expect(TRANSITIONS.succeeded).toEqual(["returned"]);
    expect(TRANSITIONS.failed).toEqual([]);
    expect(TRANSITIONS.returned).toEqual([]);
    expect(TRANSITIONS.canceled).toEqual([]);
    expect(STATES.filter((from) => isTransitionAllowed(from, "returned"))).toEqual(["succeeded"]);
    expect(STATES.filter((from) => from !== "sending" && isTransitionAllowed(from, "sending"))).toEqual(["queued"]);
    // A payment the bank acknowledged is never queued for resending, whatever a later 404 says.
    expect(isTransitionAllowed("acknowledged", "queued")).toBe(false);
  });

  it("only a payment never sent can be canceled: from sending, unknown or acknowledged the bank may hold it", () => {
    expect(STATES.filter((from) => isTransitionAllowed(from, "canceled"))).toEqual(["queued"]);
  });

  it("the first move to sending records when the payment was first sent, and a later one keeps it", () => {
    const first = recordingSql();
    writeTransition(first.sql, rowIn("queued"), "sending", { next_action_at: 9 }, 1_000);
    expect(first.statements[0]?.query).toBe(
      "UPDATE payments SET status = ?, bank_phase = ?, updated_at = ?, first_sent_at = ?, next_action_at = ? WHERE id = ? AND status = ? AND bank_phase = ? RETURNING id",
    );
    expect(first.statements[0]?.bindings).toEqual(["pending", "sending", 1_000, 1_000, 9, "pay_test", "pending", "queued"]);
    const again = recordingSql();
    writeTransition(again.sql, rowIn("queued", 500), "sending", { next_action_at: 9 }, 2_000);
    expect(again.statements[0]?.query).not.toContain("first_sent_at");
  });

  it("refuses to overwrite a payment that someone else moved since it was read (a cancel during an await)", () => {
    const { sql } = recordingSql(true);
    expect(() => writeTransition(sql, rowIn("queued"), "sending", { next_action_at: null }, 1_000)).toThrow(StaleTransitionError);
  });

  it("a pending row stored with bank phase final is refused rather than read as queued", () => {
    expect(() => stateOf({ status: "pending", bank_phase: "final" })).toThrow();
  });

  it("sets only the fields given; a null booking time keeps the stored one", () => {
    const { sql, statements } = recordingSql();
    writeTransition(sql, rowIn("sending"), "acknowledged", { bank_status: "ACSP", bank_booked_at: null, next_action_at: 5 }, 1_000);
    expect(statements[0]?.query).toBe(
      "UPDATE payments SET status = ?, bank_phase = ?, updated_at = ?, bank_status = ?, next_action_at = ? WHERE id = ? AND status = ? AND bank_phase = ? RETURNING id",
    );
    expect(statements[0]?.bindings).toEqual(["pending", "acknowledged", 1_000, "ACSP", 5, "pay_test", "pending", "sending"]);
  });

  it("a new submission clears the 404 being confirmed and a held resend refusal (null is written, unlike the booking time)", () => {
    const { sql, statements } = recordingSql();
    writeTransition(
      sql,
      rowIn("queued"),
      "sending",
      { attempts: 2, last_sent_at: 900, first_not_found_at: null, resend_refusal: null, next_action_at: 5 },
      1_000,
    );
    expect(statements[0]?.query).toContain("last_sent_at = ?, first_not_found_at = ?, resend_refusal = ?");
    expect(statements[0]?.bindings.slice(-8, -4)).toEqual([2, 900, null, null]);
  });

  it("a refused resend waits in unknown and an answer about a duplicate in acknowledged: no new edge, nothing resent from there", () => {
    expect(isTransitionAllowed("sending", "unknown")).toBe(true);
    expect(isTransitionAllowed("sending", "acknowledged")).toBe(true);
    expect(isTransitionAllowed("acknowledged", "queued")).toBe(false);
  });
});
