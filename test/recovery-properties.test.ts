/**
 * Property: for ANY sequence of merchant requests (new payments and
 * duplicate retries), bank faults, alarm runs and object crashes, once
 * recovery has run to completion the invariants of issue 3 hold
 * (test/support/invariants.ts). fast-check prints the seed and the failing
 * sequence; replay with `fc.assert(..., { seed, path })`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, it } from "vitest";
import { createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { type Answer, checkInvariants } from "./support/invariants.ts";
import { driveRecoveryToCompletion } from "./support/recovery.ts";

/** Kept modest so CI stays fast; each run is a fresh merchant and a real bank. */
const NUM_RUNS = 12;

type FaultAction = Parameters<typeof addFault>[0]["action"];

/** Every fault mode but "hang", which costs a whole bank timeout (covered by fault-modes and chaos tests). */
const FAULTS: FaultAction[] = [
  { kind: "latency", ms: 150 },
  { kind: "server_error", status: 500, record: true },
  { kind: "server_error", status: 503, record: false },
  { kind: "reset", record: true },
  { kind: "reset", record: false },
  { kind: "malformed_json" },
  { kind: "contract_violation" },
  { kind: "refuse", status: 422, code: "AC04" },
  { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_inquiries: 2 },
  { kind: "async_settlement", interim: "PDNG", final: "RJCT", after_ms: 100 },
  // Money-safety faults: a lost answer and a replica that misses the booking, a refused duplicate, offset times.
  { kind: "lagging_replica", inquiries: 3, answer: "server_error" },
  { kind: "duplicate_refusal", style: "422" },
  { kind: "offset_timestamps", offset: "+01:00" },
];

type Command =
  | { type: "pay"; amount: number }
  | { type: "retry"; which: number }
  | { type: "fault"; action: FaultAction; operation: "submit" | "inquiry" }
  | { type: "alarm" }
  | { type: "crash" };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant("pay" as const), amount: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("retry" as const), which: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("fault" as const),
      action: fc.constantFrom(...FAULTS),
      operation: fc.constantFrom("submit" as const, "inquiry" as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "alarm" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "crash" as const }) },
);

describe("recovery properties", () => {
  it("any sequence of requests, faults, alarms and crashes ends with every payment final and paid at most once", {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
        const merchant = await createMerchant();
        const answers: Answer[] = [];
        const keys: Array<{ key: string; body: Record<string, unknown> }> = [];
        const inFlight: Promise<void>[] = [];
        const send = (key: string, body: Record<string, unknown>) =>
          inFlight.push(
            (async () => {
              // A merchant retries a 503 or a lost answer with the same key and body.
              for (let attempt = 0; attempt < 5; attempt++) {
                const response = await postPayment(merchant.api_key, body, key).catch(() => null);
                const status = response?.status ?? 0;
                answers.push({ key, status, paymentId: status === 201 || status === 202 ? (await json(response!)).id : null });
                if (status !== 503 && status !== 0) return;
              }
            })(),
          );

        for (const step of commands) {
          switch (step.type) {
            case "pay": {
              const entry = { key: crypto.randomUUID(), body: paymentBody({ amount: step.amount }) };
              keys.push(entry);
              send(entry.key, entry.body);
              break;
            }
            case "retry": {
              const entry = keys[step.which % Math.max(keys.length, 1)];
              if (entry) send(entry.key, entry.body);
              break;
            }
            case "fault":
              await addFault({ match: { debtor_iban: merchant.debtor_iban, operation: step.operation }, action: step.action, times: 1 });
              break;
            case "alarm":
              await runDurableObjectAlarm(merchantStub(merchant.id));
              break;
            case "crash":
              await runInDurableObject(merchantStub(merchant.id), (_i, state) => state.abort("property crash")).catch(() => undefined);
              break;
            default:
              step satisfies never;
          }
        }
        await Promise.all(inFlight);
        await driveRecoveryToCompletion([merchant.id], { maxRounds: 300, pauseMs: 30 });
        await checkInvariants(merchant, answers);
      }),
      { numRuns: NUM_RUNS, endOnFailure: true },
    );
  });
});
