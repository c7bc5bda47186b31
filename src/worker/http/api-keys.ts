/**
 * Merchant API keys: `mck_<merchant ULID>_<256 random bits, base64url>`.
 * The merchant id inside the key lets the Worker route straight to that
 * merchant's Durable Object without a global lookup; the secret part is what
 * authenticates, and only its SHA-256 is ever stored. A fast hash is right
 * here (unlike for passwords) because the key has 256 bits of entropy.
 */
import { ULID_PATTERN } from "../../../schemas/common.ts";
import { base64url } from "../../platform/base64url.ts";

export const API_KEY_PREFIX = "mck_";
const SECRET_BYTES = 32;
const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}(${ULID_PATTERN})_([A-Za-z0-9_-]{43})$`);

export function generateApiKey(merchantId: string): string {
  const secret = new Uint8Array(SECRET_BYTES);
  crypto.getRandomValues(secret);
  return `${API_KEY_PREFIX}${merchantId.replace(/^mer_/, "")}_${base64url(secret)}`;
}

/** The merchant a key claims to belong to; the claim is verified against the stored hash. */
export function merchantIdFromApiKey(apiKey: string): string | undefined {
  const match = API_KEY_PATTERN.exec(apiKey);
  return match ? `mer_${match[1]}` : undefined;
}

export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}
