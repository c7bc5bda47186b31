/**
 * The operator-facing contract beyond merchant creation: API key rotation and
 * enabling/disabling a merchant. Keys are identified by `key_…` ids; the
 * secret is returned once, on creation, and never again.
 */
import { z } from "zod";
import { prefixedId, Timestamp } from "./common.ts";

/** Two keys let a merchant roll over with no downtime: create the new one, deploy it, revoke the old one. */
export const MAX_ACTIVE_API_KEYS = 2;

export const ApiKeyId = prefixedId("key", "API key");

export const MerchantStatus = z.enum(["active", "disabled"]).meta({ id: "MerchantStatus" });
export type MerchantStatus = z.infer<typeof MerchantStatus>;

export const ApiKey = z
  .object({
    id: ApiKeyId,
    status: z.enum(["active", "revoked"]),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: "ApiKey", description: "An API key's metadata. The secret itself is never returned after creation." });
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyCreated = ApiKey.extend({
  api_key: z
    .string()
    .meta({ description: "The secret, `mck_<merchant>_<43 base64url characters>`. Shown once; only its SHA-256 is stored." }),
}).meta({ id: "ApiKeyCreated" });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

export const ApiKeyList = z.object({ data: z.array(ApiKey) }).meta({ id: "ApiKeyList" });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const UpdateMerchantRequest = z
  .strictObject({
    status: MerchantStatus.meta({ description: "`disabled` makes every request with this merchant's keys answer 403 merchant-disabled." }),
  })
  .meta({ id: "UpdateMerchantRequest" });
export type UpdateMerchantRequest = z.infer<typeof UpdateMerchantRequest>;
