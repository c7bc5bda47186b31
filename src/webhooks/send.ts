/**
 * One webhook HTTP attempt: POST the stored body, signed (Standard Webhooks
 * headers; the event id is `webhook-id`), with a timeout.
 * It knows nothing of storage or schedules; the outbox decides what an
 * answer means for the delivery.
 */
import { withoutControlCharacters } from "../platform/text.ts";
import { signWebhook, type WebhookSignatureHeaders } from "./sign.ts";

/** Longest error text kept per attempt (it is shown to the merchant in GET /v1/events). */
const MAX_ERROR_LENGTH = 200;
export const WEBHOOK_USER_AGENT = "payment-connector-webhooks/1";

export interface WebhookRequest {
  url: string;
  body: string;
  eventId: string;
  eventType: string;
  attempt: number;
  /** Current secret first; the previous one too while a rotation's grace period lasts. */
  secrets: string[];
}

export interface WebhookAttemptResult {
  /** HTTP status, or null when no answer came (timeout, DNS, TLS, connection). */
  status: number | null;
  error: string | null;
  delivered: boolean;
  durationMs: number;
}

/** Plain fetch in production; tests inject a service binding that routes to a local receiver. */
export type WebhookFetch = (request: Request) => Promise<Response>;

export async function sendWebhook(fetchWebhook: WebhookFetch, request: WebhookRequest, timeoutMs: number): Promise<WebhookAttemptResult> {
  const started = Date.now();
  const finish = (status: number | null, error: string | null): WebhookAttemptResult => ({
    status,
    error: error === null ? null : error.slice(0, MAX_ERROR_LENGTH),
    delivered: status !== null && status >= 200 && status <= 299,
    durationMs: Date.now() - started,
  });
  let signed: WebhookSignatureHeaders;
  try {
    signed = signWebhook(request.secrets, request.eventId, request.body, Math.floor(started / 1000));
  } catch (error) {
    // A secret the library cannot decode fails this attempt (retried, visible in GET /v1/events), not the whole round.
    return finish(null, `could not sign the delivery: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const response = await fetchWebhook(
      new Request(request.url, {
        method: "POST",
        // A redirect is not followed: the merchant registered this URL, and a
        // 3xx would send signed payment data somewhere it did not name.
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          "content-type": "application/json",
          "user-agent": WEBHOOK_USER_AGENT,
          ...signed,
          "connector-event-type": request.eventType,
          "connector-delivery-attempt": String(request.attempt),
        },
        body: request.body,
      }),
    );
    // The answer's body is irrelevant; cancel it so the connection is freed.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status <= 299;
    return finish(response.status, ok ? null : `endpoint answered HTTP ${response.status}`);
  } catch (error) {
    return finish(null, describeFetchError(error, timeoutMs));
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  return withoutControlCharacters(`request failed: ${error instanceof Error ? error.message : String(error)}`);
}
