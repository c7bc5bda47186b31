/**
 * Calling a merchant's Durable Object. A call that fails with a retryable
 * error (the object was reset or moved) is retried only when the caller says
 * the operation is safe to repeat: reads, and admission, which is keyed by
 * the idempotency key and so cannot admit twice.
 */

import type { MerchantAccount } from "../../merchant-object/merchant-account.ts";
import type { Env } from "../../platform/env.ts";
import { logEvent } from "../../platform/log.ts";
import { ProblemError, problem } from "./problem.ts";

export const MAX_OBJECT_CALL_ATTEMPTS = 3;

type MerchantStub = DurableObjectStub<MerchantAccount>;

export async function callMerchant<T>(
  env: Env,
  merchantId: string,
  operation: (stub: MerchantStub) => PromiseLike<T>,
  options: { safeToRetry: boolean },
): Promise<T> {
  const id = env.MERCHANT.idFromName(merchantId);
  for (let attempt = 1; ; attempt++) {
    // A stub that threw may be broken: take a fresh one each attempt.
    const stub = env.MERCHANT.get(id);
    try {
      return await operation(stub);
    } catch (error) {
      const retryable = isRetryable(error);
      logEvent("warn", "merchant_object_call_failed", { merchant_id: merchantId, attempt, retryable, error: String(error) });
      if (!options.safeToRetry || !retryable || attempt >= MAX_OBJECT_CALL_ATTEMPTS) {
        throw new ProblemError(
          problem("service-unavailable", "The merchant's ledger is temporarily unavailable. Retry with the same Idempotency-Key."),
          { "retry-after": "1" },
        );
      }
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const flags = error as { retryable?: boolean; overloaded?: boolean };
  return flags.retryable === true && flags.overloaded !== true;
}
