/**
 * The webhook contract: how merchants register endpoints, what each
 * notification carries, and how the event log with its delivery attempts is
 * listed. docs/webhooks.md describes the same shapes for humans.
 */
import { z } from "zod";
import { pageLimit, prefixedId, Timestamp } from "./common.ts";
import { wholeListFields } from "./list-page.ts";
import { Payment } from "./merchant-api.ts";
import { BusinessDate, ReconciliationSummary } from "./reconciliation.ts";

/**
 * One per payment status change, and `payment.bank_contradiction` when the
 * bank settled a payment it was reported failed for (the status stays
 * `failed`; `data.payment.discrepancy` says what the bank reports).
 */
export const PAYMENT_EVENT_TYPES = [
  "payment.pending",
  "payment.succeeded",
  "payment.failed",
  "payment.returned",
  "payment.canceled",
  "payment.bank_contradiction",
] as const;
/**
 * Every event type a merchant can subscribe to. Receivers must accept (2xx)
 * types they do not know: endpoints registered without `events` get new
 * types as they are added (docs/webhooks.md).
 */
export const WEBHOOK_EVENT_TYPES = [...PAYMENT_EVENT_TYPES, "reconciliation.completed"] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: "WebhookEventType" });
export type WebhookEventType = z.infer<typeof WebhookEventType>;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** Endpoints per merchant: each status change writes one delivery row per subscribed endpoint. */
export const MAX_WEBHOOK_ENDPOINTS = 16;

export const WebhookEndpointId = prefixedId("whe", "Webhook endpoint");
export const EventId = prefixedId("evt", "Event");

const IPV4_LITERAL = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Only decimal or hex labels (e.g. "0x7f.1" left after stripping dots): an address in another notation, not a name. */
const NUMERIC_LABELS = /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+))*$/i;

/**
 * Why a URL cannot receive webhooks, or undefined when it can. Only https
 * (the signature authenticates the sender; TLS keeps the payment data
 * private), no credentials in the URL (they would be stored and shown in
 * listings), and a DNS name rather than an IP literal or localhost, which
 * would point the connector at its own infrastructure. A DNS name that
 * resolves to a private address is not caught here (resolving at
 * registration proves nothing about delivery time); in production a
 * Worker's fetch() cannot reach private networks anyway (docs/security.md).
 */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:") return "must use https";
  if (url.username !== "" || url.password !== "") return "must not contain credentials";
  if (url.hash !== "") return "must not contain a fragment";
  // "localhost." and "a.localhost." are the same hosts as without the dot
  // (a fully qualified name's root label), so compare without trailing dots.
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "") return "must name a host";
  if (host === "localhost" || host.endsWith(".localhost")) return "must not point at localhost";
  if (IPV4_LITERAL.test(host) || host.startsWith("[") || NUMERIC_LABELS.test(host)) return "must use a DNS name, not an IP address";
  if (!host.includes(".")) return "must use a fully qualified host name";
  return undefined;
}

