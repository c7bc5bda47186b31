/**
 * The operator-facing contract beyond merchant creation: API key rotation and
 * enabling/disabling a merchant. Keys are identified by `key_…` ids; the
 * secret is returned once, on creation, and never again.
 */
import { z } from "zod";
import { MerchantId, pageLimit, prefixedId, Timestamp } from "./common.ts";
import { pageFields, wholeListFields } from "./list-page.ts";
import { Merchant } from "./merchant-api.ts";

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

export const ApiKeyList = z.object(wholeListFields(ApiKey)).meta({ id: "ApiKeyList" });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const UpdateMerchantRequest = z
  .strictObject({
    status: MerchantStatus.meta({ description: "`disabled` makes every request with this merchant's keys answer 403 merchant-disabled." }),
  })
  .meta({ id: "UpdateMerchantRequest" });
export type UpdateMerchantRequest = z.infer<typeof UpdateMerchantRequest>;

/** One row of the operator list: what the registry mirrors of each merchant. */
export const MerchantSummary = z
  .object({
    id: MerchantId,
    name: z.string(),
    status: MerchantStatus,
    debtor_iban: z.string(),
    created_at: Timestamp,
  })
  .meta({ id: "MerchantSummary" });
export type MerchantSummary = z.infer<typeof MerchantSummary>;

export const MerchantList = z.object(pageFields(MerchantSummary)).meta({ id: "MerchantList" });
export type MerchantList = z.infer<typeof MerchantList>;

export const MAX_MERCHANTS_PAGE = 100;
export const DEFAULT_MERCHANTS_PAGE = 25;

export const ListMerchantsQuery = z.strictObject({
  status: z
    .enum(MerchantStatus.options, { error: `must be one of ${MerchantStatus.options.join(", ")}` })
    .optional()
    .meta({ description: "Only merchants with this status." }),
  cursor: MerchantId.optional().meta({ description: "`next_cursor` of the previous page." }),
  limit: pageLimit(MAX_MERCHANTS_PAGE, DEFAULT_MERCHANTS_PAGE),
});
export type ListMerchantsQuery = z.output<typeof ListMerchantsQuery>;

/** GET /admin/v1/merchants/{id}: the merchant with its keys' ids and dates (never key material). */
export const MerchantWithKeys = Merchant.extend({
  api_keys: z.array(ApiKey).meta({ description: "Active and revoked keys, oldest first: ids and dates only." }),
}).meta({ id: "MerchantWithKeys" });
export type MerchantWithKeys = z.infer<typeof MerchantWithKeys>;
