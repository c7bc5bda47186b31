/**
 * Checks a webhook delivery with the `standardwebhooks` library
 * (npm install standardwebhooks): any Standard Webhooks verifier accepts what
 * the connector sends. This file is reproduced verbatim in docs/webhooks.md;
 * a test keeps the two equal.
 *
 * The library reads `webhook-id`, `webhook-timestamp` and `webhook-signature`,
 * refuses timestamps more than 5 minutes from the receiver's clock (replays),
 * and accepts the delivery when any of the space-separated `v1,` signatures
 * matches (two appear while an endpoint's secret is being rotated).
 */
import { Webhook } from "standardwebhooks";

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `rawBody` exactly as received (re-serialized JSON does not verify); `secret` is the endpoint's `whsec_...`. */
export function verifyWebhookSignature(rawBody: string, headers: Headers | Record<string, string>, secret: string): SignatureCheck {
  const headerRecord = headers instanceof Headers ? Object.fromEntries(headers) : headers;
  try {
    new Webhook(secret).verify(rawBody, headerRecord, { jsonParse: false });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
