/**
 * Signing side of Standard Webhooks (https://www.standardwebhooks.com/), a
 * thin wrapper over the `standardwebhooks` library so the bytes we send are
 * the ones every Standard Webhooks verifier (TypeScript, Python, Go, ...)
 * computes. verify-signature.ts is the receiver's side.
 *
 * A secret is `whsec_` + standard, padded base64 of 32 random bytes; the HMAC
 * key is the decoded bytes, not the text (the library decodes it).
 */
import { Webhook } from "standardwebhooks";

const WEBHOOK_ID_HEADER = "webhook-id";
const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";
export const WEBHOOK_SECRET_PREFIX = "whsec_";
export const WEBHOOK_SECRET_BYTES = 32;

export interface WebhookSignatureHeaders {
  [WEBHOOK_ID_HEADER]: string;
  [WEBHOOK_TIMESTAMP_HEADER]: string;
  [WEBHOOK_SIGNATURE_HEADER]: string;
}

export function generateWebhookSecret(): string {
  const bytes = new Uint8Array(WEBHOOK_SECRET_BYTES);
  crypto.getRandomValues(bytes);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return WEBHOOK_SECRET_PREFIX + btoa(binary);
}

/**
 * The three Standard Webhooks headers for one delivery attempt. One `v1,<base64>`
 * per secret, space-separated: during a rotation the new secret signs first and
 * the previous one second, so receivers still holding the old secret keep
 * verifying until they switch. Throws when a secret is not valid base64 (a
 * stored secret from before migration 7, or an erased one).
 */
export function signWebhook(secrets: readonly string[], eventId: string, body: string, unixSeconds: number): WebhookSignatureHeaders {
  const timestamp = new Date(unixSeconds * 1000);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(eventId, timestamp, body));
  return {
    [WEBHOOK_ID_HEADER]: eventId,
    [WEBHOOK_TIMESTAMP_HEADER]: String(unixSeconds),
    [WEBHOOK_SIGNATURE_HEADER]: signatures.join(" "),
  };
}
