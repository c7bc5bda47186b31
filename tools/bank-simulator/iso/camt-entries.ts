/**
 * The account as camt entries: statement lines (statements.ts: transfers
 * with the day's discrepancies applied, and returns) mapped onto Ntry
 * elements, and the booked balances around a day.
 *
 * - settled transfer (ACSC, ACCC): BOOK debit, PMNT/ICDT/ESCT;
 * - transfer still in progress: PDNG debit;
 * - rejected transfer: nothing was booked, so no entry (or INFO, a setting);
 * - return: BOOK credit, PMNT/ICDT/RRTN, with RtrInf/Rsn/Cd and the original's EndToEndId.
 */
import type { Ledger } from "../ledger.ts";
import { isReturnLine, returnLine, type StatementLine } from "../statements.ts";
import { renderInstant } from "../timestamps.ts";
import type { CamtEntry, CamtTransaction } from "./camt.ts";
import type { IsoSettings } from "./settings.ts";

/** The notional balance of every simulated account before its first booking (1,000,000.00). */
const OPENING_BALANCE_MINOR = 100_000_000;

export interface EntryStyle {
  settings: IsoSettings;
  offset: string | undefined;
}

function entryStatus(line: StatementLine): CamtEntry["status"] | undefined {
  if (isReturnLine(line)) return "BOOK";
  switch (line.status) {
    case "ACSC":
    case "ACCC":
      return "BOOK";
    case "RJCT":
      return undefined;
    case "RCVD":
    case "PDNG":
    case "ACTC":
    case "ACCP":
    case "ACSP":
    case "ACWC":
      return "PDNG";
    default:
      return line.status satisfies never;
  }
}

function transactionOf(line: StatementLine): CamtTransaction {
  if (isReturnLine(line)) {
    return {
      endToEndId: line.return_of,
      accountServicerRef: line.transfer_id,
      amountMinor: line.amount.value,
      currency: line.amount.currency,
      direction: "CRDT",
      returnReason: line.reason_code,
    };
  }
  return {
    endToEndId: line.end_to_end_id,
    accountServicerRef: line.transfer_id,
    amountMinor: line.amount.value,
    currency: line.amount.currency,
    direction: "DBIT",
  };
}

function bookingDate(line: StatementLine, style: EntryStyle): CamtEntry["bookingDate"] {
  return style.settings.booking_date === "datetime"
    ? { kind: "DtTm", value: renderInstant(line.booked_at, style.offset) }
    : { kind: "Dt", value: line.booked_at.slice(0, 10) };
}

/** Lines → entries, batching consecutive transfers of one status and currency when the settings ask for it. */
export function camtEntries(lines: StatementLine[], style: EntryStyle, batching: boolean): CamtEntry[] {
  const entries: CamtEntry[] = [];
  const batchSize = batching ? (style.settings.batch_size ?? 1) : 1;
  let open: { entry: CamtEntry; key: string } | undefined;
  for (const line of lines) {
    const status = entryStatus(line) ?? (style.settings.rejected_entries === "info" ? "INFO" : undefined);
    if (status === undefined) continue;
    const transaction = transactionOf(line);
    const key = `${status}/${transaction.direction}/${transaction.currency}`;
    if (open && open.key === key && !isReturnLine(line) && open.entry.transactions.length < batchSize) {
      open.entry.transactions.push(transaction);
      open.entry.amountMinor += transaction.amountMinor;
      open.entry.accountServicerRef = `B${open.entry.transactions[0]?.accountServicerRef ?? ""}`;
      continue;
    }
    const entry: CamtEntry = {
      status,
      direction: transaction.direction,
      amountMinor: transaction.amountMinor,
      currency: transaction.currency,
      bookingDate: bookingDate(line, style),
      accountServicerRef: transaction.accountServicerRef,
      subFamily: isReturnLine(line) ? "RRTN" : "ESCT",
      transactions: [transaction],
    };
    entries.push(entry);
    open = isReturnLine(line) ? undefined : { entry, key };
  }
  return entries;
}

/** Booked balance effect of a line: settled transfers debit, returns credit, the rest nothing. */
function bookedEffect(line: StatementLine, currency: string): number {
  if (line.amount.currency !== currency || entryStatus(line) !== "BOOK") return 0;
  return isReturnLine(line) ? line.amount.value : -line.amount.value;
}

/** Opening balance of `date` from the ledger's bookings before it; closing = opening + the day's lines as shown. */
export function balancesAround(
  ledger: Ledger,
  debtorIban: string,
  date: string,
  dayLines: StatementLine[],
  currency: string,
): { opening: number; closing: number } {
  let opening = OPENING_BALANCE_MINOR;
  for (const entry of ledger.all()) {
    if (entry.debtor_iban !== debtorIban) continue;
    if (entry.booked_at.slice(0, 10) < date) {
      opening += bookedEffect(
        {
          transfer_id: entry.transfer_id,
          end_to_end_id: entry.end_to_end_id,
          amount: entry.amount,
          status: entry.status,
          booked_at: entry.booked_at,
        },
        currency,
      );
    }
    const returned = returnLine(entry);
    if (returned && returned.booked_at.slice(0, 10) < date) opening += bookedEffect(returned, currency);
  }
  const closing = dayLines.reduce((balance, line) => balance + bookedEffect(line, currency), opening);
  return { opening, closing };
}
