/**
 * Verifies the `Connector-Signature` header of a webhook request. This file
 * is self-contained (Web Crypto only: Node 18+, Deno, Bun, Workers, browsers)
 * and is reproduced verbatim in docs/webhooks.md; a test keeps the two equal.
 *
 * Header format: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`, where each v1 is
 * HMAC-SHA256(secret, `${t}.${rawBody}`). Two v1 values appear while an
 * endpoint's secret is being rotated; either one matching is enough.
 */

/** Reject signatures older (or further in the future) than this, to stop replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export async function verifyWebhookSignature(
  rawBody: string,
  header: string | null,
  secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: "missing Connector-Signature header" };
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (name === "v1" && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) return { ok: false, reason: "malformed header" };

  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: "timestamp outside tolerance" };

  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const signed = encoder.encode(`${timestamp}.${rawBody}`);
  for (const hex of signatures) {
    // crypto.subtle.verify compares in constant time.
    if (await crypto.subtle.verify("HMAC", key, hexToBytes(hex), signed)) return { ok: true, timestamp };
  }
  return { ok: false, reason: "no signature matches" };
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
