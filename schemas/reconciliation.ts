/**
 * Daily reconciliation of a merchant's payments against the bank's statement
 * (POST /v1/reconciliations, GET /v1/reconciliations/{date}).
 * docs/reconciliation.md is the prose version.
 */
import { z } from "zod";
import { PaymentId } from "./common.ts";
import { PaymentStatus } from "./merchant-api.ts";
import { StatementImportId } from "./statement-imports.ts";

/** A UTC calendar day. The bank books statements per UTC day, so the business date is one too. */
export const BusinessDate = z.iso
  .date({ error: "must be a calendar date in the form YYYY-MM-DD" })
  .meta({ description: "UTC business day.", example: "2026-11-23" });

export const ReconcileRequest = z.strictObject({ date: BusinessDate }).meta({ id: "ReconcileRequest" });
export type ReconcileRequest = z.output<typeof ReconcileRequest>;

export const RECONCILIATION_CLASSES = [
  "matched",
  "missing_at_bank",
  "unexpected_at_bank",
  "amount_mismatch",
  "status_mismatch",
  "returned",
] as const;
export const ReconciliationClass = z.enum(RECONCILIATION_CLASSES);
export type ReconciliationClass = z.infer<typeof ReconciliationClass>;

/** A return booked on the statement: a settled transfer's money came back (amount may be less: charges). */
export const ReconciliationReturn = z.object({
  bank_reference: z.string().meta({ description: "The bank's reference of the return." }),
  reason_code: z.string().meta({ example: "AC04" }),
  reason: z.string().meta({ description: "The reason code in plain words." }),
  amount: z.number().int(),
  currency: z.string(),
  booked_at: z.string(),
});

export const ReconciliationItem = z
  .object({
    class: ReconciliationClass,
    end_to_end_id: z.string(),
    payment_id: PaymentId.nullable(),
    connector: z
      .object({ status: PaymentStatus, amount: z.number().int(), currency: z.string() })
      .nullable()
      .meta({ description: "The payment as the connector holds it after this run; null for an entry the connector never sent." }),
    bank: z
      .object({ transfer_id: z.string(), status: z.string(), amount: z.number().int(), currency: z.string(), booked_at: z.string() })
      .nullable()
      .meta({
        description: "The statement's transfer entry; null when the statement has none, and on an item about a return (see `return`).",
      }),
    return: ReconciliationReturn.nullable().meta({
      description:
        "The statement's return entry, on an item about a return (`returned`, or a return the connector could not apply); null otherwise.",
    }),
    resolved: z.boolean().meta({
      description:
        "Reconciliation changed the payment from this entry: it was pending and the statement settled it, or (a return item) the return was applied by this day's reconciliation.",
    }),
  })
  .meta({ id: "ReconciliationItem" });
export type ReconciliationItem = z.infer<typeof ReconciliationItem>;

export const ReconciliationSummary = z.object({
  matched: z.number().int(),
  missing_at_bank: z.number().int(),
  unexpected_at_bank: z.number().int(),
  amount_mismatch: z.number().int(),
  status_mismatch: z.number().int(),
  returned: z.number().int(),
  resolved: z.number().int(),
  connector_payments: z.number().int(),
  statement_entries: z.number().int(),
});
export type ReconciliationSummary = z.infer<typeof ReconciliationSummary>;

/** Where the day's statement came from: the bank's API, or statement files the merchant imported (POST /v1/statements). */
export const ReconciliationSource = z
  .object({
    kind: z.enum(["bank_api", "imported_statement"]),
    statement_ids: z
      .array(StatementImportId)
      .meta({ description: "The imported files the statement came from; empty for the bank's API." }),
  })
  .meta({ id: "ReconciliationSource" });
export type ReconciliationSource = z.infer<typeof ReconciliationSource>;

export const ReconciliationReport = z
  .object({
    date: BusinessDate,
    merchant_id: z.string(),
    generated_at: z.string(),
    source: ReconciliationSource,
    statement_pages: z.number().int(),
    summary: ReconciliationSummary,
    items: z.array(ReconciliationItem),
  })
  .meta({ id: "ReconciliationReport" });
export type ReconciliationReport = z.infer<typeof ReconciliationReport>;
