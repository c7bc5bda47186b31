/**
 * One HTTP exchange with the bank, shared by both adapters: the fetch with
 * its timeout and no redirects, the timing, the bounded evidence kept when an
 * answer cannot be trusted, how a transport failure is classified, and the
 * shape of a transfer call and of a read, so an adapter supplies only how its
 * profile reads an answer.
 */
import { logEvent } from "../platform/log.ts";
import type { BankOutcome, BankResponseEvidence, InquiryOutcome } from "./outcome.ts";

const EVIDENCE_BODY_BYTES = 2048;
const EVIDENCE_HEADERS = ["content-type", "content-length", "date", "server", "x-request-id", "retry-after"];
const MAX_REASON_LENGTH = 200;

/** The result of one HTTP exchange, with timing, for the caller's log line. */
export interface BankCall<T> {
  outcome: T;
  httpStatus: number | null;
  latencyMs: number;
}

export interface BankTransport {
  fetcher: Fetcher;
  baseUrl: string;
  timeoutMs: number;
}

/** A read's outcome when it got no usable answer (statement and notifications outcomes both have it). */
export type ReadFailure = { kind: "failed"; reason: string; evidence?: BankResponseEvidence };

/** What came back: headers and body, headers but a lost body, or nothing (fetch threw). */
type Exchange =
  | { kind: "answered"; response: Response; bodyText: string }
  | { kind: "body-lost"; response: Response; error: unknown }
  | { kind: "failed"; error: unknown };

/**
 * A redirect is never followed: a 307/308 would replay a POST elsewhere, and
 * a 404 at the redirect target would read as "the bank has no such
 * transfer". Any 3xx is left to the caller, which treats it like a 5xx.
 */
async function exchange(transport: BankTransport, path: string, init: RequestInit): Promise<Exchange> {
  let response: Response;
  try {
    response = await transport.fetcher.fetch(transport.baseUrl + path, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
  } catch (error) {
    return { kind: "failed", error };
  }
  try {
    return { kind: "answered", response, bodyText: await response.text() };
  } catch (error) {
    return { kind: "body-lost", response, error };
  }
}

/**
 * A submission or an inquiry. Whatever the profile, a transport failure or a
 * lost body is unknown (the bank may have booked it); an answer is
 * `classify`'s to read.
 */
export function transferCall(
  transport: BankTransport,
  path: string,
  init: RequestInit,
  classify: (response: Response, bodyText: string) => InquiryOutcome,
): Promise<BankCall<InquiryOutcome>> {
  return timed<InquiryOutcome>(async () => {
    const answer = await exchange(transport, path, init);
    if (answer.kind === "failed") return { outcome: classifyTransportError(answer.error), httpStatus: null };
    if (answer.kind === "body-lost") return { outcome: classifyLostBody(answer.error), httpStatus: answer.response.status };
    const { response, bodyText } = answer;
    return { outcome: classify(response, bodyText), httpStatus: response.status };
  });
}

/**
 * A read (statement, notifications; `what` names it) changes nothing at the
 * bank: no answer, a lost body or any status but 200 is "failed", retried
 * later. `interpret` reads a 200 answer.
 */
export function readCall<O>(
  transport: BankTransport,
  path: string,
  what: string,
  interpret: (response: Response, bodyText: string) => O,
): Promise<BankCall<O | ReadFailure>> {
  return timed<O | ReadFailure>(async () => {
    const answer = await exchange(transport, path, { method: "GET" });
    if (answer.kind !== "answered") {
      const httpStatus = answer.kind === "body-lost" ? answer.response.status : null;
      return { outcome: { kind: "failed", reason: readFailureReason(what, answer.error) }, httpStatus };
    }
    const { response, bodyText } = answer;
    if (response.status !== 200) {
      const evidence = evidenceOf(response, bodyText);
      return { outcome: { kind: "failed", reason: `bank answered ${response.status}`, evidence }, httpStatus: response.status };
    }
    return { outcome: interpret(response, bodyText), httpStatus: 200 };
  });
}

/**
 * The bank_call log line of one page of a read (statement, notifications):
 * `fields` says which read and page, then the call's status, timing and
 * outcome; a failed page is a warning.
 */
export function logPageCall(call: BankCall<{ kind: "page" } | ReadFailure>, fields: Record<string, unknown>): void {
  logEvent(call.outcome.kind === "page" ? "info" : "warn", "bank_call", {
    ...fields,
    http_status: call.httpStatus,
    latency_ms: call.latencyMs,
    outcome: call.outcome.kind,
    reason: call.outcome.kind === "failed" ? call.outcome.reason : undefined,
  });
}

/** Times `work` and wraps its outcome with the HTTP status it saw. */
export async function timed<T>(work: () => Promise<{ outcome: T; httpStatus: number | null }>): Promise<BankCall<T>> {
  const started = Date.now();
  const { outcome, httpStatus } = await work();
  return { outcome, httpStatus, latencyMs: Date.now() - started };
}

/**
 * A submission or inquiry answered with a status that carries no verdict of
 * its own, in either profile: 401/403/429 were refused at the door (nothing
 * booked); anything else (3xx, 5xx, an unexpected 4xx) may have booked it.
 */
export function classifyOtherStatus(response: Response, bodyText: string): BankOutcome {
  if (response.status === 401 || response.status === 403 || response.status === 429) {
    return { kind: "not_sent", reason: `bank answered ${response.status}` };
  }
  return { kind: "unknown", reason: `bank answered ${response.status}`, evidence: evidenceOf(response, bodyText) };
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
  if (isTimeout(error)) return { kind: "unknown", reason: "bank call timed out" };
  return { kind: "unknown", reason: `network error: ${describeError(error).slice(0, MAX_REASON_LENGTH)}` };
}

/** Headers arrived, so the request certainly reached the bank; what it said is lost. */
function classifyLostBody(error: unknown): BankOutcome {
  return { kind: "unknown", reason: `response body lost: ${describeError(error)}` };
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
    if (value !== null) headers[name] = value.slice(0, MAX_REASON_LENGTH);
  }
  return { status: response.status, headers, body_prefix: truncateUtf8(bodyText, EVIDENCE_BODY_BYTES) };
}

function truncateUtf8(value: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(value);
  if (bytes.byteLength <= maxBytes) return value;
  return new TextDecoder().decode(bytes.slice(0, maxBytes)).replace(/\uFFFD$/, "");
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Why a read (statement, notifications) got no usable answer, for its "failed" outcome. */
function readFailureReason(what: string, error: unknown): string {
  return `${what} request failed: ${describeError(error).slice(0, MAX_REASON_LENGTH)}`;
}
