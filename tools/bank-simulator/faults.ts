/**
 * Fault injection for the bank simulator. Tests (and operators running
 * drills against `npm start`) install rules through the control plane:
 *
 *   POST   /control/faults            { match, action, times? }  -> { id }
 *   GET    /control/faults            -> { rules }
 *   DELETE /control/faults/{id}
 *   DELETE /control/faults?debtor_iban=...   (all rules of one debtor)
 *
 * A rule is scoped by `match` (debtor IBAN, end-to-end id, operation), so
 * test files running in parallel against one simulator never see each
 * other's faults. `times` bounds how many requests a rule hits (omitted:
 * until deleted). The first live rule that matches, in insertion order, wins.
 * Rules apply to both profiles (JSON /v1 and ISO 20022 /iso20022) alike.
 *
 * Refusing connections is not a rule: at connect time the bank cannot know
 * which debtor is calling. It is a door (listener) that the control plane
 * closes and reopens; see simulator.ts.
 */
import { z } from "zod";
import { UtcOffset } from "./timestamps.ts";

/** A hung request is dropped after this long even if the client never gives up. */
export const MAX_HANG_MS = 60_000;
export const MAX_LATENCY_MS = 120_000;
/** A lagging replica catches up at the latest after this long. */
const MAX_REPLICA_LAG_MS = 600_000;
/** A stalled body sends one byte per this many ms unless the rule says otherwise. */
const STALL_BYTE_INTERVAL_MS = 1_000;

const ServerErrorStatus = z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]);

export const FaultAction = z.discriminatedUnion("kind", [
  /** Answer normally, but late. */
  z.strictObject({ kind: z.literal("latency"), ms: z.number().int().min(0).max(MAX_LATENCY_MS) }),
  /** Never answer; the connection stays open until the client gives up. `record`: book the transfer first. */
  z.strictObject({ kind: z.literal("hang"), record: z.boolean() }),
  /** Answer 5xx; `record`: after booking the transfer (the dangerous case) or without booking it. */
  z.strictObject({ kind: z.literal("server_error"), status: ServerErrorStatus.default(500), record: z.boolean() }),
  /** Destroy the connection without an answer; `record`: after booking the transfer. */
  z.strictObject({ kind: z.literal("reset"), record: z.boolean() }),
  /** Book the transfer, then answer 201 with a body that is not JSON. */
  z.strictObject({ kind: z.literal("malformed_json") }),
  /** Book the transfer, then answer 201 with JSON that violates the bank contract. */
  z.strictObject({ kind: z.literal("contract_violation") }),
  /** Refuse the request with a 4xx and book nothing. */
  z.strictObject({
    kind: z.literal("refuse"),
    status: z.union([z.literal(400), z.literal(422)]).default(422),
    code: z.string().max(64).default("AC04"),
  }),
  /**
   * Book the transfer with a non-final status and settle it later: after
   * `after_ms` on a timer, or on the `after_inquiries`-th status inquiry
   * (deterministic, for tests that drive recovery themselves).
   */
  z
    .strictObject({
      kind: z.literal("async_settlement"),
      interim: z.enum(["ACSP", "PDNG", "RCVD", "ACTC", "ACCP", "ACWC"]).default("ACSP"),
      final: z.enum(["ACSC", "RJCT"]),
      reason_code: z.string().min(1).max(8).optional(),
      after_ms: z.number().int().min(0).max(MAX_HANG_MS).optional(),
      after_inquiries: z.number().int().min(1).max(1_000).optional(),
    })
    .refine((a) => a.after_ms !== undefined || a.after_inquiries !== undefined, {
      error: "needs after_ms or after_inquiries",
    }),
  /**
   * Book and answer normally, but status inquiries answer 404 (a read
   * replica behind the writer) for the first `inquiries` inquiries and/or for
   * `for_ms` after booking (with both, until both have passed). `answer`:
   * how the booking itself is answered: "normal", or lost after booking
   * ("server_error": a 503, "reset", "hang"), the case where the lag matters.
   */
  z
    .strictObject({
      kind: z.literal("lagging_replica"),
      for_ms: z.number().int().min(1).max(MAX_REPLICA_LAG_MS).optional(),
      inquiries: z.number().int().min(1).max(1_000).optional(),
      answer: z.enum(["normal", "server_error", "reset", "hang"]).default("normal"),
    })
    .refine((a) => a.for_ms !== undefined || a.inquiries !== undefined, { error: "needs for_ms or inquiries" }),
  /**
   * A repeated submission of an end-to-end id the bank already holds is
   * refused instead of answered with the original: "422" (JSON 422 DUPLICATE,
   * ISO 422 pain.002 RJCT DUPL) or "rjct_dupl" (JSON 201 / ISO 200 with
   * status RJCT, reason DUPL). The original stays booked as it is. Only
   * repeated submissions match this rule.
   */
  z.strictObject({ kind: z.literal("duplicate_refusal"), style: z.enum(["422", "rjct_dupl"]) }),
  /** Answer normally, with every timestamp written with this UTC offset (the same instant). */
  z.strictObject({ kind: z.literal("offset_timestamps"), offset: UtcOffset }),
  /**
   * Send the headers (success status), then one byte of whitespace per
   * `interval_ms` forever, until the client gives up (or MAX_HANG_MS).
   * `record`: book the transfer first.
   */
  z.strictObject({
    kind: z.literal("stalled_body"),
    record: z.boolean().default(false),
    interval_ms: z.number().int().min(10).max(10_000).default(STALL_BYTE_INTERVAL_MS),
  }),
  /** Answer 404 with a gateway's page, as a wrong BANK_URL path would; nothing booked. */
  z.strictObject({ kind: z.literal("not_found_everything") }),
  /** Answer RJCT with this reason, but book the transfer as ACSC (later inquiries and statements say ACSC). */
  z.strictObject({ kind: z.literal("contradiction"), reason_code: z.string().min(1).max(8).default("AC04") }),
]);
export type FaultAction = z.output<typeof FaultAction>;

