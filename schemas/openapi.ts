/**
 * The OpenAPI 3.1 description of the connector, generated from the Zod
 * schemas (z.toJSONSchema emits JSON Schema 2020-12, the dialect OpenAPI 3.1
 * uses). Served at GET /openapi.json and committed as schemas/openapi.json;
 * test/openapi.test.ts fails when the two drift. Regenerate with
 * `npm run openapi`.
 *
 * To document a new endpoint, add one entry to OPERATIONS; every schema it
 * names must carry a `.meta({ id })` so it becomes a named component.
 */
import { z } from "zod";
import { CONNECTOR_VERSION } from "../src/platform/version.ts";
import { ApiKey, ApiKeyCreated, ApiKeyList, UpdateMerchantRequest } from "./admin-api.ts";
import { HealthResponse } from "./health.ts";
import {
  CreateMerchantRequest,
  CreatePaymentRequest,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  Merchant,
  MerchantCreated,
  Payment,
} from "./merchant-api.ts";
import { PaymentEventList } from "./payment-events.ts";
import { ListPaymentsQuery, PaymentList } from "./payment-queries.ts";
import { PROBLEM_SLUGS, PROBLEM_TYPE_PREFIX, Problem } from "./problem.ts";
import { ReconcileRequest, ReconciliationReport } from "./reconciliation.ts";
import {
  CreateWebhookEndpointRequest,
  EventList,
  EventListQuery,
  EventWithDeliveries,
  PaymentWebhookEvent,
  ReconciliationWebhookEvent,
  RotateWebhookSecretRequest,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from "./webhooks.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Security = "merchant" | "admin" | "none";
type ResponseHeader =
  | "X-Request-Id"
  | "Location"
  | "Idempotent-Replayed"
  | "Idempotency-Key-Expires-At"
  | "WWW-Authenticate"
  | "Retry-After"
  | "Content-Disposition";

interface SuccessResponse {
  description: string;
  /** Absent for an empty body (204). */
  schema?: z.ZodType;
  headers?: ResponseHeader[];
  /** Also available as CSV (chosen with `Accept: text/csv`). */
  csv?: boolean;
}

interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "payments" | "webhooks" | "admin" | "operations";
  security: Security;
  pathParams?: Array<{ name: string; description: string; pattern: string }>;
  /** Each field of this object schema becomes a query parameter (described as input). */
  query?: z.ZodObject;
  idempotencyKey?: boolean;
  requestBody?: z.ZodType;
  /** The body may be left out (an empty POST). */
  requestBodyOptional?: boolean;
  responses: Record<number, SuccessResponse>;
  /** Error statuses this operation can answer, each with the problem types it may carry. */
  problems: Record<number, string[]>;
}

const ULID = "[0-9A-HJKMNP-TV-Z]{26}";
/** The route's schema has no id; this copy names it for the document (same shape). */
const WebhookEndpointListDoc = WebhookEndpointList.meta({ id: "WebhookEndpointList" });
const PAYMENT_ID = { name: "id", description: "Payment id (`pay_…`).", pattern: `^pay_${ULID}$` };
const MERCHANT_ID = { name: "id", description: "Merchant id (`mer_…`).", pattern: `^mer_${ULID}$` };
const WEBHOOK_ENDPOINT_ID = { name: "id", description: "Webhook endpoint id (`whe_…`).", pattern: `^whe_${ULID}$` };
const EVENT_ID = { name: "id", description: "Event id (`evt_…`).", pattern: `^evt_${ULID}$` };
const KEY_ID = { name: "keyId", description: "API key id (`key_…`).", pattern: `^key_${ULID}$` };
const BUSINESS_DATE = { name: "date", description: "UTC business day, YYYY-MM-DD.", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };

