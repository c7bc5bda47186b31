/**
 * Webhook endpoints and the event log, authenticated with the merchant's API
 * key like /v1/payments. Writes here are not payments: no Idempotency-Key;
 * they are not retried against the object either (a retried create could
 * register an endpoint twice).
 */
import { WHOLE_LIST } from "../../../schemas/list-page.ts";
import { CreateWebhookEndpointRequestAllowingLoopback } from "../../../schemas/loopback-webhooks.ts";
import {
  CreateWebhookEndpointRequest,
  EventId,
  EventList,
  EventListQuery,
  EventWithDeliveries,
  RotateWebhookSecretRequest,
  WebhookEndpointId,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from "../../../schemas/webhooks.ts";
import { loadConfig } from "../../platform/config.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "../../webhooks/replies.ts";
import { readJsonBody } from "../http/json-body.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { BODY_PROBLEMS, MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const createWebhookEndpoint = defineRoute(
  {
    method: "post",
    path: "/v1/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    summary: "Register a webhook endpoint (the signing secret is shown once)",
    tag: "webhooks",
    security: "merchant",
    requestBody: CreateWebhookEndpointRequest,
    responses: { 201: { description: "The endpoint with its secret.", schema: WebhookEndpointWithSecret, headers: ["Location"] } },
    problems: [...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, "webhook-endpoint-limit"],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    // npm start also accepts http://127.0.0.1:<port> and http://localhost:<port> (schemas/loopback-webhooks.ts).
    const schema = loadConfig(c.env).ALLOW_LOOPBACK_WEBHOOKS ? CreateWebhookEndpointRequestAllowingLoopback : CreateWebhookEndpointRequest;
    const request = validateOrThrow(schema, await readJsonBody(c.req.raw), "webhook endpoint");
    const reply = await callMerchant<WebhookEndpointReply>(c.env, merchantId, (stub) => stub.createWebhookEndpoint(auth, request), {
      safeToRetry: false,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.endpoint, 201, { location: `/v1/webhook-endpoints/${reply.endpoint.id}`, "cache-control": "no-store" });
  },
);

const listWebhookEndpoints = defineRoute(
  {
    method: "get",
    path: "/v1/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    summary: "List the merchant's webhook endpoints (no secrets)",
    tag: "webhooks",
    security: "merchant",
    responses: { 200: { description: "All endpoints.", schema: WebhookEndpointList } },
    problems: [...MERCHANT_AUTH_PROBLEMS],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const reply = await callMerchant<WebhookEndpointListReply>(c.env, merchantId, (stub) => stub.listWebhookEndpoints(auth), {
      safeToRetry: true,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    const body: WebhookEndpointList = { data: reply.endpoints, ...WHOLE_LIST };
    return c.json(body, 200);
  },
);

const deleteWebhookEndpoint = defineRoute(
  {
    method: "delete",
    path: "/v1/webhook-endpoints/{id}",
    operationId: "deleteWebhookEndpoint",
    summary: "Delete a webhook endpoint (pending deliveries to it are canceled)",
    tag: "webhooks",
    security: "merchant",
    pathParams: { id: WebhookEndpointId },
    responses: { 204: { description: "Deleted." } },
    problems: [...MERCHANT_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: endpointId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    // Deleting twice ends the same way: safe to retry.
    const reply = await callMerchant<DeleteWebhookEndpointReply>(
      c.env,
      merchantId,
      (stub) => stub.deleteWebhookEndpoint(auth, endpointId),
      {
        safeToRetry: true,
      },
    );
    if (!reply.ok) return refusalResponse(c, reply);
    return c.body(null, 204);
  },
);

const rotateWebhookSecret = defineRoute(
  {
    method: "post",
    path: "/v1/webhook-endpoints/{id}/rotate-secret",
    operationId: "rotateWebhookSecret",
    summary: "Replace an endpoint's signing secret (shown once)",
    description:
      "Without a body (or with `revoke_previous: false`) the old secret keeps signing for 24 h beside the new one, and another rotation during those 24 h is refused with 409. `revoke_previous: true` drops every old secret at once (for a leaked secret).",
    tag: "webhooks",
    security: "merchant",
    pathParams: { id: WebhookEndpointId },
    requestBody: RotateWebhookSecretRequest,
    requestBodyOptional: true,
    responses: { 200: { description: "The endpoint with its new secret.", schema: WebhookEndpointWithSecret } },
    problems: [...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, "not-found", "webhook-secret-rotation-in-progress"],
  },
  async (c, { id: endpointId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    // The body is optional: an empty POST is a planned rotation.
    const body = await readJsonBody(c.req.raw, { optional: true });
    const request = validateOrThrow(RotateWebhookSecretRequest, body === undefined ? {} : body, "rotation request");
    const reply = await callMerchant<WebhookEndpointReply>(
      c.env,
      merchantId,
      (stub) => stub.rotateWebhookSecret(auth, endpointId, request.revoke_previous),
      {
        safeToRetry: false,
      },
    );
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.endpoint, 200, { "cache-control": "no-store" });
  },
);

const listEvents = defineRoute(
  {
    method: "get",
    path: "/v1/events",
    operationId: "listEvents",
    summary: "List the merchant's webhook events with their delivery attempts",
    tag: "webhooks",
    security: "merchant",
    query: EventListQuery,
    responses: { 200: { description: "One page, oldest first.", schema: EventList } },
    problems: ["validation-error", ...MERCHANT_AUTH_PROBLEMS],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const query = validateQueryOrThrow(EventListQuery, c.req.url);
    const afterSeq = query.cursor === undefined ? 0 : Number(query.cursor);
    const reply = await callMerchant<EventListReply>(c.env, merchantId, (stub) => stub.listEvents(auth, afterSeq, query.limit), {
      safeToRetry: true,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.list, 200);
  },
);

const redeliverEvent = defineRoute(
  {
    method: "post",
    path: "/v1/events/{id}/redeliver",
    operationId: "redeliverEvent",
    summary: "Deliver an event again to the endpoints subscribed to its type",
    tag: "webhooks",
    security: "merchant",
    pathParams: { id: EventId },
    responses: { 202: { description: "The event with its deliveries, the new ones pending.", schema: EventWithDeliveries } },
    problems: [...MERCHANT_AUTH_PROBLEMS, "not-found", "webhook-no-endpoint"],
  },
  async (c, { id: eventId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const reply = await callMerchant<RedeliverReply>(c.env, merchantId, (stub) => stub.redeliverEvent(auth, eventId), {
      safeToRetry: false,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.event, 202);
  },
);

export const webhookRoutes = [
  createWebhookEndpoint,
  listWebhookEndpoints,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
  listEvents,
  redeliverEvent,
];
