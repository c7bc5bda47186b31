/**
 * The bank client: builds wire requests, calls BANK (the mTLS Fetcher),
 * validates answers and classifies outcomes. It knows nothing of merchants,
 * storage or routes.
 */
import { type BankCreditTransferRequest, BankError, BankStatementPage, BankTransfer } from "../../schemas/bank-api.ts";
import { fetchJsonNotifications, type NotificationsPageOutcome, type NotificationsQuery } from "./json-notifications.ts";
import type { BankOutcome, BankResponseEvidence, InquiryOutcome } from "./outcome.ts";

export const EVIDENCE_BODY_BYTES = 2048;
const EVIDENCE_HEADERS = ["content-type", "content-length", "date", "server", "x-request-id", "retry-after"];

/**
 * A statement page, or why there is none. A statement read changes nothing at
 * the bank, so any failure is simply retried later; there is no "unknown".
 */
export type StatementPageOutcome =
  | { kind: "page"; page: BankStatementPage }
  | { kind: "failed"; reason: string; evidence?: BankResponseEvidence };

export interface StatementPageQuery {
  debtorIban: string;
  /** UTC business day, YYYY-MM-DD. */
  date: string;
  cursor: string | null;
}

export interface BankClientOptions {
  fetcher: Fetcher;
  baseUrl: string;
  timeoutMs: number;
}

/** The result of one HTTP exchange, with timing, for the caller's log line. */
export interface BankCall<T> {
  outcome: T;
  httpStatus: number | null;
  latencyMs: number;
}

export class BankClient {
  constructor(private readonly options: BankClientOptions) {}

