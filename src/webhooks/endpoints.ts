/**
 * A merchant's webhook endpoints (the webhook_endpoints table). Synchronous
 * SQL only: callers run these inside the object's single-threaded turns.
 *
 * Unlike API keys, the signing secret is stored as is, because the connector
 * must compute an HMAC with it on every delivery. It never leaves the object
 * except in the answers to create and rotate, and is blanked on delete.
 */
import { ulid } from "ulid";
import {
  type CreateWebhookEndpointRequest,
  MAX_WEBHOOK_ENDPOINTS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEventType,
} from "../../schemas/webhooks.ts";
import { generateWebhookSecret } from "./sign.ts";

/** After a rotation, the old secret also signs for this long, so receivers can switch without losing events. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

export type WebhookEndpointRow = {
  id: string;
  url: string;
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  secret_rotated_at: number | null;
  deleted_at: number | null;
};

/**
 * Stored in `events` for an endpoint registered without a list: it receives
 * every type, including types added after it was registered. A stored list
 * is the merchant's explicit choice and never grows by itself.
 */
export const ALL_EVENT_TYPES = "*";

/** The event types an endpoint receives now. */
export function subscribedTypes(row: Pick<WebhookEndpointRow, "events">): readonly WebhookEventType[] {
  return row.events === ALL_EVENT_TYPES ? WEBHOOK_EVENT_TYPES : (JSON.parse(row.events) as WebhookEventType[]);
}

export function endpointFromRow(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: [...subscribedTypes(row)],
    created_at: new Date(row.created_at).toISOString(),
    secret_rotated_at: row.secret_rotated_at === null ? null : new Date(row.secret_rotated_at).toISOString(),
  };
}

/** The secrets that sign a delivery made at `now`: the current one first. */
export function signingSecrets(
  row: Pick<WebhookEndpointRow, "secret" | "previous_secret" | "previous_secret_expires_at">,
  now: number,
): string[] {
  const secrets = [row.secret];
  if (row.previous_secret && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now) {
    secrets.push(row.previous_secret);
  }
  return secrets;
}

export function activeEndpoints(sql: SqlStorage): WebhookEndpointRow[] {
  return sql.exec<WebhookEndpointRow>(`SELECT * FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id`).toArray();
}

function activeEndpoint(sql: SqlStorage, endpointId: string): WebhookEndpointRow | undefined {
  return sql.exec<WebhookEndpointRow>(`SELECT * FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL`, endpointId).toArray()[0];
}

export type CreateEndpointResult = { ok: true; endpoint: WebhookEndpointWithSecret } | { ok: false; reason: "limit" };

export function createEndpoint(sql: SqlStorage, request: CreateWebhookEndpointRequest, now: number): CreateEndpointResult {
  if (activeEndpoints(sql).length >= MAX_WEBHOOK_ENDPOINTS) return { ok: false, reason: "limit" };
  const id = `whe_${ulid(now)}`;
  const secret = generateWebhookSecret();
  const events = request.events ? JSON.stringify(request.events) : ALL_EVENT_TYPES;
  sql.exec(
    `INSERT INTO webhook_endpoints (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
    id,
    request.url,
    events,
    secret,
    now,
  );
  return { ok: true, endpoint: { ...endpointFromRow(activeEndpoint(sql, id) as WebhookEndpointRow), secret } };
}

export type RotateSecretResult =
  | { ok: true; endpoint: WebhookEndpointWithSecret }
  | { ok: false; reason: "not-found" }
  | { ok: false; reason: "rotation-in-progress"; previousSecretExpiresAt: number };

/**
 * A planned rotation keeps the current secret signing for a grace period. A
 * second planned rotation during it is refused: it would have to drop one of
 * the two secrets a receiver may still rely on (the original, or the one
 * issued an hour ago). `revokePrevious` (a leaked secret) drops every old
 * secret at once, grace period or not; the merchant accepts that receivers
 * still on an old secret refuse deliveries until updated (they are retried).
 */
export function rotateEndpointSecret(sql: SqlStorage, endpointId: string, now: number, revokePrevious: boolean): RotateSecretResult {
  const row = activeEndpoint(sql, endpointId);
  if (!row) return { ok: false, reason: "not-found" };
  if (!revokePrevious && row.previous_secret && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now) {
    return { ok: false, reason: "rotation-in-progress", previousSecretExpiresAt: row.previous_secret_expires_at };
  }
  const secret = generateWebhookSecret();
  sql.exec(
    `UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, secret_rotated_at = ? WHERE id = ?`,
    secret,
    revokePrevious ? null : row.secret,
    revokePrevious ? null : now + SECRET_ROTATION_GRACE_MS,
    now,
    endpointId,
  );
  return { ok: true, endpoint: { ...endpointFromRow(activeEndpoint(sql, endpointId) as WebhookEndpointRow), secret } };
}

/**
 * Soft delete: the row stays so past deliveries in GET /v1/events still name
 * it, but its secrets are erased and its unfinished deliveries canceled.
 */
export function deleteEndpoint(sql: SqlStorage, endpointId: string, now: number): boolean {
  if (!activeEndpoint(sql, endpointId)) return false;
  sql.exec(
    `UPDATE webhook_endpoints SET deleted_at = ?, secret = '', previous_secret = NULL, previous_secret_expires_at = NULL WHERE id = ?`,
    now,
    endpointId,
  );
  sql.exec(
    `UPDATE webhook_deliveries SET state = 'canceled', next_attempt_at = NULL, finished_at = ? WHERE endpoint_id = ? AND state = 'pending'`,
    now,
    endpointId,
  );
  return true;
}
