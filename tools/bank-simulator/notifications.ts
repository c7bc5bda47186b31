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
import { compareLines, decodeCursor, encodeCursor } from "./cursor.ts";
import type { Ledger } from "./ledger.ts";
import { type ReturnLine, returnLine, type SimulatorAnswer, type StatementDesk } from "./statements.ts";
import { renderInstant } from "./timestamps.ts";

const NotificationQuery = z.object({
  debtor_iban: Iban,
  // RFC 3339 in UTC ("Z"), as the contract says; an offset is refused rather than guessed at.
  since: z.iso.datetime(),
  cursor: z.string().max(1024).optional(),
});

const NotificationCursor = z.strictObject({ debtor_iban: z.string(), since: z.string(), booked_at: z.string(), transfer_id: z.string() });

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
  if (!query.success) {
    return { status: 400, body: { code: "INVALID_REQUEST", message: query.error.issues.map((i) => i.path.join(".")).join(", ") } };
  }
  const { debtor_iban: debtorIban, since } = query.data;
  let after: z.infer<typeof NotificationCursor> | undefined;
  if (query.data.cursor !== undefined) {
    const decoded = NotificationCursor.safeParse(decodeCursor(query.data.cursor));
    if (!decoded.success || decoded.data.debtor_iban !== debtorIban || decoded.data.since !== since) {
      return { status: 400, body: { code: "INVALID_CURSOR", message: "The cursor does not belong to these notifications." } };
    }
    after = decoded.data;
  }
  const all = returnsSince(ledger, debtorIban, Date.parse(since));
  const start = after ? all.findIndex((line) => compareLines(line, after) > 0) : 0;
  const rest = start === -1 ? [] : all.slice(start);
  const pageSize = statements.pageSizeFor(debtorIban);
  const entries = rest.slice(0, pageSize);
  const last = entries.at(-1);
  return {
    status: 200,
    body: {
      entries: entries.map((line) => ({ ...line, booked_at: renderInstant(line.booked_at, style.offset) })),
      next_cursor:
        rest.length > pageSize && last
          ? encodeCursor({ debtor_iban: debtorIban, since, booked_at: last.booked_at, transfer_id: last.transfer_id })
          : null,
    },
  };
}