export const WebhookEndpointUrl = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH, { error: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` })
  .superRefine((value, ctx) => {
    const reason = webhookUrlProblem(value);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  })
  .meta({ description: "Where notifications are POSTed; https only.", example: "https://shop.example/hooks/payments" });

export const CreateWebhookEndpointRequest = z
  .strictObject({
    url: WebhookEndpointUrl,
    events: z
      .array(WebhookEventType)
      .min(1, { error: "must name at least one event type (omit it to receive all)" })
      .refine((types) => new Set(types).size === types.length, { error: "must not repeat an event type" })
      .optional()
      .meta({ description: "Event types to receive; all of them when omitted." }),
  })
  .meta({ id: "CreateWebhookEndpointRequest" });
export type CreateWebhookEndpointRequest = z.output<typeof CreateWebhookEndpointRequest>;

export const RotateWebhookSecretRequest = z
  .strictObject({
    revoke_previous: z.boolean().default(false).meta({
      description:
        "true: the current secret (and any older one still in its grace period) stops signing at once, for a leaked secret. false (default): it keeps signing for 24 h beside the new one.",
    }),
  })
  .meta({ id: "RotateWebhookSecretRequest" });
export type RotateWebhookSecretRequest = z.output<typeof RotateWebhookSecretRequest>;

export const WebhookEndpoint = z
  .object({
    id: WebhookEndpointId,
    url: z.string(),
    events: z.array(WebhookEventType),
    created_at: Timestamp,
    secret_rotated_at: Timestamp.nullable(),
  })
  .meta({ id: "WebhookEndpoint" });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().meta({
    description: "Signing secret (`whsec_...`). Shown only when created or rotated; the connector keeps it to sign.",
  }),
}).meta({ id: "WebhookEndpointWithSecret" });
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookEndpointList = z.object(wholeListFields(WebhookEndpoint)).meta({ id: "WebhookEndpointList" });
export type WebhookEndpointList = z.infer<typeof WebhookEndpointList>;

/** A payment event's body as POSTed, byte for byte the same on every attempt and redelivery. */
export const PaymentWebhookEvent = z
  .object({
    id: EventId.meta({ description: "Unique per status change; de-duplicate on it." }),
    type: z.enum(PAYMENT_EVENT_TYPES),
    created_at: Timestamp,
    data: z.object({ payment: Payment.meta({ description: "The payment as it stood right after the change." }) }),
  })
  .meta({ id: "PaymentWebhookEvent" });
export type PaymentWebhookEvent = z.infer<typeof PaymentWebhookEvent>;

/** A reconciliation run's outcome without its items (a day can have thousands): fetch `report_url` for those. */
export const ReconciliationCompletion = z
  .object({
    date: BusinessDate,
    generated_at: Timestamp,
    statement_pages: z.number().int(),
    summary: ReconciliationSummary,
    report_url: z.string().meta({
      description: "Path of the stored report (JSON, or CSV with `Accept: text/csv`).",
      example: "/v1/reconciliations/2026-11-23",
    }),
  })
  .meta({ id: "ReconciliationCompletion" });
export type ReconciliationCompletion = z.infer<typeof ReconciliationCompletion>;

/** Sent after every reconciliation run that stored a report (merchant-requested or the daily cron). */
export const ReconciliationWebhookEvent = z
  .object({
    id: EventId.meta({ description: "Unique per run; de-duplicate on it." }),
    type: z.literal("reconciliation.completed"),
    created_at: Timestamp,
    data: z.object({ reconciliation: ReconciliationCompletion }),
  })
  .meta({ id: "ReconciliationWebhookEvent" });
export type ReconciliationWebhookEvent = z.infer<typeof ReconciliationWebhookEvent>;

/** Any body POSTed to an endpoint; branch on `type`. */
export const WebhookEvent = z.discriminatedUnion("type", [PaymentWebhookEvent, ReconciliationWebhookEvent]).meta({ id: "WebhookEvent" });
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WebhookDeliveryState = z.enum(["pending", "delivered", "failed", "canceled"]).meta({ id: "WebhookDeliveryState" });
export type WebhookDeliveryState = z.infer<typeof WebhookDeliveryState>;

export const WebhookDeliveryAttempt = z.object({
  attempt: z.number().int().positive(),
  at: Timestamp,
  status: z
    .number()
    .int()
    .nullable()
    .meta({ description: "HTTP status the endpoint answered; null when none came (timeout, network error)." }),
  error: z.string().nullable(),
  duration_ms: z.number().int().nonnegative(),
});
export type WebhookDeliveryAttempt = z.infer<typeof WebhookDeliveryAttempt>;

export const WebhookDelivery = z
  .object({
    id: z.string(),
    endpoint_id: WebhookEndpointId,
    state: WebhookDeliveryState,
    redelivery: z.boolean().meta({ description: "True when made by POST /v1/events/{id}/redeliver." }),
    next_attempt_at: Timestamp.nullable().meta({
      description: "When the next attempt is due; null when finished or waiting for an earlier event of the same payment.",
    }),
    attempts: z.array(WebhookDeliveryAttempt),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

const Deliveries = { deliveries: z.array(WebhookDelivery) };
export const EventWithDeliveries = z
  .discriminatedUnion("type", [PaymentWebhookEvent.extend(Deliveries), ReconciliationWebhookEvent.extend(Deliveries)])
  .meta({ id: "EventWithDeliveries" });
export type EventWithDeliveries = z.infer<typeof EventWithDeliveries>;

export const EventList = z
  .object({
    data: z.array(EventWithDeliveries),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` to read the events after this page; null when no event exists yet." }),
    has_more: z.boolean(),
  })
  .meta({ id: "EventList" });
export type EventList = z.infer<typeof EventList>;

export const MAX_EVENTS_PAGE = 100;
export const DEFAULT_EVENTS_PAGE = 25;

export const EventListQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, { error: "must be a next_cursor value from an earlier page" })
    .optional(),
  limit: pageLimit(MAX_EVENTS_PAGE, DEFAULT_EVENTS_PAGE),
});
