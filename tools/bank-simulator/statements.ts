/**
 * The simulated bank's account statements (GET /v1/statements; the ISO
 * 20022 profile's camt.053 is written from the same lines) and the
 * per-debtor scenarios tests steer them with through the control plane.
 *
 * Everything a test changes is keyed by debtor IBAN. Each test merchant has
 * its own debtor IBAN, so test files running in parallel against the one
 * simulator never see each other's page sizes, held statuses or injected
 * discrepancies.
 */
import { z } from "zod";
import { type BankStatementEntry, BankStatusCode, EndToEndId } from "../../schemas/bank-api.ts";
import { AmountMinorUnits, CurrencyCode, Iban } from "../../schemas/common.ts";
import type { AnswerStyle } from "./answers.ts";
import { compareLines, pageAfterCursor } from "./cursor.ts";
import type { Ledger, LedgerEntry } from "./ledger.ts";
import { UtcOffset } from "./timestamps.ts";

export const DEFAULT_STATEMENT_PAGE_SIZE = 50;
export const MAX_STATEMENT_PAGE_SIZE = 1000;

/** What a test can make the statement say that the ledger does not. */
export const StatementDiscrepancy = z.discriminatedUnion("kind", [
  /** An entry for a transfer the connector never sent. */
  z.strictObject({
    kind: z.literal("unexpected_entry"),
    end_to_end_id: EndToEndId,
    amount: z.strictObject({ value: AmountMinorUnits, currency: CurrencyCode }),
    status: BankStatusCode,
    booked_at: z.iso.datetime(),
  }),
  /** A booked transfer the statement leaves out. */
  z.strictObject({ kind: z.literal("missing_entry"), end_to_end_id: EndToEndId }),
  /** The statement shows another amount than was booked. */
  z.strictObject({ kind: z.literal("amount"), end_to_end_id: EndToEndId, value: AmountMinorUnits }),
  /** The statement shows another status than the transfer API answers. */
  z.strictObject({ kind: z.literal("status"), end_to_end_id: EndToEndId, status: BankStatusCode }),
]);
export type StatementDiscrepancy = z.infer<typeof StatementDiscrepancy>;

const ScenarioSettings = z.strictObject({
  page_size: z.number().int().min(1).max(MAX_STATEMENT_PAGE_SIZE).optional(),
  /** Status new transfers of this debtor are booked with (default ACSC); a non-final one keeps them pending. */
  booking_status: BankStatusCode.optional(),
  /**
   * Shifts the booking time of this debtor's new transfers (booked_at, hence
   * the statement day) by this many ms, e.g. + one day to act out a payment
   * created before midnight and booked after it.
   */
  booking_offset_ms: z
    .number()
    .int()
    .min(-7 * 86_400_000)
    .max(7 * 86_400_000)
    .optional(),
  /** Every timestamp the bank sends about this debtor, in both profiles, written with this UTC offset (the same instant). */
  timestamp_offset: UtcOffset.optional(),
});

interface DebtorScenario {
  pageSize?: number;
  bookingStatus?: BankStatusCode;
  bookingOffsetMs?: number;
  timestampOffset?: string;
  discrepancies: StatementDiscrepancy[];
}

/** A return booked on the account: the credit back of a settled transfer (JSON statement and notification entry). */
export interface ReturnLine {
  type: "return";
  /** The bank's reference of the return. */
  transfer_id: string;
  /** The end-to-end id of the returned transfer. */
  return_of: string;
  reason_code: string;
  amount: { value: number; currency: string };
  booked_at: string;
}

/** One line of a day's statement: a transfer (today's entry, no `type`) or a return. */
export type StatementLine = BankStatementEntry | ReturnLine;

export function isReturnLine(line: StatementLine): line is ReturnLine {
  return "type" in line && line.type === "return";
}

const StatementQuery = z.object({
  debtor_iban: Iban,
  date: z.iso.date(),
  cursor: z.string().max(1024).optional(),
});

export interface SimulatorAnswer {
  status: number;
  body: unknown;
}

/** 400 INVALID_REQUEST naming the query or body fields that failed validation. */
export function invalidRequest(error: z.ZodError): SimulatorAnswer {
  return { status: 400, body: { code: "INVALID_REQUEST", message: error.issues.map((i) => i.path.join(".")).join(", ") } };
}

export class StatementDesk {
  private readonly scenarios = new Map<string, DebtorScenario>();
  private readonly ledger: Ledger;
  private readonly defaultPageSize: number;

  // No parameter properties: Node runs this file with type stripping only (npm start).
  constructor(ledger: Ledger, defaultPageSize: number = DEFAULT_STATEMENT_PAGE_SIZE) {
    this.ledger = ledger;
    this.defaultPageSize = defaultPageSize;
  }

  bookingStatusFor(debtorIban: string): BankStatusCode {
    return this.scenarios.get(debtorIban)?.bookingStatus ?? "ACSC";
  }

  /** booked_at for a transfer booked now: now, unless the debtor's scenario shifts it. */
  bookingTimeFor(debtorIban: string): string | undefined {
    const offset = this.scenarios.get(debtorIban)?.bookingOffsetMs;
    return offset === undefined ? undefined : new Date(Date.now() + offset).toISOString();
  }

  /** UTC offset of the timestamps sent about this debtor (undefined: "Z"). */
  timestampOffsetFor(debtorIban: string): string | undefined {
    return this.scenarios.get(debtorIban)?.timestampOffset;
  }

  /** Entries (or camt entries) per page for this debtor. */
  pageSizeFor(debtorIban: string): number {
    return this.scenarios.get(debtorIban)?.pageSize ?? this.defaultPageSize;
  }

