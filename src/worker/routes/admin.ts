/**
 * Operator API. It sits behind ADMIN_TOKEN (requireAdmin below, applied to
 * every /admin/* path by src/worker/index.ts) and belongs behind Cloudflare Access in
 * production (docs/operations.md).
 */
import type { MiddlewareHandler } from "hono";
import { CreateMerchantRequest, MerchantCreated } from "../../../schemas/merchant-api.ts";
import type { InitializeMerchantInput } from "../../merchant-object/merchant-account.ts";
import type { InitializeReply, MerchantReply } from "../../merchant-object/replies.ts";
import { loadConfig } from "../../platform/config.ts";
import { digestsEqual, sha256Hex } from "../../platform/digests.ts";
import type { Env } from "../../platform/env.ts";
import { ulid } from "../../platform/ulid.ts";
import { merchantRegistry } from "../../registry/merchant-registry.ts";
import { bearerToken, generateApiKey } from "../http/api-keys.ts";
import type { AppEnv } from "../http/context.ts";
import { readJsonBody } from "../http/json-body.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { ADMIN_AUTH_PROBLEMS, BODY_PROBLEMS } from "../openapi/problem-groups.ts";

/** Compares digests of equal length, so neither length nor content leaks through timing. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const presented = bearerToken(c.req.raw.headers) ?? "";
  const expected = loadConfig(c.env).ADMIN_TOKEN;
  const [presentedHash, expectedHash] = await Promise.all([sha256Hex(presented), sha256Hex(expected)]);
  if (!presented || !digestsEqual(presentedHash, expectedHash)) {
    throw new ProblemError(problem("unauthorized", "The admin API requires `Authorization: Bearer <ADMIN_TOKEN>`."), {
      "www-authenticate": 'Bearer realm="admin"',
    });
  }
  await next();
};

const createMerchant = defineRoute(
  {
    method: "post",
    path: "/admin/v1/merchants",
    operationId: "createMerchant",
    summary: "Create a merchant and its first API key",
    tag: "admin",
    security: "admin",
    requestBody: CreateMerchantRequest,
    responses: { 201: { description: "The merchant; `api_key` is shown this once.", schema: MerchantCreated, headers: ["Location"] } },
    problems: [...BODY_PROBLEMS, ...ADMIN_AUTH_PROBLEMS, "merchant-exists", "debtor-iban-in-use"],
  },
  async (c) => {
    const request = validateOrThrow(CreateMerchantRequest, await readJsonBody(c.req.raw), "merchant");
    const merchantId = `mer_${ulid()}`;
    const apiKey = generateApiKey(merchantId);
    const apiKeyId = `key_${ulid()}`;
    c.set("merchantId", merchantId);
    // Registered first, in one step with the claim on its debtor IBAN: two
    // concurrent creations with one IBAN cannot both pass. A merchant the
    // registry does not list would also be skipped by daily reconciliation,
    // while a listed one that failed to initialize is merely reported as empty.
    const createdAt = Date.now();
    const registered = await merchantRegistry(c.env).register({
      id: merchantId,
      name: request.name,
      debtor_iban: request.debtor_iban,
      created_at: createdAt,
    });
    if (!registered.ok) return refusalResponse(c, registered);
    const reply = await initializeOrForget(c.env, merchantId, {
      merchantId,
      name: request.name,
      debtorIban: request.debtor_iban,
      limits: request.limits ?? {},
      apiKeyId,
      apiKeyHash: await sha256Hex(apiKey),
      createdAt,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    const body: MerchantCreated = { ...reply.merchant, api_key: apiKey, api_key_id: apiKeyId };
    // The answer holds the only copy of the API key: no cache may keep it.
    return c.json(body, 201, { location: `/admin/v1/merchants/${merchantId}`, "cache-control": "no-store" });
  },
);

export const adminRoutes = [createMerchant];

/**
 * Initializes the merchant's object. Initialization is not repeated (a retry
 * after a lost answer could not tell), so when the call fails the object is
 * asked whether it exists: if it does not, the registration is undone and the
 * debtor IBAN is free for the operator's retry.
 */
async function initializeOrForget(env: Env, merchantId: string, input: InitializeMerchantInput): Promise<InitializeReply> {
  try {
    return await callMerchant<InitializeReply>(env, merchantId, (stub) => stub.initialize(input), { safeToRetry: false });
  } catch (error) {
    const probe = await callMerchant<MerchantReply>(env, merchantId, (stub) => stub.getMerchant(), { safeToRetry: true }).catch(() => null);
    if (probe && !probe.ok && probe.refusal === "not-found") await merchantRegistry(env).forget(merchantId);
    throw error;
  }
}
