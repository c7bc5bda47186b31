/** The parts of the OpenAPI document that no single operation owns: header descriptions, shared parameters, security schemes, tags. */
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../../../schemas/merchant-api.ts";
import type { OperationTag, ResponseHeader, Security } from "./operation.ts";
import type { JsonObject } from "./schema-components.ts";

export const RESPONSE_HEADERS: Record<ResponseHeader, JsonObject> = {
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

/** Request headers more than one operation takes, referenced as `#/components/parameters/<key>`. */
export const SHARED_PARAMETERS = {
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
    // Two more for the quotes of the structured-field form.
    schema: { type: "string", minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH + 2 },
  },
} satisfies Record<string, JsonObject>;

/** The security scheme each kind of caller presents; "none" has none. */
export const SECURITY_SCHEME_OF: Record<Exclude<Security, "none">, string> = { merchant: "merchantApiKey", admin: "adminToken" };

export const SECURITY_SCHEMES: JsonObject = {
  merchantApiKey: {
    type: "http",
    scheme: "bearer",
    description: "Merchant API key `mck_<merchant ULID>_<43 base64url characters>`.",
  },
  adminToken: { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret." },
  webhookSignature: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "For webhooks the connector sends: not a key but the Standard Webhooks signature of each delivery, which your endpoint verifies with the endpoint's `whsec_` secret (docs/webhooks.md).",
  },
};

/** Where the connector answers: `npm start` locally, and the production custom domain (a placeholder to fill in). */
export const SERVERS: JsonObject[] = [
  { url: "http://127.0.0.1:8787", description: "Local stack (`npm start`; PORT changes the port)." },
  {
    url: "https://{host}",
    description: "Production: the Worker's custom domain behind Cloudflare Access (docs/operations.md).",
    variables: { host: { default: "payments.connector.example", description: "Your custom domain." } },
  },
];

export const TAGS: Array<{ name: OperationTag; description: string }> = [
  { name: "payments", description: "Merchant API (Bearer `mck_…` key)." },
  { name: "webhooks", description: "Webhook endpoints and the event log (Bearer `mck_…` key; docs/webhooks.md)." },
  { name: "admin", description: "Operator API (Bearer ADMIN_TOKEN; put it behind Cloudflare Access in production)." },
  { name: "operations", description: "Unauthenticated health and description endpoints." },
];
