/** What the merchant object answers over RPC for webhook operations. */
import type { EventList, EventWithDeliveries, WebhookEndpoint, WebhookEndpointWithSecret } from "../../schemas/webhooks.ts";
import type { Refusal } from "../platform/refusal.ts";

export type WebhookEndpointReply = { ok: true; endpoint: WebhookEndpointWithSecret } | Refusal;
export type WebhookEndpointListReply = { ok: true; endpoints: WebhookEndpoint[] } | Refusal;
export type DeleteWebhookEndpointReply = { ok: true } | Refusal;
export type EventListReply = { ok: true; list: EventList } | Refusal;
export type RedeliverReply = { ok: true; event: EventWithDeliveries } | Refusal;
