/**
 * Operator API for an existing merchant: read it, disable/enable it, and
 * rotate its API keys (at most two active; the secret is shown once).
 * Same ADMIN_TOKEN gate as merchant creation (requireAdmin in admin.ts,
 * applied to every /admin/* path in index.ts).
 */
import { Hono } from "hono";
import { ulid } from "ulid";
import { type ApiKeyCreated, ApiKeyId, type ApiKeyList, UpdateMerchantRequest } from "../../../schemas/admin-api.ts";
import { MerchantId } from "../../../schemas/common.ts";
import type { ApiKeyListReply, ApiKeyReply } from "../../merchant-object/api-keys-store.ts";
import type { MerchantReply } from "../../merchant-object/replies.ts";
import { sha256Hex } from "../../platform/digests.ts";
import { generateApiKey } from "../http/api-keys.ts";
import type { AppContext, AppEnv } from "../http/context.ts";
import { readJsonBody } from "../http/json-body.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";

export const adminMerchantRoutes = new Hono<AppEnv>();

adminMerchantRoutes.get("/admin/v1/merchants/:id", async (c) => {
  const merchantId = merchantIdParam(c);
  const reply = await callMerchant<MerchantReply>(c.env, merchantId, (stub) => stub.getMerchant(), { safeToRetry: true });
  return reply.ok ? c.json(reply.merchant, 200) : refusalResponse(c, reply);
});

adminMerchantRoutes.patch("/admin/v1/merchants/:id", async (c) => {
  const merchantId = merchantIdParam(c);
  const request = validateOrThrow(UpdateMerchantRequest, await readJsonBody(c.req.raw), "merchant update");
  // Setting a status is idempotent, so a retry after a lost answer is harmless.
  const reply = await callMerchant<MerchantReply>(c.env, merchantId, (stub) => stub.updateMerchantStatus(request.status), {
    safeToRetry: true,
  });
  return reply.ok ? c.json(reply.merchant, 200) : refusalResponse(c, reply);
});

adminMerchantRoutes.get("/admin/v1/merchants/:id/keys", async (c) => {
  const merchantId = merchantIdParam(c);
  const reply = await callMerchant<ApiKeyListReply>(c.env, merchantId, (stub) => stub.listApiKeys(), { safeToRetry: true });
  if (!reply.ok) return refusalResponse(c, reply);
  const body: ApiKeyList = { data: reply.keys };
  return c.json(body, 200);
});

adminMerchantRoutes.post("/admin/v1/merchants/:id/keys", async (c) => {
  const merchantId = merchantIdParam(c);
  const apiKey = generateApiKey(merchantId);
  const keyId = `key_${ulid()}`;
  const hash = await sha256Hex(apiKey);
  // Not retried: a retry after a lost answer would add a second key whose secret nobody saw.
  const reply = await callMerchant<ApiKeyReply>(c.env, merchantId, (stub) => stub.addApiKey({ id: keyId, hash }), { safeToRetry: false });
  if (!reply.ok) return refusalResponse(c, reply);
  const body: ApiKeyCreated = { ...reply.key, api_key: apiKey };
  return c.json(body, 201, { location: `/admin/v1/merchants/${merchantId}/keys/${keyId}`, "cache-control": "no-store" });
});

adminMerchantRoutes.delete("/admin/v1/merchants/:id/keys/:keyId", async (c) => {
  const merchantId = merchantIdParam(c);
  const keyId = c.req.param("keyId") ?? "";
  if (!ApiKeyId.safeParse(keyId).success) throw notFound("API key");
  const reply = await callMerchant<ApiKeyReply>(c.env, merchantId, (stub) => stub.revokeApiKey(keyId), { safeToRetry: true });
  return reply.ok ? c.json(reply.key, 200) : refusalResponse(c, reply);
});

/** A malformed id names no merchant: 404, the same as an unknown one. */
function merchantIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!MerchantId.safeParse(id).success) throw notFound("merchant");
  c.set("merchantId", id);
  return id;
}

function notFound(what: string): ProblemError {
  return new ProblemError(problem("not-found", `No ${what} with this id exists.`));
}
