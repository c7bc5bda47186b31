/**
 * Operator API for an existing merchant: read it, disable/enable it, and
 * rotate its API keys (at most two active; the secret is shown once).
 * Same ADMIN_TOKEN gate as merchant creation (requireAdmin in admin.ts,
 * applied to every /admin/* path in index.ts).
 */
import { ApiKey, ApiKeyCreated, ApiKeyId, ApiKeyList, MerchantWithKeys, UpdateMerchantRequest } from "../../../schemas/admin-api.ts";
import { MerchantId } from "../../../schemas/common.ts";
import { WHOLE_LIST } from "../../../schemas/list-page.ts";
import { Merchant } from "../../../schemas/merchant-api.ts";
import type { ApiKeyListReply, ApiKeyReply } from "../../merchant-object/api-keys-store.ts";
import type { MerchantReply } from "../../merchant-object/replies.ts";
import { sha256Hex } from "../../platform/digests.ts";
import { ulid } from "../../platform/ulid.ts";
import { merchantRegistry } from "../../registry/merchant-registry.ts";
import { generateApiKey } from "../http/api-keys.ts";
import { readJsonBody } from "../http/json-body.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { ADMIN_AUTH_PROBLEMS, BODY_PROBLEMS } from "../openapi/problem-groups.ts";

const getMerchant = defineRoute(
  {
    method: "get",
    path: "/admin/v1/merchants/{id}",
    operationId: "getMerchant",
    summary: "Read a merchant",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId },
    responses: { 200: { description: "The merchant, with its API keys' ids and dates (never key material).", schema: MerchantWithKeys } },
    problems: [...ADMIN_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: merchantId }) => {
    c.set("merchantId", merchantId);
    const [merchant, keys] = await callMerchant(
      c.env,
      merchantId,
      (stub) => Promise.all([stub.getMerchant() as Promise<MerchantReply>, stub.listApiKeys() as Promise<ApiKeyListReply>]),
      { safeToRetry: true },
    );
    if (!merchant.ok) return refusalResponse(c, merchant);
    if (!keys.ok) return refusalResponse(c, keys);
    const body: MerchantWithKeys = { ...merchant.merchant, api_keys: keys.keys };
    return c.json(body, 200);
  },
);

const updateMerchant = defineRoute(
  {
    method: "patch",
    path: "/admin/v1/merchants/{id}",
    operationId: "updateMerchant",
    summary: "Disable or re-enable a merchant",
    description: "A disabled merchant's requests answer 403 merchant-disabled; its pending payments are still resolved with the bank.",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId },
    requestBody: UpdateMerchantRequest,
    responses: { 200: { description: "The merchant after the change.", schema: Merchant } },
    problems: [...BODY_PROBLEMS, ...ADMIN_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: merchantId }) => {
    c.set("merchantId", merchantId);
    const request = validateOrThrow(UpdateMerchantRequest, await readJsonBody(c.req.raw), "merchant update");
    // Setting a status is idempotent, so a retry after a lost answer is harmless.
    const reply = await callMerchant<MerchantReply>(c.env, merchantId, (stub) => stub.updateMerchantStatus(request.status), {
      safeToRetry: true,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    // The operator list reads the registry's copy; the object has decided. If
    // this mirror fails the request fails, and repeating it mends the copy.
    await merchantRegistry(c.env).setStatus(merchantId, reply.merchant.status);
    return c.json(reply.merchant, 200);
  },
);

const listApiKeys = defineRoute(
  {
    method: "get",
    path: "/admin/v1/merchants/{id}/keys",
    operationId: "listApiKeys",
    summary: "List a merchant's API keys (metadata only)",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId },
    responses: { 200: { description: "Active and revoked keys, oldest first.", schema: ApiKeyList } },
    problems: [...ADMIN_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: merchantId }) => {
    c.set("merchantId", merchantId);
    const reply = await callMerchant<ApiKeyListReply>(c.env, merchantId, (stub) => stub.listApiKeys(), { safeToRetry: true });
    if (!reply.ok) return refusalResponse(c, reply);
    const body: ApiKeyList = { data: reply.keys, ...WHOLE_LIST };
    return c.json(body, 200);
  },
);

const createApiKey = defineRoute(
  {
    method: "post",
    path: "/admin/v1/merchants/{id}/keys",
    operationId: "createApiKey",
    summary: "Create an API key (at most two active)",
    description: "Rotation: create the new key, deploy it at the merchant, then revoke the old one. The secret is in this response only.",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId },
    responses: { 201: { description: "The new key, with its secret.", schema: ApiKeyCreated, headers: ["Location"] } },
    problems: [...ADMIN_AUTH_PROBLEMS, "not-found", "api-key-limit-reached"],
  },
  async (c, { id: merchantId }) => {
    c.set("merchantId", merchantId);
    const apiKey = generateApiKey(merchantId);
    const keyId = `key_${ulid()}`;
    const hash = await sha256Hex(apiKey);
    // Not retried: a retry after a lost answer would add a second key whose secret nobody saw.
    const reply = await callMerchant<ApiKeyReply>(c.env, merchantId, (stub) => stub.addApiKey({ id: keyId, hash }), { safeToRetry: false });
    if (!reply.ok) return refusalResponse(c, reply);
    const body: ApiKeyCreated = { ...reply.key, api_key: apiKey };
    return c.json(body, 201, { location: `/admin/v1/merchants/${merchantId}/keys/${keyId}`, "cache-control": "no-store" });
  },
);

const revokeApiKey = defineRoute(
  {
    method: "delete",
    path: "/admin/v1/merchants/{id}/keys/{keyId}",
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description:
      "Effective immediately. Revoking a revoked key answers it unchanged. The last active key cannot be revoked (disable the merchant instead).",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId, keyId: ApiKeyId },
    responses: { 200: { description: "The revoked key.", schema: ApiKey } },
    problems: [...ADMIN_AUTH_PROBLEMS, "not-found", "last-active-api-key"],
  },
  async (c, { id: merchantId, keyId }) => {
    c.set("merchantId", merchantId);
    const reply = await callMerchant<ApiKeyReply>(c.env, merchantId, (stub) => stub.revokeApiKey(keyId), { safeToRetry: true });
    return reply.ok ? c.json(reply.key, 200) : refusalResponse(c, reply);
  },
);

export const adminMerchantRoutes = [getMerchant, updateMerchant, listApiKeys, createApiKey, revokeApiKey];
