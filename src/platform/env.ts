/**
 * The Worker's bindings. `wrangler types` generates the global `Env` from
 * wrangler.jsonc (worker-configuration.d.ts, checked in CI with `--check`);
 * this adds the two bindings wrangler.jsonc must never declare, because only
 * local runs set them.
 */
export interface Env extends Cloudflare.Env {
  /**
   * Tests and local runs: where webhook POSTs go instead of the global
   * fetch(), so https endpoint URLs stay testable. Unset in production.
   */
  WEBHOOK_FETCH?: Fetcher;
  /** "true" only under `npm start`: loopback http webhook endpoints (schemas/config.ts). */
  ALLOW_LOOPBACK_WEBHOOKS?: string;
}
