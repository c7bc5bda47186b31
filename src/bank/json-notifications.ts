/**
 * The JSON profile's notifications: GET /v1/notifications?debtor_iban=&since=
 * &cursor= answers the returns booked on a debtor account at or after
 * `since`, a page at a time (docs/bank-api.md, "Returns and notifications").
 * This is how the connector learns that a settled transfer came back.
 *
 * Like a statement read, a notifications read changes nothing at the bank,
 * so any failure is simply "no page now": the caller tries again later.
 */
import { type BankNotificationsPage, BankNotificationsPage as NotificationsPageSchema } from "../../schemas/bank-api.ts";
import { type BankCall, type BankClientOptions, evidenceOf, safeJson } from "./client.ts";
import type { BankResponseEvidence } from "./outcome.ts";

/** `since`: RFC 3339 in UTC with `Z` (the contract refuses an offset); `cursor`: the previous page's next_cursor. */
export interface NotificationsQuery {
  debtorIban: string;
  since: string;
  cursor: string | null;
}

export type NotificationsPageOutcome =
  | { kind: "page"; page: BankNotificationsPage }
  | { kind: "failed"; reason: string; evidence?: BankResponseEvidence };

const MAX_REASON_LENGTH = 200;

export async function fetchJsonNotifications(
  options: BankClientOptions,
  query: NotificationsQuery,
): Promise<BankCall<NotificationsPageOutcome>> {
  const started = Date.now();
  const params = new URLSearchParams({ debtor_iban: query.debtorIban, since: query.since });
  if (query.cursor !== null) params.set("cursor", query.cursor);
  const finish = (outcome: NotificationsPageOutcome, httpStatus: number | null): BankCall<NotificationsPageOutcome> => ({
    outcome,
    httpStatus,
    latencyMs: Date.now() - started,
  });
  let response: Response;
  let bodyText: string;
  try {
    response = await options.fetcher.fetch(`${options.baseUrl}/v1/notifications?${params.toString()}`, {
      method: "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    bodyText = await response.text();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return finish({ kind: "failed", reason: `notifications request failed: ${message.slice(0, MAX_REASON_LENGTH)}` }, null);
  }
  if (response.status !== 200) {
    return finish(
      { kind: "failed", reason: `bank answered ${response.status}`, evidence: evidenceOf(response, bodyText) },
      response.status,
    );
  }
  const parsed = NotificationsPageSchema.safeParse(safeJson(bodyText));
  if (!parsed.success) {
    return finish({ kind: "failed", reason: "notifications page failed validation", evidence: evidenceOf(response, bodyText) }, 200);
  }
  return finish({ kind: "page", page: parsed.data }, 200);
}
