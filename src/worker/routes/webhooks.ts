/**
 * Webhook endpoints and the event log, authenticated with the merchant's API
 * key like /v1/payments. Writes here are not payments: no Idempotency-Key;
 * they are not retried against the object either (a retried create could
 * register an endpoint twice).
 */
import { Hono } from "hono";
import { CreateWebhookEndpointRequestAllowingLoopback } from "../../../schemas/loopback-webhooks.ts";
import {
  CreateWebhookEndpointRequest,
  EventId,
  EventListQuery,
  RotateWebhookSecretRequest,
  WebhookEndpointId,
} from "../../../schemas/webhooks.ts";
import { loadConfig } from "../../platform/config.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "../../webhooks/replies.ts";
import type { AppContext, AppEnv } from "../http/context.ts";
import { readJsonBody } from "../http/json-body.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";

export const webhookRoutes = new Hono<AppEnv>();

webhookRoutes.post("/v1/webhook-endpoints", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  // npm start also accepts http://127.0.0.1:<port> and http://localhost:<port> (schemas/loopback-webhooks.ts).
  const schema = loadConfig(c.env).ALLOW_LOOPBACK_WEBHOOKS ? CreateWebhookEndpointRequestAllowingLoopback : CreateWebhookEndpointRequest;
  const request = validateOrThrow(schema, await readJsonBody(c.req.raw), "webhook endpoint");
  const reply = await callMerchant<WebhookEndpointReply>(c.env, merchantId, (stub) => stub.createWebhookEndpoint(auth, request), {
    safeToRetry: false,
  });
  if (!reply.ok) return refusalResponse(c, reply);
  return c.json(reply.endpoint, 201, { location: `/v1/webhook-endpoints/${reply.endpoint.id}`, "cache-control": "no-store" });
});

webhookRoutes.get("/v1/webhook-endpoints", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const reply = await callMerchant<WebhookEndpointListReply>(c.env, merchantId, (stub) => stub.listWebhookEndpoints(auth), {
    safeToRetry: true,
  });
  if (!reply.ok) return refusalResponse(c, reply);
  return c.json({ data: reply.endpoints }, 200);
});

webhookRoutes.delete("/v1/webhook-endpoints/:id", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const endpointId = endpointIdParam(c);
  // Deleting twice ends the same way: safe to retry.
  const reply = await callMerchant<DeleteWebhookEndpointReply>(c.env, merchantId, (stub) => stub.deleteWebhookEndpoint(auth, endpointId), {
    safeToRetry: true,
  });
  if (!reply.ok) return refusalResponse(c, reply);
  return c.body(null, 204);
});

webhookRoutes.post("/v1/webhook-endpoints/:id/rotate-secret", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const endpointId = endpointIdParam(c);
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
});

webhookRoutes.get("/v1/events", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const query = validateQueryOrThrow(EventListQuery, c.req.url);
  const afterSeq = query.cursor === undefined ? 0 : Number(query.cursor);
  const reply = await callMerchant<EventListReply>(c.env, merchantId, (stub) => stub.listEvents(auth, afterSeq, query.limit), {
    safeToRetry: true,
  });
  if (!reply.ok) return refusalResponse(c, reply);
  return c.json(reply.list, 200);
});

webhookRoutes.post("/v1/events/:id/redeliver", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const eventId = c.req.param("id") ?? "";
  if (!EventId.safeParse(eventId).success) throw new ProblemError(problem("not-found", "No event with this id exists for this merchant."));
  const reply = await callMerchant<RedeliverReply>(c.env, merchantId, (stub) => stub.redeliverEvent(auth, eventId), { safeToRetry: false });
  if (!reply.ok) return refusalResponse(c, reply);
  return c.json(reply.event, 202);
});

/** A malformed id cannot name any endpoint: 404, as for another merchant's id. */
function endpointIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!WebhookEndpointId.safeParse(id).success) {
    throw new ProblemError(problem("not-found", "No webhook endpoint with this id exists for this merchant."));
  }
  return id;
}