/** Problems any route can answer. */
const COMMON_PROBLEMS: Record<number, string[]> = { 500: ["internal-error"] };
const BODY_PROBLEMS: Record<number, string[]> = {
  400: ["malformed-json", "validation-error"],
  413: ["payload-too-large"],
  415: ["unsupported-media-type"],
};
const MERCHANT_AUTH_PROBLEMS: Record<number, string[]> = {
  401: ["unauthorized"],
  403: ["merchant-disabled"],
  503: ["service-unavailable"],
};
const ADMIN_AUTH_PROBLEMS: Record<number, string[]> = { 401: ["unauthorized"], 503: ["service-unavailable"] };

export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/v1/payments",
    operationId: "createPayment",
    summary: "Create a payment (idempotent)",
    description:
      "Admits the payment and sends it to the bank over mutual TLS. 201 when the bank settled or rejected it within the call, 202 while it is pending (the connector keeps asking the bank). Retrying with the same Idempotency-Key and body answers the payment as it is now, with `Idempotent-Replayed: true`; a refusal (limit exceeded) is replayed as it was.",
    tag: "payments",
    security: "merchant",
    idempotencyKey: true,
    requestBody: CreatePaymentRequest,
    responses: {
      201: {
        description: "The payment reached a final status.",
        schema: Payment,
        headers: ["Idempotent-Replayed", "Idempotency-Key-Expires-At", "Location"],
      },
      202: {
        description: "The payment is pending with the bank.",
        schema: Payment,
        headers: ["Idempotent-Replayed", "Idempotency-Key-Expires-At", "Location"],
      },
    },
    problems: {
      ...BODY_PROBLEMS,
      400: ["malformed-json", "validation-error", "idempotency-key-missing", "idempotency-key-invalid"],
      ...MERCHANT_AUTH_PROBLEMS,
      422: ["idempotency-key-reuse", "amount-limit-exceeded", "daily-limit-exceeded"],
    },
  },
  {
    method: "get",
    path: "/v1/payments/{id}",
    operationId: "getPayment",
    summary: "Read a payment",
    tag: "payments",
    security: "merchant",
    pathParams: [PAYMENT_ID],
    responses: { 200: { description: "The payment.", schema: Payment } },
    problems: { ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "get",
    path: "/v1/payments/{id}/events",
    operationId: "getPaymentEvents",
    summary: "Read a payment's hash-chained event history",
    tag: "payments",
    security: "merchant",
    pathParams: [PAYMENT_ID],
    responses: { 200: { description: "Events in order.", schema: PaymentEventList } },
    problems: { ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "get",
    path: "/v1/payments",
    operationId: "listPayments",
    summary: "List the merchant's payments, filtered, a page at a time",
    description:
      "Keyset paging on the payment id (docs/payment-queries.md). Send `next_cursor` back as `cursor` with the same filters and order.",
    tag: "payments",
    security: "merchant",
    query: ListPaymentsQuery,
    responses: { 200: { description: "One page.", schema: PaymentList } },
    problems: { 400: ["validation-error"], ...MERCHANT_AUTH_PROBLEMS },
  },
  {
    method: "post",
    path: "/v1/reconciliations",
    operationId: "reconcile",
    summary: "Reconcile one UTC business day against the bank's statement (rerunnable)",
    description:
      "Reads the bank's statement for the merchant's debtor account and that day, matches it with the connector's payments, settles pending payments the statement proves, and stores the report (docs/reconciliation.md).",
    tag: "payments",
    security: "merchant",
    requestBody: ReconcileRequest,
    responses: { 200: { description: "The report.", schema: ReconciliationReport, headers: ["Location"] } },
    problems: { ...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, 502: ["bank-unavailable"] },
  },
  {
    method: "get",
    path: "/v1/reconciliations/{date}",
    operationId: "getReconciliation",
    summary: "Read a stored reconciliation report (JSON, or CSV with Accept: text/csv)",
    tag: "payments",
    security: "merchant",
    pathParams: [BUSINESS_DATE],
    responses: { 200: { description: "The report.", schema: ReconciliationReport, csv: true, headers: ["Content-Disposition"] } },
    problems: { 400: ["validation-error"], ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "post",
    path: "/v1/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    summary: "Register a webhook endpoint (the signing secret is shown once)",
    tag: "webhooks",
    security: "merchant",
    requestBody: CreateWebhookEndpointRequest,
    responses: { 201: { description: "The endpoint with its secret.", schema: WebhookEndpointWithSecret, headers: ["Location"] } },
    problems: { ...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, 409: ["webhook-endpoint-limit"] },
  },
  {
    method: "get",
    path: "/v1/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    summary: "List the merchant's webhook endpoints (no secrets)",
    tag: "webhooks",
    security: "merchant",
    responses: { 200: { description: "All endpoints.", schema: WebhookEndpointListDoc } },
    problems: { ...MERCHANT_AUTH_PROBLEMS },
  },
  {
    method: "delete",
    path: "/v1/webhook-endpoints/{id}",
    operationId: "deleteWebhookEndpoint",
    summary: "Delete a webhook endpoint (pending deliveries to it are cancelled)",
    tag: "webhooks",
    security: "merchant",
    pathParams: [WEBHOOK_ENDPOINT_ID],
    responses: { 204: { description: "Deleted." } },
    problems: { ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "post",
    path: "/v1/webhook-endpoints/{id}/rotate-secret",
    operationId: "rotateWebhookSecret",
    summary: "Replace an endpoint's signing secret (shown once)",
    description:
      "Without a body (or with `revoke_previous: false`) the old secret keeps signing for 24 h beside the new one, and another rotation during those 24 h is refused with 409. `revoke_previous: true` drops every old secret at once (for a leaked secret).",
    tag: "webhooks",
    security: "merchant",
    pathParams: [WEBHOOK_ENDPOINT_ID],
    requestBody: RotateWebhookSecretRequest,
    requestBodyOptional: true,
    responses: { 200: { description: "The endpoint with its new secret.", schema: WebhookEndpointWithSecret } },
    problems: { ...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"], 409: ["webhook-secret-rotation-in-progress"] },
  },
  {
    method: "get",
    path: "/v1/events",
    operationId: "listEvents",
    summary: "List the merchant's webhook events with their delivery attempts",
    tag: "webhooks",
    security: "merchant",
    query: EventListQuery,
    responses: { 200: { description: "One page, oldest first.", schema: EventList } },
    problems: { 400: ["validation-error"], ...MERCHANT_AUTH_PROBLEMS },
  },
  {
    method: "post",
    path: "/v1/events/{id}/redeliver",
    operationId: "redeliverEvent",
    summary: "Deliver an event again to the endpoints subscribed to its type",
    tag: "webhooks",
    security: "merchant",
    pathParams: [EVENT_ID],
    responses: { 202: { description: "The event with its deliveries, the new ones pending.", schema: EventWithDeliveries } },
    problems: { ...MERCHANT_AUTH_PROBLEMS, 404: ["not-found"], 409: ["webhook-no-endpoint"] },
  },
  {
    method: "post",
    path: "/admin/v1/merchants",
    operationId: "createMerchant",
    summary: "Create a merchant and its first API key",
    tag: "admin",
    security: "admin",
    requestBody: CreateMerchantRequest,
    responses: { 201: { description: "The merchant; `api_key` is shown this once.", schema: MerchantCreated, headers: ["Location"] } },
    problems: { ...BODY_PROBLEMS, ...ADMIN_AUTH_PROBLEMS, 409: ["merchant-exists"] },
  },
  {
    method: "get",
    path: "/admin/v1/merchants/{id}",
    operationId: "getMerchant",
    summary: "Read a merchant",
    tag: "admin",
    security: "admin",
    pathParams: [MERCHANT_ID],
    responses: { 200: { description: "The merchant.", schema: Merchant } },
    problems: { ...ADMIN_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "patch",
    path: "/admin/v1/merchants/{id}",
    operationId: "updateMerchant",
    summary: "Disable or re-enable a merchant",
    description: "A disabled merchant's requests answer 403 merchant-disabled; its pending payments are still resolved with the bank.",
    tag: "admin",
    security: "admin",
    pathParams: [MERCHANT_ID],
    requestBody: UpdateMerchantRequest,
    responses: { 200: { description: "The merchant after the change.", schema: Merchant } },
    problems: { ...BODY_PROBLEMS, ...ADMIN_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "get",
    path: "/admin/v1/merchants/{id}/keys",
    operationId: "listApiKeys",
    summary: "List a merchant's API keys (metadata only)",
    tag: "admin",
    security: "admin",
    pathParams: [MERCHANT_ID],
    responses: { 200: { description: "Active and revoked keys, oldest first.", schema: ApiKeyList } },
    problems: { ...ADMIN_AUTH_PROBLEMS, 404: ["not-found"] },
  },
  {
    method: "post",
    path: "/admin/v1/merchants/{id}/keys",
    operationId: "createApiKey",
    summary: "Create an API key (at most two active)",
    description: "Rotation: create the new key, deploy it at the merchant, then revoke the old one. The secret is in this response only.",
    tag: "admin",
    security: "admin",
    pathParams: [MERCHANT_ID],
    responses: { 201: { description: "The new key, with its secret.", schema: ApiKeyCreated, headers: ["Location"] } },
    problems: { ...ADMIN_AUTH_PROBLEMS, 404: ["not-found"], 409: ["api-key-limit-reached"] },
  },
  {
    method: "delete",
    path: "/admin/v1/merchants/{id}/keys/{keyId}",
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description:
      "Effective immediately. Revoking a revoked key answers it unchanged. The last active key cannot be revoked (disable the merchant instead).",
    tag: "admin",
    security: "admin",
    pathParams: [MERCHANT_ID, KEY_ID],
    responses: { 200: { description: "The revoked key.", schema: ApiKey } },
    problems: { ...ADMIN_AUTH_PROBLEMS, 404: ["not-found"], 409: ["last-active-api-key"] },
  },
  {
    method: "get",
    path: "/health",
    operationId: "getHealth",
    summary: "Liveness, version and whether the bank answered its last reported call",
    tag: "operations",
    security: "none",
    responses: { 200: { description: "Always 200 while the Worker runs; see `status`.", schema: HealthResponse } },
    problems: {},
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    tag: "operations",
    security: "none",
    responses: { 200: { description: "OpenAPI 3.1 document.", schema: z.looseObject({}).meta({ id: "OpenApiDocument" }) } },
    problems: {},
  },
];

const RESPONSE_HEADERS: Record<ResponseHeader, JsonObject> = {
  "X-Request-Id": {
    description:
      "The request's id: the caller's X-Request-Id when it was 1-128 characters of [A-Za-z0-9._:-], otherwise `req_<ULID>`. Also in every problem body as `request_id`.",
    schema: { type: "string" },
  },
  Location: { description: "Path of the created or replayed resource.", schema: { type: "string" } },
  "Idempotent-Replayed": {
    description: "`true` when this answer replays an earlier request with the same Idempotency-Key.",
    schema: { type: "string", enum: ["true"] },
  },
  "Idempotency-Key-Expires-At": {
    description: "Until when a retry with this Idempotency-Key is guaranteed to replay this answer (RFC 3339).",
    schema: { type: "string", format: "date-time" },
  },
  "WWW-Authenticate": { description: '`Bearer realm="payments"` or `Bearer realm="admin"`.', schema: { type: "string" } },
  "Retry-After": { description: "Seconds to wait before retrying (502, 503).", schema: { type: "string" } },
  "Content-Disposition": { description: '`attachment; filename="reconciliation-<date>.csv"` on the CSV form.', schema: { type: "string" } },
};

export function buildOpenApiDocument(): JsonObject {
  const components = new ComponentCollector();
  const paths: Record<string, JsonObject> = {};
  for (const op of OPERATIONS) {
    const parameters: Json[] = [{ $ref: "#/components/parameters/XRequestId" }];
    for (const param of op.pathParams ?? []) {
      parameters.push({
        name: param.name,
        in: "path",
        required: true,
        description: param.description,
        schema: { type: "string", pattern: param.pattern },
      });
    }
    if (op.idempotencyKey) parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
    for (const [name, field] of Object.entries(op.query?.shape ?? {})) {
      const schema = cleanSchema(
        z.toJSONSchema(field as z.ZodType, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as unknown as Json,
      ) as JsonObject;
      const { description, ...rest } = schema;
      const optional = (field as z.ZodType).safeParse(undefined).success;
      parameters.push({ name, in: "query", required: !optional, ...(description ? { description } : {}), schema: rest });
    }

    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(op.responses)) {
      const headers: JsonObject = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };
      for (const name of response.headers ?? []) headers[name] = { $ref: `#/components/headers/${name}` };
      if (!response.schema) {
        responses[status] = { description: response.description, headers };
        continue;
      }
      const content: JsonObject = { "application/json": { schema: components.ref(response.schema, "output") } };
      if (response.csv) content["text/csv"] = { schema: { type: "string", description: "The same report, one row per item." } };
      responses[status] = { description: response.description, headers, content };
    }
    for (const [status, slugs] of Object.entries({ ...op.problems, ...COMMON_PROBLEMS })) {
      const headers: JsonObject = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };
      if (status === "401") headers["WWW-Authenticate"] = { $ref: "#/components/headers/WWW-Authenticate" };
      if (status === "503" || status === "502") headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" };
      responses[status] = {
        description: `Problem details; \`type\` is one of: ${slugs.map((slug) => `\`${PROBLEM_TYPE_PREFIX}${slug}\``).join(", ")}.`,
        headers,
        content: { "application/problem+json": { schema: components.ref(Problem, "output") } },
      };
    }

    const operation: JsonObject = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      security: op.security === "none" ? [] : [{ [op.security === "admin" ? "adminToken" : "merchantApiKey"]: [] }],
      parameters,
      ...(op.requestBody
        ? {
            requestBody: {
              required: !op.requestBodyOptional,
              content: { "application/json": { schema: components.ref(op.requestBody, "input") } },
            },
          }
        : {}),
      responses,
    };
    paths[op.path] = { ...(paths[op.path] ?? {}), [op.method]: operation };
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "mTLS payment connector",
      version: CONNECTOR_VERSION,
      description:
        "Sends merchants' payments to a bank over mutual TLS, idempotently. Errors are RFC 9457 problem details; `type` values are stable. docs/api.md is the prose companion of this document.",
    },
    tags: [
      { name: "payments", description: "Merchant API (Bearer `mck_…` key)." },
      { name: "webhooks", description: "Webhook endpoints and the event log (Bearer `mck_…` key; docs/webhooks.md)." },
      { name: "admin", description: "Operator API (Bearer ADMIN_TOKEN; put it behind Cloudflare Access in production)." },
      { name: "operations", description: "Unauthenticated health and description endpoints." },
    ],
    paths,
    webhooks: webhookDescriptions(components),
    components: {
      schemas: components.schemas(),
      parameters: {
        XRequestId: {
          name: "X-Request-Id",
          in: "header",
          required: false,
          description: "Your correlation id; echoed when it is 1-128 characters of [A-Za-z0-9._:-], replaced by `req_<ULID>` otherwise.",
          schema: { type: "string", maxLength: 128, pattern: "^[A-Za-z0-9._:-]{1,128}$" },
        },
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: true,
          description: `A key you choose per payment (1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters; a quoted structured-field string is accepted). Same key + same body = same payment; same key + different body = 422 idempotency-key-reuse.`,
          schema: { type: "string", minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH + 2 },
        },
      },
      headers: RESPONSE_HEADERS,
      securitySchemes: {
        merchantApiKey: {
          type: "http",
          scheme: "bearer",
          description: "Merchant API key `mck_<merchant ULID>_<43 base64url characters>`.",
        },
        adminToken: { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret." },
      },
    },
    "x-problem-types": PROBLEM_SLUGS.map((slug) => PROBLEM_TYPE_PREFIX + slug),
  };
}

/** OpenAPI 3.1 `webhooks`: what the connector POSTs to a merchant's endpoints (docs/webhooks.md). */
function webhookDescriptions(components: ComponentCollector): JsonObject {
  // Standard Webhooks (https://www.standardwebhooks.com/): any of its libraries verifies a delivery.
  const header = (name: string, description: string) => ({ name, in: "header", required: true, description, schema: { type: "string" } });
  const signatureHeaders = [
    header("webhook-id", "The event id; the same on every retry and redelivery. De-duplicate on it."),
    header("webhook-timestamp", "When this attempt was signed, in Unix seconds; refuse values more than 5 minutes from your clock."),
    header(
      "webhook-signature",
      '`v1,<base64 HMAC-SHA256(key, webhook-id + "." + webhook-timestamp + "." + raw body)>`, the key being the base64-decoded part of the `whsec_` secret; two space-separated values during a secret rotation. Verify before parsing.',
    ),
  ];
  const post = (summary: string, schema: z.ZodType): JsonObject => ({
    post: {
      summary,
      tags: ["webhooks"],
      parameters: signatureHeaders,
      requestBody: { required: true, content: { "application/json": { schema: components.ref(schema, "output") } } },
      responses: {
        "2XX": { description: "Received. Anything else (or no answer within the timeout) is retried for more than 24 h." },
      },
    },
  });
  return {
    paymentEvent: post("payment.pending / payment.succeeded / payment.failed: a payment's status changed", PaymentWebhookEvent),
    reconciliationCompleted: post("reconciliation.completed: a reconciliation run stored its report", ReconciliationWebhookEvent),
  };
}

/**
 * Turns Zod schemas into named components. Request bodies are described as
 * the schema's input (what a client may send: an IBAN with spaces), responses
 * as its output. A component needed in both directions must look the same
 * both ways, or generation fails rather than describe one of them wrongly.
 */
class ComponentCollector {
  private readonly byDirection = {
    input: z.toJSONSchema(z.globalRegistry, { target: "draft-2020-12", io: "input", unrepresentable: "any", uri: componentUri }).schemas,
    output: z.toJSONSchema(z.globalRegistry, { target: "draft-2020-12", io: "output", unrepresentable: "any", uri: componentUri }).schemas,
  };
  private readonly collected = new Map<string, { direction: "input" | "output"; schema: JsonObject }>();

  ref(schema: z.ZodType, direction: "input" | "output"): JsonObject {
    const id = z.globalRegistry.get(schema)?.id;
    if (!id) throw new Error("every schema in OPERATIONS needs .meta({ id })");
    this.collect(id, direction);
    return { $ref: componentUri(id) };
  }

  schemas(): JsonObject {
    return Object.fromEntries(
      [...this.collected.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, entry]) => [id, entry.schema]),
    );
  }

  private collect(id: string, direction: "input" | "output"): void {
    const raw = this.byDirection[direction][id];
    if (!raw) throw new Error(`no JSON Schema for component ${id}`);
    const schema = cleanSchema(raw as unknown as Json) as JsonObject;
    const existing = this.collected.get(id);
    if (existing) {
      if (JSON.stringify(existing.schema) !== JSON.stringify(schema)) {
        throw new Error(`component ${id} differs between ${existing.direction} and ${direction}; give the two forms different ids`);
      }
      return;
    }
    this.collected.set(id, { direction, schema });
    for (const ref of refsIn(schema)) this.collect(ref, direction);
  }
}

function componentUri(id: string): string {
  return `#/components/schemas/${id}`;
}

/** Drops per-schema `$schema`/`$id` (the document sets the dialect) and turns deprecated `example` into `examples`. */
function cleanSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(cleanSchema);
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$schema" || key === "$id") continue;
    if (key === "example") out["examples"] = [item];
    else out[key] = cleanSchema(item);
  }
  return out;
}

function refsIn(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" && item.startsWith("#/components/schemas/")
      ? [item.slice("#/components/schemas/".length)]
      : refsIn(item),
  );
}
