/**
 * GET /v1/notifications?debtor_iban=&since=[&cursor=]: the returns booked
 * on a debtor account at or after `since` (inclusive), oldest first, paged
 * like statements. This is how a client learns that a settled transfer came
 * back. The ISO profile's camt.054 (iso/routes.ts) is written from the same
 * ledger.
 */
import { z } from "zod";
import { Iban } from "../../schemas/common.ts";
import type { AnswerStyle } from "./answers.ts";
import { compareLines, pageAfterCursor } from "./cursor.ts";
import type { Ledger } from "./ledger.ts";
import { invalidRequest, type ReturnLine, returnLine, type SimulatorAnswer, type StatementDesk } from "./statements.ts";

const NotificationQuery = z.object({
  debtor_iban: Iban,
  // RFC 3339 in UTC ("Z"), as the contract says; an offset is refused rather than guessed at.
  since: z.iso.datetime(),
  cursor: z.string().max(1024).optional(),
});

/** The returns booked on the account at or after `sinceMs`, in (booked_at, transfer_id) order. */
export function returnsSince(ledger: Ledger, debtorIban: string, sinceMs: number): ReturnLine[] {
  const lines: ReturnLine[] = [];
  for (const entry of ledger.all()) {
    if (entry.debtor_iban !== debtorIban) continue;
    const line = returnLine(entry);
    if (line && Date.parse(line.booked_at) >= sinceMs) lines.push(line);
  }
  return lines.sort(compareLines);
}

export function notificationPage(ledger: Ledger, statements: StatementDesk, params: URLSearchParams, style: AnswerStyle): SimulatorAnswer {
  const query = NotificationQuery.safeParse(Object.fromEntries(params));
  if (!query.success) return invalidRequest(query.error);
  const { debtor_iban: debtorIban, since } = query.data;
  return pageAfterCursor({
    scope: { debtor_iban: debtorIban, since },
    cursor: query.data.cursor,
    refusal: "The cursor does not belong to these notifications.",
    lines: () => returnsSince(ledger, debtorIban, Date.parse(since)),
    pageSize: statements.pageSizeFor(debtorIban),
    offset: style.offset,
  });
}
