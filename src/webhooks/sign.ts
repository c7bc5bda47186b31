/**
 * Signing side of the webhook signature (verify-signature.ts is the
 * receiver's side). The secret is a random string; its UTF-8 bytes are the
 * HMAC key, so merchants can paste it into any HMAC library as is.
 */

export const SIGNATURE_HEADER = "connector-signature";
export const WEBHOOK_SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  const bytes = new Uint8Array(SECRET_BYTES);
  crypto.getRandomValues(bytes);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return WEBHOOK_SECRET_PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(message));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `t=<unix seconds>,v1=<hex>` with one v1 per secret: during a rotation the
 * new secret signs first and the previous one second, so receivers still
 * holding the old secret keep verifying until they switch.
 */
export async function signatureHeader(secrets: string[], body: string, unixSeconds: number): Promise<string> {
  const macs = await Promise.all(secrets.map((secret) => hmacSha256Hex(secret, `${unixSeconds}.${body}`)));
  return [`t=${unixSeconds}`, ...macs.map((mac) => `v1=${mac}`)].join(",");
}
