/**
 * One camt.053/054 entry (Ntry) onto the connector's neutral statement items.
 *
 * - INFO entries are information only: ignored (counted, not itemised).
 * - A debit naming an EndToEndId, or coded PMNT/ICDT/ESCT, is a sent transfer;
 *   booked (BOOK) means settled, PDNG (and FUTR) pending.
 * - A credit with return information (RtrInf), whatever its bank transaction
 *   code (banks also use proprietary ones), or coded PMNT/ICDT/RRTN, is a
 *   return of the EndToEndId in its references.
 * - Anything else is kept as an "other" debit or credit: an entry is never
 *   dropped, so the caller can report what it cannot match.
 * - A batch entry with several TxDtls yields one item per TxDtls.
 */
import { code as currencyByCode } from "currency-codes";
import type { CamtBankTransactionCode, CamtEntry, CamtTransactionDetails, Iso20022Amount } from "../../../schemas/bank-iso20022.ts";
import { END_TO_END_ID_NOT_PROVIDED } from "../bank-port.ts";
import { decimalTextToMinorUnits } from "./decimal-amount.ts";
import { isoDateDay, isoDateTimeToUtc } from "./iso-datetime.ts";

const SEPA_CREDIT_TRANSFER_CODE = "PMNT/ICDT/ESCT";
const SEPA_CREDIT_TRANSFER_RETURN_CODE = "PMNT/ICDT/RRTN";

export type CamtItemKind = "transfer" | "return" | "other-debit" | "other-credit";

export interface CamtItem {
  kind: CamtItemKind;
  /** Position of the entry (Ntry) in its statement or notification, from 0; a batch's items share it. */
  entryIndex: number;
  /** BOOK is booked; PDNG and FUTR are pending. A booked transfer is settled (as ACSC). */
  status: "booked" | "pending";
  /** TxDtls/Refs/EndToEndId; null when absent or NOTPROVIDED. */
  endToEndId: string | null;
  /** The bank's reference: TxDtls/Refs/AcctSvcrRef, else Ntry/AcctSvcrRef, else NtryRef. */
  transferId: string | null;
  amountMinor: number;
  currency: string;
  /** BookgDt/Dt as given, or the UTC day of BookgDt/DtTm; null when the entry has no booking date. */
  bookingDate: string | null;
  /** BookgDt/DtTm in UTC; null when the bank gave a date only (or none). */
  bookedAt: string | null;
  /** TxDtls/RtrInf/Rsn/Cd of a return (e.g. AC04), when given. */
  returnReasonCode: string | null;
  /** Domain/family/sub-family, e.g. "PMNT/ICDT/ESCT"; the transaction's own code before the entry's. */
  bankTransactionCode: string | null;
  proprietaryBankTransactionCode: string | null;
  /** Ntry/RvslInd: the entry reverses an earlier one. */
  reversal: boolean;
}

export type EntryReading = { kind: "items"; items: CamtItem[] } | { kind: "ignored" } | { kind: "invalid"; reason: string };

interface Money {
  amountMinor: number;
  currency: string;
}

export function readEntry(entry: CamtEntry, entryIndex: number): EntryReading {
  const invalid = (what: string): EntryReading => ({ kind: "invalid", reason: `entry ${entryIndex}: ${what}` });
  const status = entryStatus(entry.Sts);
  if (status === null) return invalid("entry status is not BOOK, PDNG, FUTR or INFO");
  if (status === "ignored") return { kind: "ignored" };
  const booking = readBooking(entry.BookgDt);
  if (booking === null) return invalid("BookgDt is not a valid date or date-time");
  const entryAmount = readAmount(entry.Amt);
  if (entryAmount === null) return invalid("Amt is not a whole number of minor units of a known currency");

  const details = (entry.NtryDtls ?? []).flatMap((entryDetails) => entryDetails.TxDtls ?? []);
  const common = { entryIndex, status, ...booking, reversal: entry.RvslInd === "true" || entry.RvslInd === "1" };
  if (details.length === 0) {
    const codes = transactionCodes(entry.BkTxCd);
    return {
      kind: "items",
      items: [
        {
          ...common,
          ...entryAmount,
          ...codes,
          kind: classify(entry.CdtDbtInd, codes.bankTransactionCode, null, false),
          endToEndId: null,
          transferId: entry.AcctSvcrRef ?? entry.NtryRef ?? null,
          returnReasonCode: null,
        },
      ],
    };
  }
  const items: CamtItem[] = [];
  for (const transaction of details) {
    const amount = transactionAmount(transaction, details.length === 1 ? entryAmount : null);
    if (amount === "invalid") return invalid("a transaction amount is not a whole number of minor units of a known currency");
    if (amount === null) return invalid("a batch transaction carries no amount");
    const endToEndId = transaction.Refs?.EndToEndId;
    const codes = transactionCodes(transaction.BkTxCd ?? entry.BkTxCd);
    // The EndToEndId a sender writes when it had none: the same as none.
    const hasEndToEndId = endToEndId !== undefined && endToEndId !== END_TO_END_ID_NOT_PROVIDED;
    items.push({
      ...common,
      ...amount,
      ...codes,
      kind: classify(transaction.CdtDbtInd ?? entry.CdtDbtInd, codes.bankTransactionCode, hasEndToEndId, transaction.RtrInf !== undefined),
      endToEndId: hasEndToEndId ? endToEndId : null,
      transferId: transaction.Refs?.AcctSvcrRef ?? entry.AcctSvcrRef ?? entry.NtryRef ?? null,
      returnReasonCode: transaction.RtrInf?.Rsn?.Cd ?? null,
    });
  }
  return { kind: "items", items };
}

