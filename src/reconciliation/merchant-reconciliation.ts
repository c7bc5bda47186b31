/**
 * Reconciliation as a capability of the merchant object: reads the bank's
 * statement for a day through the object's bank, settles pending payments
 * through the payment capability's outcome path, and stores the report with
 * its webhook event (engine.ts has the rules).
 */
import type { BankReturnEntry, BankTransfer } from "../../schemas/bank-api.ts";
import type { PaymentStatus } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import { logPageCall } from "../bank/bank-call.ts";
import type { BankPort, StatementPageOutcome } from "../bank/bank-port.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import type { OutcomeSource, RecordedOutcome } from "../payments/outcomes.ts";
import type { PaymentRow } from "../payments/payment-row.ts";
import type { ReturnApplication, ReturnSource } from "../payments/returns.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import {
  RECONCILIATION_EVENT_SOURCE,
  type ReconciliationPorts,
  type ReconciliationResult,
  readStoredReport,
  reconcileBusinessDay,
} from "./engine.ts";
import { type ImportedDayStatement, importedStatementFor } from "./imported-statements.ts";

export interface ReconciliationDeps {
  store: ObjectStore;
  bank(): BankPort;
  /** The payment capability's outcome path (the same state machine and event log as a bank answer). */
  recordOutcome(
    paymentId: string,
    attempt: number,
    outcome: RecordedOutcome,
    source: OutcomeSource,
    eventDetail: Record<string, unknown>,
  ): void;
  /** The payment capability's one return path (src/payments/returns.ts). */
  applyReturn(entry: BankReturnEntry, source: ReturnSource): Promise<ReturnApplication>;
  /** Runs inside the transaction that stores the report (the webhook outbox write). */
  onReportStored(report: ReconciliationReport): void;
  /** The payment capability's status inquiry (concurrency cap, circuit, log line); its answer is not applied. */
  inquire(row: PaymentRow): Promise<InquiryOutcome>;
  /** Flags a payment still in `status` for a person: the statement and the bank's answer disagree. */
  flagStatusMismatch(paymentId: string, status: PaymentStatus): void;
}

export interface ReconciledAccount {
  id: string;
  debtor_iban: string;
}

export class MerchantReconciliation {
  constructor(private readonly deps: ReconciliationDeps) {}

  /** `requestId`: the merchant request that asked for it, for the bank_call lines (none for the cron). */
  async reconcile(merchant: ReconciledAccount, date: string, requestId?: string): Promise<ReconciliationResult> {
    const { store } = this.deps;
    // A statement the merchant imported for the day stands in for the bank's API (a bank that delivers files).
    const imported = importedStatementFor(store.sql, date);
    const common = {
      sql: store.sql,
      transactionSync: <T>(work: () => T) => store.transactionSync(work),
      // Whatever the statement's source, a final status on it is a question for the bank, not an answer.
      inquire: (row: PaymentRow) => this.deps.inquire(row),
      settle: (row: PaymentRow, transfer: BankTransfer) => this.settle(row, transfer, date),
      flagMismatch: (row: PaymentRow) => this.deps.flagStatusMismatch(row.id, row.status),
      reportStored: (report: ReconciliationReport) => this.deps.onReportStored(report),
    };
    const bySource: Pick<ReconciliationPorts, "source" | "fetchStatementPage" | "applyReturn"> = imported
      ? {
          source: { kind: "imported_statement", statement_ids: imported.importIds },
          fetchStatementPage: async (cursor) => importedPage(imported, cursor),
          applyReturn: (entry) => this.deps.applyReturn(entry, { foundIn: "statement_import" }),
        }
      : {
          source: { kind: "bank_api", statement_ids: [] },
          fetchStatementPage: async (cursor) => {
            const call = await this.deps.bank().fetchStatementPage({ debtorIban: merchant.debtor_iban, date, cursor });
            logPageCall(call, { request_id: requestId, merchant_id: merchant.id, operation: "statement", business_date: date });
            return call.outcome;
          },
          applyReturn: (entry) => this.deps.applyReturn(entry, { foundIn: "statement", businessDate: date }),
        };
    return reconcileBusinessDay({ ...common, ...bySource }, merchant.id, date);
  }

  storedReport(merchantId: string, date: string): ReconciliationReport | undefined {
    return readStoredReport(this.deps.store.sql, merchantId, date);
  }

  /** The bank's answer, confirmed by the statement, goes through the same path as any bank answer (marked as reconciliation's). */
  private settle(row: PaymentRow, transfer: BankTransfer, date: string): void {
    this.deps.recordOutcome(
      row.id,
      row.attempts,
      { kind: "accepted", transfer },
      { operation: "statement" },
      { source: RECONCILIATION_EVENT_SOURCE, business_date: date },
    );
  }
}

/** The imported statement's pages, walked like the bank's: the cursor is the next page's position. */
function importedPage(statement: ImportedDayStatement, cursor: string | null): StatementPageOutcome {
  const page = statement.pages[cursor === null ? 0 : Number(cursor)];
  return page ? { kind: "page", page } : { kind: "failed", reason: "no such page of the imported statement" };
}
