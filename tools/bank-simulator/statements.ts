/**
 * The simulated bank's account statements (GET /v1/statements) and the
 * per-debtor scenarios tests steer them with through the control plane.
 *
 * Everything a test changes is keyed by debtor IBAN. Each test merchant has
 * its own debtor IBAN, so test files running in parallel against the one
 * simulator never see each other's page sizes, held statuses or injected
 * discrepancies.
 */
import { z } from "zod";
import { type BankStatementEntry, type BankStatementPage, BankStatusCode, EndToEndId } from "../../schemas/bank-api.ts";
import { AmountMinorUnits, CurrencyCode, Iban } from "../../schemas/common.ts";
import type { Ledger, LedgerEntry } from "./ledger.ts";

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
});

interface DebtorScenario {
  pageSize?: number;
  bookingStatus?: BankStatusCode;
  bookingOffsetMs?: number;
  discrepancies: StatementDiscrepancy[];
}

const StatementQuery = z.object({
  debtor_iban: Iban,
  date: z.iso.date(),
  cursor: z.string().max(1024).optional(),
});

/** Position after the last entry served: entries are sorted by (booked_at, transfer_id). */
const StatementCursor = z.strictObject({ debtor_iban: z.string(), date: z.string(), booked_at: z.string(), transfer_id: z.string() });

export interface SimulatorAnswer {
  status: number;
  body: unknown;
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

  /** GET /v1/statements */
  statementPage(params: URLSearchParams): SimulatorAnswer {
    const query = StatementQuery.safeParse(Object.fromEntries(params));
    if (!query.success) {
      return { status: 400, body: { code: "INVALID_REQUEST", message: query.error.issues.map((i) => i.path.join(".")).join(", ") } };
    }
    const { debtor_iban: debtorIban, date } = query.data;
    let after: z.infer<typeof StatementCursor> | undefined;
    if (query.data.cursor !== undefined) {
      const decoded = StatementCursor.safeParse(decodeCursor(query.data.cursor));
      if (!decoded.success || decoded.data.debtor_iban !== debtorIban || decoded.data.date !== date) {
        return { status: 400, body: { code: "INVALID_CURSOR", message: "The cursor does not belong to this statement." } };
      }
      after = decoded.data;
    }
    const scenario = this.scenarios.get(debtorIban);
    const pageSize = scenario?.pageSize ?? this.defaultPageSize;
    const all = this.entriesFor(debtorIban, date, scenario?.discrepancies ?? []);
    const start = after ? all.findIndex((e) => compareEntries(e, after) > 0) : 0;
    const rest = start === -1 ? [] : all.slice(start);
    const entries = rest.slice(0, pageSize);
    const last = entries.at(-1);
    const page: BankStatementPage = {
      entries,
      next_cursor:
        rest.length > pageSize && last
          ? encodeCursor({ debtor_iban: debtorIban, date, booked_at: last.booked_at, transfer_id: last.transfer_id })
          : null,
    };
    return { status: 200, body: page };
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

  /** The day's statement for one debtor as the bank shows it: the ledger with the scenario's discrepancies applied. */
  private entriesFor(debtorIban: string, date: string, discrepancies: StatementDiscrepancy[]): BankStatementEntry[] {
    const entries: BankStatementEntry[] = [];
    for (const booked of this.ledger.all()) {
      if (booked.debtor_iban !== debtorIban || booked.booked_at.slice(0, 10) !== date) continue;
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
    return entries.sort(compareEntries);
  }
}

function statementEntry(booked: LedgerEntry): BankStatementEntry {
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

function compareEntries(a: { booked_at: string; transfer_id: string }, b: { booked_at: string; transfer_id: string }): number {
  if (a.booked_at !== b.booked_at) return a.booked_at < b.booked_at ? -1 : 1;
  if (a.transfer_id === b.transfer_id) return 0;
  return a.transfer_id < b.transfer_id ? -1 : 1;
}

function scenarioView(scenario: DebtorScenario): unknown {
  return {
    page_size: scenario.pageSize ?? null,
    booking_status: scenario.bookingStatus ?? null,
    booking_offset_ms: scenario.bookingOffsetMs ?? null,
    discrepancies: scenario.discrepancies,
  };
}

function encodeCursor(value: z.infer<typeof StatementCursor>): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}