function classify(
  direction: "CRDT" | "DBIT",
  bankTransactionCode: string | null,
  hasEndToEndId: boolean | null,
  hasReturnInformation: boolean,
): CamtItemKind {
  switch (direction) {
    case "DBIT":
      return hasEndToEndId === true || bankTransactionCode === SEPA_CREDIT_TRANSFER_CODE ? "transfer" : "other-debit";
    case "CRDT":
      return hasReturnInformation || bankTransactionCode === SEPA_CREDIT_TRANSFER_RETURN_CODE ? "return" : "other-credit";
    default:
      return direction satisfies never;
  }
}

function entryStatus(status: CamtEntry["Sts"]): "booked" | "pending" | "ignored" | null {
  const code = typeof status === "string" ? status : "Cd" in status ? status.Cd : null;
  switch (code) {
    case "BOOK":
      return "booked";
    case "PDNG":
    case "FUTR":
      return "pending";
    case "INFO":
      return "ignored";
    default:
      // A proprietary or unknown status cannot be mapped, and guessing could call an unsettled transfer settled.
      return null;
  }
}

function readBooking(bookingDate: CamtEntry["BookgDt"]): { bookingDate: string | null; bookedAt: string | null } | null {
  if (bookingDate === undefined) return { bookingDate: null, bookedAt: null };
  if (bookingDate.Dt !== undefined) {
    const day = isoDateDay(bookingDate.Dt);
    return day === null ? null : { bookingDate: day, bookedAt: null };
  }
  const bookedAt = bookingDate.DtTm === undefined ? null : isoDateTimeToUtc(bookingDate.DtTm);
  if (bookedAt === null) return null;
  return { bookingDate: bookedAt.slice(0, 10), bookedAt };
}

/**
 * TxDtls/Amt, else AmtDtls/TxAmt, else (for the only TxDtls of an entry) the
 * entry's amount, which is what was booked, else AmtDtls/InstdAmt (what was
 * instructed, possibly more than a return brought back).
 */
function transactionAmount(transaction: CamtTransactionDetails, onlyTransactionEntryAmount: Money | null): Money | null | "invalid" {
  const own = transaction.Amt ?? transaction.AmtDtls?.TxAmt?.Amt;
  if (own !== undefined) return readAmount(own) ?? "invalid";
  if (onlyTransactionEntryAmount !== null) return onlyTransactionEntryAmount;
  const instructed = transaction.AmtDtls?.InstdAmt?.Amt;
  return instructed === undefined ? null : (readAmount(instructed) ?? "invalid");
}

function readAmount(amount: Iso20022Amount): Money | null {
  const digits = currencyByCode(amount["@_Ccy"])?.digits;
  if (digits === undefined) return null;
  const amountMinor = decimalTextToMinorUnits(amount["#text"], digits);
  return amountMinor === null ? null : { amountMinor, currency: amount["@_Ccy"] };
}

function transactionCodes(code: CamtBankTransactionCode | undefined): {
  bankTransactionCode: string | null;
  proprietaryBankTransactionCode: string | null;
} {
  const domain = code?.Domn;
  return {
    bankTransactionCode: domain === undefined ? null : `${domain.Cd}/${domain.Fmly.Cd}/${domain.Fmly.SubFmlyCd}`,
    proprietaryBankTransactionCode: code?.Prtry?.Cd ?? null,
  };
}
