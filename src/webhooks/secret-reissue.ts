/**
 * Migration 7's work: new webhook secrets in the Standard Webhooks form for
 * every active endpoint. The old secrets (base64url, HMAC keyed by their
 * text) cannot be verified by Standard Webhooks libraries, and the connector
 * had no deployed users, so there is no period in which both forms sign:
 * each endpoint gets one fresh secret, its previous one is dropped, and
 * `secret_rotated_at` tells the merchant to fetch a secret with
 * POST /v1/webhook-endpoints/{id}/rotate-secret {"revoke_previous": true}.
 */
import { generateWebhookSecret } from "./sign.ts";

/** Returns how many endpoints got a new secret. Deleted endpoints keep their erased secret (''). */
export function reissueWebhookSecrets(sql: SqlStorage, now: number): number {
  const endpoints = sql.exec<{ id: string }>(`SELECT id FROM webhook_endpoints WHERE deleted_at IS NULL`).toArray();
  for (const { id } of endpoints) {
    sql.exec(
      `UPDATE webhook_endpoints SET secret = ?, previous_secret = NULL, previous_secret_expires_at = NULL, secret_rotated_at = ? WHERE id = ?`,
      generateWebhookSecret(),
      now,
      id,
    );
  }
  return endpoints.length;
}
