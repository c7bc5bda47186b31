import type { MerchantAccount } from "../merchant-object/merchant-account.ts";
import type { MerchantRegistry } from "../registry/merchant-registry.ts";

/** Bindings, vars and secrets the Worker receives (see wrangler.jsonc). */
export interface Env {
  MERCHANT: DurableObjectNamespace<MerchantAccount>;
  REGISTRY: DurableObjectNamespace<MerchantRegistry>;
  /** mTLS Fetcher: an mtls_certificates binding in production, a workerd TLS service locally. */
  BANK: Fetcher;
  BANK_URL: string;
  BANK_TIMEOUT_MS?: string;
  IDEMPOTENCY_KEY_TTL_HOURS?: string;
  MAX_CONCURRENT_BANK_CALLS?: string;
  WEBHOOK_TIMEOUT_MS?: string;
  /**
   * Optional: where webhook POSTs go instead of the global fetch(). Unset in
   * production (plain fetch to the merchant's URL); tests and local runs bind
   * it to a local receiver so https endpoint URLs stay testable.
   */
  WEBHOOK_FETCH?: Fetcher;
  /** "true" only under `npm start`: loopback http webhook endpoints (schemas/config.ts). */
  ALLOW_LOOPBACK_WEBHOOKS?: string;
  RECOVERY_BASE_DELAY_MS?: string;
  RECOVERY_MAX_DELAY_MS?: string;
  IN_FLIGHT_GRACE_MS?: string;
  STORE_AND_FORWARD_WINDOW_MS?: string;
  BANK_CIRCUIT_COOLDOWN_MS?: string;
  ADMIN_TOKEN: string;
}

type ConnectorEnv = Env;

declare global {
  namespace Cloudflare {
    interface Env extends ConnectorEnv {}
    interface GlobalProps {
      mainModule: typeof import("../worker/index.ts");
      durableNamespaces: "MerchantAccount" | "MerchantRegistry";
    }
  }
}
