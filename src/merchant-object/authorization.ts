/**
 * Who may act on this merchant: a caller whose API key hashes to one of the
 * merchant's active keys, while the merchant is active. The key hashes are
 * read once and cached; adding or revoking a key drops the cache.
 */
import { digestsEqual } from "../platform/digests.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import type { MerchantRow } from "./merchant-profile.ts";

export interface AuthContext {
  /** SHA-256 (hex) of the presented API key; the key itself never leaves the Worker. */
  keyHash: string;
  requestId: string;
}

export class KeyRing {
  private hashes: string[] | undefined;

  constructor(private readonly store: ObjectStore) {}

  /** The merchant, if `auth` names one of its active keys and it is active; a refusal otherwise. */
  authorize(merchant: MerchantRow | null, auth: AuthContext): MerchantRow | Refusal {
    const hashes = merchant ? this.activeHashes() : [];
    // Compare against every active key so timing does not reveal which matched.
    let matched = false;
    for (const hash of hashes) matched = digestsEqual(hash, auth.keyHash) || matched;
    if (!merchant || !matched) return refuse("unauthorized", "The API key is missing, malformed or not valid.");
    if (merchant.status !== "active") return refuse("merchant-disabled", "This merchant is disabled; contact the operator.");
    return merchant;
  }

  /** Called after any change to the merchant's keys. */
  forget(): void {
    this.hashes = undefined;
  }

  private activeHashes(): string[] {
    this.hashes ??= this.store.sql
      .exec<{ key_hash: string }>(`SELECT key_hash FROM api_keys WHERE revoked_at IS NULL`)
      .toArray()
      .map((row) => row.key_hash);
    return this.hashes;
  }
}