export const FaultMatch = z.strictObject({
  debtor_iban: z.string().optional(),
  end_to_end_id: z.string().optional(),
  /**
   * submit: POST a transfer; inquiry: GET its status; statement: GET a
   * statement; notification: GET notifications. Omitted: submit and inquiry
   * (statement and notification rules must say so).
   */
  operation: z.enum(["submit", "inquiry", "statement", "notification"]).optional(),
});
export type FaultMatch = z.output<typeof FaultMatch>;

export const FaultRuleInput = z.strictObject({
  match: FaultMatch,
  action: FaultAction,
  times: z.number().int().min(1).optional(),
});
export type FaultRuleInput = z.output<typeof FaultRuleInput>;

export interface FaultRule extends FaultRuleInput {
  id: string;
  /** How many requests this rule has hit so far. */
  hits: number;
}

export type BankOperation = NonNullable<FaultMatch["operation"]>;

export interface BankRequestFacts {
  operation: BankOperation;
  endToEndId: string | undefined;
  debtorIban: string | undefined;
  /** A submission of an end-to-end id the bank already holds. */
  repeated?: boolean;
}

/** Where a replica lags behind: until this time and/or for this many more inquiries. */
interface ReplicaLag {
  untilMs?: number;
  inquiriesLeft?: number;
}

/** A transfer booked with an interim status that will settle later. */
export class FaultBook {
  private readonly rules: FaultRule[] = [];
  private sequence = 0;
  /** Debtor of every end-to-end id ever submitted, so inquiries can be scoped by debtor too. */
  private readonly debtorOf = new Map<string, string>();
  private readonly lags = new Map<string, ReplicaLag>();

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: `flt_${++this.sequence}`, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  remove(id: string): boolean {
    const index = this.rules.findIndex((rule) => rule.id === id);
    if (index < 0) return false;
    this.rules.splice(index, 1);
    return true;
  }

  removeForDebtor(debtorIban: string): number {
    let removed = 0;
    for (let i = this.rules.length - 1; i >= 0; i--) {
      if (this.rules[i]?.match.debtor_iban === debtorIban) {
        this.rules.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  rememberDebtor(endToEndId: string, debtorIban: string): void {
    this.debtorOf.set(endToEndId, debtorIban);
  }

  debtorOfTransfer(endToEndId: string): string | undefined {
    return this.debtorOf.get(endToEndId);
  }

  /** A lagging_replica rule booked this transfer: its inquiries miss it for a while. */
  startLag(endToEndId: string, action: { for_ms?: number; inquiries?: number }): void {
    this.lags.set(endToEndId, {
      ...(action.for_ms !== undefined ? { untilMs: Date.now() + action.for_ms } : {}),
      ...(action.inquiries !== undefined ? { inquiriesLeft: action.inquiries } : {}),
    });
  }

  /** Whether this inquiry hits the lagging replica (counting it when the lag is a number of inquiries). */
  lagging(endToEndId: string): boolean {
    const lag = this.lags.get(endToEndId);
    if (!lag) return false;
    const byTime = lag.untilMs !== undefined && Date.now() < lag.untilMs;
    const byCount = lag.inquiriesLeft !== undefined && lag.inquiriesLeft > 0;
    if (lag.inquiriesLeft !== undefined && byCount) lag.inquiriesLeft--;
    if (!byTime && !byCount) this.lags.delete(endToEndId);
    return byTime || byCount;
  }

  /** The action for this request, consuming one use of its rule; undefined: behave normally. */
  take(facts: BankRequestFacts): FaultAction | undefined {
    const debtor = facts.debtorIban ?? (facts.endToEndId ? this.debtorOf.get(facts.endToEndId) : undefined);
    const index = this.rules.findIndex((rule) => matches(rule.match, facts, debtor) && appliesTo(rule.action, facts));
    const rule = this.rules[index];
    if (!rule) return undefined;
    rule.hits++;
    if (rule.times !== undefined && rule.hits >= rule.times) this.rules.splice(index, 1);
    return rule.action;
  }
}

function matches(match: FaultMatch, facts: BankRequestFacts, debtor: string | undefined): boolean {
  if (match.operation === undefined && facts.operation !== "submit" && facts.operation !== "inquiry") return false;
  if (match.operation !== undefined && match.operation !== facts.operation) return false;
  if (match.end_to_end_id !== undefined && match.end_to_end_id !== facts.endToEndId) return false;
  if (match.debtor_iban !== undefined && match.debtor_iban !== debtor) return false;
  return true;
}

/** Rules whose action means nothing for a request are passed over (not used up). */
function appliesTo(action: FaultAction, facts: BankRequestFacts): boolean {
  switch (action.kind) {
    case "lagging_replica":
    case "contradiction":
      return facts.operation === "submit";
    case "duplicate_refusal":
      return facts.operation === "submit" && facts.repeated === true;
    case "async_settlement":
      return facts.operation === "submit" || facts.operation === "inquiry";
    case "latency":
    case "hang":
    case "server_error":
    case "reset":
    case "malformed_json":
    case "contract_violation":
    case "refuse":
    case "offset_timestamps":
    case "stalled_body":
    case "not_found_everything":
      return true;
    default:
      return action satisfies never;
  }
}
