/**
 * The simulated bank's book of credit transfers, keyed by end-to-end id (its
 * de-duplication key). With a journal file, every change is appended as one
 * JSON line and replayed at start, so the local bank remembers across
 * restarts just as the connector's Durable Objects do; otherwise a restart
 * would make recovery resubmit payments the "bank" had forgotten.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { BankCreditTransferRequest, BankStatusCode } from "../../schemas/bank-api.ts";

export interface LedgerEntry {
  transfer_id: string;
  end_to_end_id: string;
  debtor_iban: string;
  creditor: { name: string; iban: string };
  amount: { value: number; currency: string };
  remittance_information: string;
  status: BankStatusCode;
  reason_code?: string;
  status_at: string;
  booked_at: string;
  /** How many POSTs carried this end-to-end id (the first books; the rest get the original back). */
  submissions: number;
  /**
   * A later settlement the bank has planned (the async_settlement fault):
   * journaled with the entry, so a restarted simulator still carries it out.
   */
  settlement?: PlannedSettlement;
  /** Identifiers of the pain.001 that carried the transfer (ISO 20022 profile), echoed in its status reports. */
  iso?: { msg_id: string; pmt_inf_id: string };
  /** A return of the transfer (a credit back to the debtor), planned through the control plane; booked once due. */
  return?: TransferReturn;
}

export interface TransferReturn {
  /** ISO 20022 return reason (e.g. AC04 closed account, MS03 not specified). */
  reason_code: string;
  /** The original amount, or less when the returning bank took charges. */
  amount: { value: number; currency: string };
  /** Booked at this time (ISO 8601), or at once after a restart if it has passed. */
  due_at: string;
  /** The bank's reference of the return, once booked. */
  transfer_id?: string;
  booked_at?: string;
}

export interface PlannedSettlement {
  final: "ACSC" | "RJCT";
  reason_code?: string;
  /** Settles at this time (ISO 8601), or at once if it has passed. */
  due_at?: string;
  /** Or on the n-th status inquiry from now. */
  inquiries_left?: number;
}

export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();
  private sequence = 0;
  private returnSequence = 0;

  private readonly journalPath: string | undefined;

  constructor(journalPath?: string) {
    this.journalPath = journalPath;
    if (journalPath && existsSync(journalPath)) {
      for (const line of readFileSync(journalPath, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as LedgerEntry;
        this.entries.set(entry.end_to_end_id, entry);
        this.sequence = Math.max(this.sequence, Number(entry.transfer_id.replace(/^TRF/, "")) || 0);
        const returnId = entry.return?.transfer_id;
        if (returnId) this.returnSequence = Math.max(this.returnSequence, Number(returnId.replace(/^RTN/, "")) || 0);
      }
    }
  }

  private journal(entry: LedgerEntry): void {
    if (this.journalPath) appendFileSync(this.journalPath, `${JSON.stringify(entry)}\n`);
  }

  get(endToEndId: string): LedgerEntry | undefined {
    return this.entries.get(endToEndId);
  }

  all(): LedgerEntry[] {
    return [...this.entries.values()];
  }

  /** Books a transfer, or counts a duplicate submission of one already booked. */
  book(
    request: BankCreditTransferRequest,
    status: BankStatusCode,
    options: { reasonCode?: string; bookedAt?: string; settlement?: PlannedSettlement; iso?: LedgerEntry["iso"] } = {},
  ): { entry: LedgerEntry; duplicate: boolean } {
    const { reasonCode } = options;
    const existing = this.entries.get(request.end_to_end_id);
    if (existing) {
      existing.submissions++;
      this.journal(existing);
      return { entry: existing, duplicate: true };
    }
    const now = new Date().toISOString();
    const entry: LedgerEntry = {
      transfer_id: `TRF${String(++this.sequence).padStart(10, "0")}`,
      end_to_end_id: request.end_to_end_id,
      debtor_iban: request.debtor_iban,
      creditor: { ...request.creditor },
      amount: { ...request.amount },
      remittance_information: request.remittance_information,
      status,
      ...(reasonCode ? { reason_code: reasonCode } : {}),
      status_at: now,
      booked_at: options.bookedAt ?? now,
      submissions: 1,
      ...(options.settlement ? { settlement: options.settlement } : {}),
      ...(options.iso ? { iso: options.iso } : {}),
    };
    this.entries.set(entry.end_to_end_id, entry);
    this.journal(entry);
    return { entry, duplicate: false };
  }

  setStatus(endToEndId: string, status: BankStatusCode, reasonCode?: string): LedgerEntry | undefined {
    const entry = this.entries.get(endToEndId);
    if (!entry) return undefined;
    entry.status = status;
    if (reasonCode) entry.reason_code = reasonCode;
    else delete entry.reason_code;
    entry.status_at = new Date().toISOString();
    this.journal(entry);
    return entry;
  }

  /** Entries with a planned settlement still to happen (to re-arm their timers after a restart). */
  plannedSettlements(): LedgerEntry[] {
    return this.all().filter((entry) => entry.settlement !== undefined);
  }

  /** Carries out the planned settlement of a transfer, once. */
  settle(endToEndId: string): void {
    const entry = this.entries.get(endToEndId);
    const plan = entry?.settlement;
    if (!entry || !plan) return;
    delete entry.settlement;
    this.setStatus(endToEndId, plan.final, plan.final === "RJCT" ? (plan.reason_code ?? "AM04") : undefined);
  }

  /** Plans the return of a transfer (the caller checked it is settled and not returned yet). */
  planReturn(endToEndId: string, plan: Pick<TransferReturn, "reason_code" | "amount" | "due_at">): LedgerEntry | undefined {
    const entry = this.entries.get(endToEndId);
    if (!entry) return undefined;
    entry.return = { reason_code: plan.reason_code, amount: { ...plan.amount }, due_at: plan.due_at };
    this.journal(entry);
    return entry;
  }

  /** Entries whose return is planned but not booked yet (to re-arm their timers after a restart). */
  plannedReturns(): LedgerEntry[] {
    return this.all().filter((entry) => entry.return !== undefined && entry.return.transfer_id === undefined);
  }

  /** Books the planned return of a transfer, once. */
  bookReturn(endToEndId: string): void {
    const planned = this.entries.get(endToEndId);
    const plan = planned?.return;
    if (!planned || !plan || plan.transfer_id !== undefined) return;
    plan.transfer_id = `RTN${String(++this.returnSequence).padStart(10, "0")}`;
    plan.booked_at = new Date().toISOString();
    this.journal(planned);
  }

  /** Counts a status inquiry towards a planned settlement; settles when the count is reached. */
  noteInquiry(endToEndId: string): void {
    const entry = this.entries.get(endToEndId);
    const plan = entry?.settlement;
    if (!entry || plan?.inquiries_left === undefined) return;
    plan.inquiries_left--;
    if (plan.inquiries_left <= 0) this.settle(endToEndId);
    else this.journal(entry);
  }
}

/** Whether the bank settled the transfer (the only ones it books on the account, and the only ones it can return). */
export function isSettled(entry: LedgerEntry): boolean {
  return entry.status === "ACSC" || entry.status === "ACCC";
}
