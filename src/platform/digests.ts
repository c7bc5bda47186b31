/** SHA-256 digests as hex, and their constant-time comparison (API keys, admin token, fingerprints). */

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();

/** Text is hashed as its UTF-8 bytes. */
export async function sha256Hex(value: string | Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", typeof value === "string" ? encoder.encode(value) : value));
  let hex = "";
  for (const byte of digest) hex += HEX_BYTES[byte];
  return hex;
}

/** Compares two equal-length hex digests without leaking where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}