  async submitCreditTransfer(transfer: BankCreditTransferRequest): Promise<BankCall<BankOutcome>> {
    // Only an inquiry can yield not_found, so a submission's outcome is a BankOutcome.
    return this.exchange(
      "/v1/credit-transfers",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(transfer) },
      transfer.end_to_end_id,
      false,
    ) as Promise<BankCall<BankOutcome>>;
  }

  async inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>> {
    return this.exchange(`/v1/credit-transfers/${encodeURIComponent(endToEndId)}`, { method: "GET" }, endToEndId, true);
  }

  async fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>> {
    const started = Date.now();
    const params = new URLSearchParams({ debtor_iban: query.debtorIban, date: query.date });
    if (query.cursor !== null) params.set("cursor", query.cursor);
    const finish = (outcome: StatementPageOutcome, httpStatus: number | null): BankCall<StatementPageOutcome> => ({
      outcome,
      httpStatus,
      latencyMs: Date.now() - started,
    });
    let response: Response;
    let bodyText: string;
    try {
      response = await this.options.fetcher.fetch(`${this.options.baseUrl}/v1/statements?${params.toString()}`, {
        method: "GET",
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      bodyText = await response.text();
    } catch (error) {
      return finish({ kind: "failed", reason: `statement request failed: ${describe(error).slice(0, 200)}` }, null);
    }
    if (response.status !== 200) {
      return finish(
        { kind: "failed", reason: `bank answered ${response.status}`, evidence: evidenceOf(response, bodyText) },
        response.status,
      );
    }
    const parsed = BankStatementPage.safeParse(safeJson(bodyText));
    if (!parsed.success) {
      return finish({ kind: "failed", reason: "statement page failed validation", evidence: evidenceOf(response, bodyText) }, 200);
    }
    return finish({ kind: "page", page: parsed.data }, 200);
  }

  /** Returns booked on the account since a time (src/bank/json-notifications.ts). */
  async fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>> {
    return fetchJsonNotifications(this.options, query);
  }

  private async exchange(path: string, init: RequestInit, endToEndId: string, isInquiry: boolean): Promise<BankCall<InquiryOutcome>> {
    const started = Date.now();
    const finish = (outcome: InquiryOutcome, httpStatus: number | null): BankCall<InquiryOutcome> => ({
      outcome,
      httpStatus,
      latencyMs: Date.now() - started,
    });
    let response: Response;
    try {
      response = await this.options.fetcher.fetch(this.options.baseUrl + path, {
        ...init,
        // A redirect is never followed: a 307/308 would replay the POST
        // elsewhere, and a 404 at the redirect target would read as "the bank
        // has no such transfer". Any 3xx is an unknown outcome, like a 5xx.
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return finish(classifyTransportError(error), null);
    }

    let bodyText: string;
    try {
      bodyText = await response.text();
    } catch (error) {
      // Headers arrived, so the request certainly reached the bank.
      return finish({ kind: "unknown", reason: `response body lost: ${describe(error)}` }, response.status);
    }

    if (response.status === 200 || response.status === 201) {
      const parsed = BankTransfer.safeParse(safeJson(bodyText));
      if (!parsed.success) {
        return finish(
          { kind: "unknown", reason: "bank response failed validation", evidence: evidenceOf(response, bodyText) },
          response.status,
        );
      }
      if (parsed.data.end_to_end_id !== endToEndId) {
        return finish(
          { kind: "unknown", reason: "bank answered for another end_to_end_id", evidence: evidenceOf(response, bodyText) },
          response.status,
        );
      }
      return finish({ kind: "accepted", transfer: parsed.data }, response.status);
    }
    if (isInquiry && response.status === 404) return finish({ kind: "not_found" }, 404);
    if (!isInquiry && (response.status === 400 || response.status === 422)) {
      // The status alone proves the bank refused the request; a body that
      // fails validation only costs us the bank's explanation.
      const parsed = BankError.safeParse(safeJson(bodyText));
      return finish(
        {
          kind: "refused",
          httpStatus: response.status,
          code: parsed.success ? parsed.data.code : "unspecified",
          message: parsed.success ? parsed.data.message : "the bank refused the request",
        },
        response.status,
      );
    }
    if (response.status === 401 || response.status === 403 || response.status === 429) {
      // Refused at the door (certificate not authorised, rate limit): nothing was booked.
      return finish({ kind: "not_sent", reason: `bank answered ${response.status}` }, response.status);
    }
    return finish(
      { kind: "unknown", reason: `bank answered ${response.status}`, evidence: evidenceOf(response, bodyText) },
      response.status,
    );
  }
}

/**
 * A fetch that throws never gave us a status, and in workerd it never tells
 * us whether the request left either. Measured on workerd 1.20261117
 * (test/bank-transport-errors.test.ts keeps measuring it):
 * - connection refused (nothing listening, bank door closed) and a reset
 *   AFTER the bank booked the transfer both throw
 *   `Error: Network connection lost.` with `retryable: true`; the cause
 *   ("Connection refused", "peer closed connection without close_notify")
 *   only reaches workerd's own log;
 * - a TLS handshake the bank rejects (no client certificate) throws
 *   `Error: internal error; reference = ...`;
 * - AbortSignal.timeout throws a DOMException named TimeoutError.
 * Calling any of these "not sent" would let a reset-after-booking be sent
 * again as if new, so every transport error is unknown: resolved by
 * inquiry, never by blind resubmission. (Store and forward gets its proof
 * of non-delivery elsewhere: see src/bank/bank-circuit.ts.)
 */
export function classifyTransportError(error: unknown): BankOutcome {
  const message = describe(error);
  if (isTimeout(error)) return { kind: "unknown", reason: "bank call timed out" };
  return { kind: "unknown", reason: `network error: ${message.slice(0, 200)}` };
}

function isTimeout(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const name = (error as { name?: unknown }).name;
  return name === "TimeoutError" || name === "AbortError";
}

export function evidenceOf(response: Response, bodyText: string): BankResponseEvidence {
  const headers: Record<string, string> = {};
  for (const name of EVIDENCE_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value.slice(0, 200);
  }
  return { status: response.status, headers, body_prefix: truncateUtf8(bodyText, EVIDENCE_BODY_BYTES) };
}

function truncateUtf8(value: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(value);
  if (bytes.byteLength <= maxBytes) return value;
  return new TextDecoder().decode(bytes.slice(0, maxBytes)).replace(/\uFFFD$/, "");
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
