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
  return { merchantId, auth: { keyHash: await sha256Hex(key), requestId: c.get("requestId") } };
}
