/**
 * Statement files imported by a merchant (POST /v1/statements, GET
 * /v1/statements): camt.053 statements and camt.054 notifications from a bank
 * that delivers them out of band. docs/api.md is the prose version.
 */
import { z } from "zod";
import { pageLimit, prefixedId } from "./common.ts";
import { pageFields } from "./list-page.ts";

export const StatementImportId = prefixedId("stm", "Imported statement");

export const MAX_STATEMENT_PAGE_LIMIT = 100;
export const DEFAULT_STATEMENT_PAGE_LIMIT = 25;

export const StatementImport = z
  .object({
    id: StatementImportId,
    kind: z.enum(["camt.053", "camt.054"]),
    message_id: z.string().meta({ description: "GrpHdr/MsgId of the file." }),
    account: z.string().meta({ description: "The account the file is about (the merchant's debtor IBAN)." }),
    entries: z.number().int().meta({ description: "How many entries (Ntry) the file holds, information-only ones included." }),
    period: z.object({ from: z.string(), to: z.string() }).nullable().meta({
      description: "FrToDt in UTC (from the earliest to the latest when the file holds several statements); null when not given.",
    }),
    matched_payments: z.number().int().meta({ description: "This merchant's payments the file's transfer entries name (at import time)." }),
    returns: z.number().int().meta({ description: "Entries that are returns of a transfer." }),
    created_at: z.string().meta({ description: "When the file was first imported." }),
  })
  .meta({ id: "StatementImport" });
export type StatementImport = z.infer<typeof StatementImport>;

export const ListStatementImportsQuery = z.strictObject({
  limit: pageLimit(MAX_STATEMENT_PAGE_LIMIT, DEFAULT_STATEMENT_PAGE_LIMIT),
  cursor: StatementImportId.optional().meta({ description: "`next_cursor` of the previous page." }),
});
export type ListStatementImportsQuery = z.output<typeof ListStatementImportsQuery>;

export const StatementImportList = z.object(pageFields(StatementImport, "Newest import first.")).meta({ id: "StatementImportList" });
export type StatementImportList = z.infer<typeof StatementImportList>;
