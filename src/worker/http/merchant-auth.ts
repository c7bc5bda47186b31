import type { AuthContext } from "../../merchant-object/authorization.ts";
import { sha256Hex } from "../../platform/digests.ts";
import { bearerToken, merchantIdFromApiKey } from "./api-keys.ts";
import type { AppContext } from "./context.ts";
import { ProblemError, problem } from "./problem.ts";

/**
 * Resolves the merchant a request speaks for. Only the key's format is
 * checked here; the merchant's object verifies its hash, so a forged key
 * that names a real merchant still gets 401 from there.
 */
export async function merchantCredentials(c: AppContext): Promise<{ merchantId: string; auth: AuthContext }> {
  const key = bearerToken(c.req.raw.headers);
  const merchantId = key ? merchantIdFromApiKey(key) : undefined;
  if (!key || !merchantId) {
    throw new ProblemError(problem("unauthorized", "Send a merchant API key as `Authorization: Bearer mck_...`."), {
      "www-authenticate": 'Bearer realm="payments"',
    });
  }
  c.set("merchantId", merchantId);
  return { merchantId, auth: { keyHash: await keyHash(key), requestId: c.get("requestId") } };
}

/**
 * A key hashed within the last KEY_HASH_REUSE_MS is not hashed again (a busy
 * merchant sends the same key many times a second, and its hash cannot
 * change). Only the hashing is saved: the object still checks the hash
 * against its active keys on every request, so a revoked key is refused at
 * once. Keys are held no longer than that window (older ones are dropped on
 * each call), and at most MAX_REMEMBERED_KEYS of them.
 */
const KEY_HASH_REUSE_MS = 1_000;
const MAX_REMEMBERED_KEYS = 1_024;
const recentKeyHashes = new Map<string, { hash: string; at: number }>();

async function keyHash(key: string): Promise<string> {
  const now = Date.now();
  // Insertion order is age order (a refreshed key is re-inserted): drop from the front while stale.
  for (const [oldKey, entry] of recentKeyHashes) {
    if (now - entry.at < KEY_HASH_REUSE_MS) break;
    recentKeyHashes.delete(oldKey);
  }
  const known = recentKeyHashes.get(key);
  if (known) return known.hash;
  const hash = await sha256Hex(key);
  if (recentKeyHashes.size >= MAX_REMEMBERED_KEYS) recentKeyHashes.clear();
  recentKeyHashes.set(key, { hash, at: now });
  return hash;
}