  /** GET /v1/statements */
  statementPage(params: URLSearchParams, style: AnswerStyle): SimulatorAnswer {
    const query = StatementQuery.safeParse(Object.fromEntries(params));
    if (!query.success) return invalidRequest(query.error);
    const { debtor_iban: debtorIban, date } = query.data;
    return pageAfterCursor({
      scope: { debtor_iban: debtorIban, date },
      cursor: query.data.cursor,
      refusal: "The cursor does not belong to this statement.",
      lines: () => this.linesFor(debtorIban, date),
      pageSize: this.pageSizeFor(debtorIban),
      offset: style.offset,
    });
  }

  /** Control plane: /control/debtors/{iban}[/discrepancies]. Undefined when the path is not ours. */
  handleControl(method: string, pathname: string, body: unknown): SimulatorAnswer | undefined {
    const match = /^\/control\/debtors\/([^/]+)(\/discrepancies)?$/.exec(pathname);
    if (!match) return undefined;
    const debtorIban = decodeURIComponent(match[1] ?? "");
    const scenario = this.scenarios.get(debtorIban) ?? { discrepancies: [] };
    if (match[2] && method === "POST") {
      const parsed = StatementDiscrepancy.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
      scenario.discrepancies.push(parsed.data);
      this.scenarios.set(debtorIban, scenario);
      return { status: 201, body: scenarioView(scenario) };
    }
    if (match[2]) return { status: 405, body: { error: "POST a discrepancy" } };
    switch (method) {
      case "GET":
        return { status: 200, body: scenarioView(scenario) };
      case "PUT": {
        const parsed = ScenarioSettings.safeParse(body);
        if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
        if (parsed.data.page_size !== undefined) scenario.pageSize = parsed.data.page_size;
        if (parsed.data.booking_status !== undefined) scenario.bookingStatus = parsed.data.booking_status;
        if (parsed.data.booking_offset_ms !== undefined) scenario.bookingOffsetMs = parsed.data.booking_offset_ms;
        if (parsed.data.timestamp_offset !== undefined) scenario.timestampOffset = parsed.data.timestamp_offset;
        this.scenarios.set(debtorIban, scenario);
        return { status: 200, body: scenarioView(scenario) };
      }
      case "DELETE":
        this.scenarios.delete(debtorIban);
        return { status: 200, body: { cleared: true } };
      default:
        return { status: 405, body: { error: "GET, PUT or DELETE" } };
    }
  }

  /**
   * The day's statement for one debtor as the bank shows it, in order: the
   * ledger's transfers with the scenario's discrepancies applied, and the
   * returns booked that day.
   */
  linesFor(debtorIban: string, date: string): StatementLine[] {
    const discrepancies = this.scenarios.get(debtorIban)?.discrepancies ?? [];
    const entries: StatementLine[] = [];
    for (const booked of this.ledger.all()) {
      if (booked.debtor_iban !== debtorIban) continue;
      const returned = returnLine(booked);
      if (returned && returned.booked_at.slice(0, 10) === date) entries.push(returned);
      if (booked.booked_at.slice(0, 10) !== date) continue;
      const entry = applyDiscrepancies(statementEntry(booked), discrepancies);
      if (entry) entries.push(entry);
    }
    discrepancies.forEach((d, index) => {
      if (d.kind === "unexpected_entry" && d.booked_at.slice(0, 10) === date) {
        entries.push({
          transfer_id: `TRX${String(index + 1).padStart(10, "0")}`,
          end_to_end_id: d.end_to_end_id,
          amount: { ...d.amount },
          status: d.status,
          booked_at: d.booked_at,
        });
      }
    });
    return entries.sort(compareLines);
  }
}

/** The booked return of a transfer as a statement line; undefined while none is booked. */
export function returnLine(entry: LedgerEntry): ReturnLine | undefined {
  const returned = entry.return;
  if (!returned?.transfer_id || !returned.booked_at) return undefined;
  return {
    type: "return",
    transfer_id: returned.transfer_id,
    return_of: entry.end_to_end_id,
    reason_code: returned.reason_code,
    amount: { ...returned.amount },
    booked_at: returned.booked_at,
  };
}

/** A booked transfer as a statement line (JSON statement, camt.053 and camt.054), before any discrepancy. */
export function statementEntry(booked: LedgerEntry): BankStatementEntry {
  return {
    transfer_id: booked.transfer_id,
    end_to_end_id: booked.end_to_end_id,
    amount: { ...booked.amount },
    status: booked.status,
    booked_at: booked.booked_at,
  };
}

function applyDiscrepancies(entry: BankStatementEntry, discrepancies: StatementDiscrepancy[]): BankStatementEntry | undefined {
  let result: BankStatementEntry | undefined = entry;
  for (const d of discrepancies) {
    if (!result || d.kind === "unexpected_entry" || d.end_to_end_id !== entry.end_to_end_id) continue;
    switch (d.kind) {
      case "missing_entry":
        result = undefined;
        break;
      case "amount":
        result = { ...result, amount: { ...result.amount, value: d.value } };
        break;
      case "status":
        result = { ...result, status: d.status };
        break;
      default:
        d satisfies never;
    }
  }
  return result;
}

function scenarioView(scenario: DebtorScenario): unknown {
  return {
    page_size: scenario.pageSize ?? null,
    booking_status: scenario.bookingStatus ?? null,
    booking_offset_ms: scenario.bookingOffsetMs ?? null,
    timestamp_offset: scenario.timestampOffset ?? null,
    discrepancies: scenario.discrepancies,
  };
}
