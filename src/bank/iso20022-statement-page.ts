/**
 * One page of the bank's camt.053 for a day (GET /iso20022/statements), as a
 * statement page of the connector's model. Pages are numbered from 1
 * (GrpHdr/MsgPgntn/PgNb) and fetched until LastPgInd; every page must be the
 * page asked for, of the statement the first page began (same Stmt/Id), about
 * the merchant's own account. The cursor handed to reconciliation carries the
 * next page number and that statement id.
 */
import { z } from "zod";
import { evidenceOf } from "./bank-call.ts";
import type { StatementPageOutcome, StatementPageQuery } from "./bank-port.ts";
import { mapCamtItems } from "./camt-mapping.ts";
import { readCamt } from "./iso20022/camt.ts";

/** The statement's pages start here. */
export const FIRST_STATEMENT_PAGE = 1;
const MAX_PAGE_NUMBER = 99_999;

const Position = z.strictObject({ page: z.number().int().min(2).max(MAX_PAGE_NUMBER), statement_id: z.string().min(1).max(35) });
export type StatementPosition = { page: number; statementId: string | null };

/** Where a cursor points; null for a cursor this module never wrote. */
export function statementPosition(cursor: string | null): StatementPosition | null {
  if (cursor === null) return { page: FIRST_STATEMENT_PAGE, statementId: null };
  let decoded: unknown;
  try {
    decoded = JSON.parse(cursor);
  } catch {
    return null;
  }
  const parsed = Position.safeParse(decoded);
  return parsed.success ? { page: parsed.data.page, statementId: parsed.data.statement_id } : null;
}

/** A 200 answer to GET /iso20022/statements (bank-call.ts's readCall has failed any other). */
export function readStatementPage(
  response: Response,
  bodyText: string,
  query: StatementPageQuery,
  position: StatementPosition,
): StatementPageOutcome {
  const failed = (reason: string): StatementPageOutcome => ({ kind: "failed", reason, evidence: evidenceOf(response, bodyText) });
  const reading = readCamt(bodyText);
  if (reading.kind === "refused") return failed(`statement refused: ${reading.refusal.reason} (${reading.refusal.detail})`);
  if (reading.kind === "invalid") return failed(`statement invalid: ${reading.reason}`);
  const { document } = reading;
  if (document.kind !== "statement") return failed("not a camt.053 statement");
  const [report, ...others] = document.reports;
  if (report === undefined || others.length > 0) return failed("a statement page must hold exactly one statement (Stmt)");
  if (report.accountIban !== query.debtorIban) return failed("statement for another account");
  if (position.statementId !== null && report.id !== position.statementId) return failed("statement changed between pages (Stmt/Id)");
  const page = document.page ?? report.page;
  // No pagination at all: the whole statement in one document.
  const number = page?.number ?? FIRST_STATEMENT_PAGE;
  if (number !== position.page) return failed(`asked for statement page ${position.page}, got page ${number}`);
  const last = page?.last ?? true;
  if (!last && number >= MAX_PAGE_NUMBER) return failed(`statement has more than ${MAX_PAGE_NUMBER} pages`);
  return {
    kind: "page",
    page: {
      entries: mapCamtItems(report.items, query.date),
      lists_rejected: false,
      next_cursor: last ? null : JSON.stringify({ page: number + 1, statement_id: report.id }),
    },
  };
}
