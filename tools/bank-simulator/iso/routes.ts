/**
 * The ISO 20022 profile's routes, on the same ledger, fault rules and
 * statements as the JSON API:
 *
 *   POST /iso20022/payments                          pain.001.001.09 → pain.002
 *   GET  /iso20022/payments/{EndToEndId}             → pain.002, or 404
 *   GET  /iso20022/statements?account=&date=[&page=] → camt.053 (page from 1)
 *   GET  /iso20022/notifications?account=&since=     → camt.054
 *
 * Malformed query parameters and unknown pages answer JSON {code, message}
 * (there is no ISO 20022 message for them).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { Iban } from "../../../schemas/common.ts";
import { compareLines } from "../cursor.ts";
import { isSettled } from "../ledger.ts";
import { returnsSince } from "../notifications.ts";
import { invalidRequest, type SimulatorAnswer, type StatementLine, statementEntry } from "../statements.ts";
import { renderInstant } from "../timestamps.ts";
import type { DeskContext } from "../transfer-desk.ts";
import { serveInquiry, serveSubmission } from "../transfer-desk.ts";
import type { XsdVerdict } from "../xsd-validator.ts";
import { renderNotification, renderStatement } from "./camt.ts";
import { balancesAround, camtEntries } from "./camt-entries.ts";
import { peekIdentifiers, readPain001 } from "./pain001.ts";
import { isoDialect, nextMessageId } from "./pain002-answers.ts";
import type { IsoSettingsDesk } from "./settings.ts";
import { XML_CONTENT_TYPE } from "./xml.ts";

/** What the ISO routes need besides the desk's context; the dialect is chosen per debtor here. */
export type IsoContext = Omit<DeskContext, "dialect"> & { isoSettings: IsoSettingsDesk; accountCurrency: string };

export async function serveIsoSubmission(xml: string, verdict: XsdVerdict, context: IsoContext): Promise<void> {
  const { res, log, isoSettings } = context;
  if (!verdict.valid) {
    const peeked = peekIdentifiers(xml);
    if (peeked.debtorIban) log.debtor_iban = peeked.debtorIban;
    if (peeked.endToEndId) log.end_to_end_id = peeked.endToEndId;
    const subject = peeked.endToEndId ? { endToEndId: peeked.endToEndId, msgId: peeked.msgId, pmtInfId: peeked.pmtInfId } : undefined;
    const message = verdict.errors[0] ?? "The document is not valid.";
    return isoDialect(isoSettings.for(peeked.debtorIban)).sendRefusal(res, 400, { code: "FF01", reason: "FF01", message }, subject);
  }
  const reading = readPain001(xml);
  if (!reading.ok) {
    const peeked = peekIdentifiers(xml);
    if (peeked.debtorIban) log.debtor_iban = peeked.debtorIban;
    if (reading.ids) log.end_to_end_id = reading.ids.endToEndId;
    const refusal = { code: reading.reason, reason: reading.reason, message: reading.message };
    return isoDialect(isoSettings.for(peeked.debtorIban)).sendRefusal(res, reading.status, refusal, reading.ids);
  }
  const dialect = isoDialect(isoSettings.for(reading.request.debtor_iban));
  await serveSubmission(
    { request: reading.request, ids: reading.ids, iso: { msg_id: reading.ids.msgId, pmt_inf_id: reading.ids.pmtInfId } },
    { ...context, dialect },
  );
}

export async function serveIsoInquiry(endToEndId: string, context: IsoContext): Promise<void> {
  const debtor = context.ledger.get(endToEndId)?.debtor_iban ?? context.faults.debtorOfTransfer(endToEndId);
  await serveInquiry(endToEndId, { ...context, dialect: isoDialect(context.isoSettings.for(debtor)) });
}

/** A camt answer, or a JSON error. */
export type IsoReadAnswer = { status: 200; xml: string } | SimulatorAnswer;

const StatementQuery = z.object({
  account: Iban,
  date: z.iso.date(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

const NotificationQuery = z.object({ account: Iban, since: z.iso.datetime() });

/** GET /iso20022/statements: one page of the day's camt.053. */
export function isoStatementPage(params: URLSearchParams, context: IsoContext): IsoReadAnswer {
  const query = StatementQuery.safeParse(Object.fromEntries(params));
  if (!query.success) return invalidRequest(query.error);
  const { account, date, page } = query.data;
  const settings = context.isoSettings.for(account);
  const offset = context.style.offset;
  const lines = context.statements.linesFor(account, date);
  const entries = camtEntries(lines, { settings, offset }, true);
  const pageSize = context.statements.pageSizeFor(account);
  const pages = Math.max(1, Math.ceil(entries.length / pageSize));
  if (page > pages) return { status: 404, body: { code: "NO_SUCH_PAGE", message: `The statement has ${pages} page(s).` } };
  const xml = renderStatement({
    version: settings.camt053,
    msgId: nextMessageId("STM"),
    createdAt: renderInstant(new Date().toISOString(), offset),
    page: { number: page, last: page === pages },
    statementId: `STMT-${date}-${accountTag(account)}`,
    account: { iban: account, currency: context.accountCurrency },
    date,
    balances: balancesAround(context.ledger, account, date, lines, context.accountCurrency),
    entries: entries.slice((page - 1) * pageSize, page * pageSize),
  });
  return { status: 200, xml };
}

/** GET /iso20022/notifications: camt.054 with the bookings at or after `since` (settled transfers and returns). */
export function isoNotifications(params: URLSearchParams, context: IsoContext): IsoReadAnswer {
  const query = NotificationQuery.safeParse(Object.fromEntries(params));
  if (!query.success) return invalidRequest(query.error);
  const { account, since } = query.data;
  const sinceMs = Date.parse(since);
  const settings = context.isoSettings.for(account);
  const lines: StatementLine[] = [];
  for (const entry of context.ledger.all()) {
    if (entry.debtor_iban !== account || !isSettled(entry) || Date.parse(entry.booked_at) < sinceMs) continue;
    lines.push(statementEntry(entry));
  }
  lines.push(...returnsSince(context.ledger, account, sinceMs));
  lines.sort(compareLines);
  const xml = renderNotification({
    version: settings.camt054,
    msgId: nextMessageId("NTF"),
    createdAt: renderInstant(new Date().toISOString(), context.style.offset),
    notificationId: nextMessageId("N"),
    account: { iban: account, currency: context.accountCurrency },
    entries: camtEntries(lines, { settings, offset: context.style.offset }, false),
  });
  return { status: 200, xml };
}

/** Broken camt bodies for the malformed_json and contract_violation rules on reads. */
export function brokenCamtBodies(): { contentType: string; truncated: string; contractViolation: string } {
  const namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
  return {
    contentType: XML_CONTENT_TYPE,
    truncated: `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${namespace}">\n<BkToCstmrStmt>\n<GrpHdr>\n<MsgId>`,
    contractViolation: `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${namespace}"><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>\n`,
  };
}

/** A short, stable tag of an account for document ids (the IBAN itself stays out of them). */
function accountTag(iban: string): string {
  return createHash("sha256").update(iban).digest("hex").slice(0, 10).toUpperCase();
}
