/**
 * A merchant's API keys and on/off switch, in the merchant's own SQLite.
 * Each operation is one synchronous transaction, so two concurrent "create
 * key" calls cannot both pass the active-key limit, and "revoke" cannot
 * leave a merchant with no active key. The merchant object calls these and
 * then drops its cached key hashes / merchant row (see merchant-account.ts).
 */
import { type ApiKey, MAX_ACTIVE_API_KEYS } from "../../schemas/admin-api.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";

type ApiKeyRow = { id: string; created_at: number; revoked_at: number | null };

export type ApiKeyReply = { ok: true; key: ApiKey } | Refusal;
export type ApiKeyListReply = { ok: true; keys: ApiKey[] } | Refusal;

export function listApiKeys(sql: SqlStorage): ApiKey[] {
  return sql.exec<ApiKeyRow>(`SELECT id, created_at, revoked_at FROM api_keys ORDER BY created_at, id`).toArray().map(apiKeyFromRow);
}

/** Adds a key (its SHA-256 only) unless the merchant already holds MAX_ACTIVE_API_KEYS active ones. */
export function addApiKey(storage: ObjectStore, key: { id: string; hash: string }, now: number): ApiKeyReply {
  return storage.transactionSync((): ApiKeyReply => {
    const active = storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL`).one().n;
    if (active >= MAX_ACTIVE_API_KEYS) {
      return refuse(
        "api-key-limit-reached",
        `A merchant holds at most ${MAX_ACTIVE_API_KEYS} active API keys. Revoke the old key before creating another.`,
      );
    }
    storage.sql.exec(`INSERT INTO api_keys (id, key_hash, created_at) VALUES (?, ?, ?)`, key.id, key.hash, now);
    return { ok: true, key: apiKeyFromRow({ id: key.id, created_at: now, revoked_at: null }) };
  });
}

/**
 * Revokes a key. Revoking a revoked key answers the key as it is (a retried
 * DELETE is not an error). The last active key cannot be revoked: that would
 * lock the merchant out silently; disabling the merchant is the explicit way
 * to stop all its traffic.
 */
export function revokeApiKey(storage: ObjectStore, keyId: string, now: number): ApiKeyReply {
  return storage.transactionSync((): ApiKeyReply => {
    const row = storage.sql.exec<ApiKeyRow>(`SELECT id, created_at, revoked_at FROM api_keys WHERE id = ?`, keyId).toArray()[0];
    if (!row) return refuse("not-found", "No API key with this id exists for this merchant.");
    if (row.revoked_at !== null) return { ok: true, key: apiKeyFromRow(row) };
    const active = storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL`).one().n;
    if (active <= 1) {
      return refuse(
        "last-active-api-key",
        "This is the merchant's only active API key. Create its replacement first, or disable the merchant to stop all traffic.",
      );
    }
    storage.sql.exec(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`, now, keyId);
    return { ok: true, key: apiKeyFromRow({ ...row, revoked_at: now }) };
  });
}

function apiKeyFromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    status: row.revoked_at === null ? "active" : "revoked",
    created_at: new Date(row.created_at).toISOString(),
    revoked_at: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  };
}
