import { HealthResponse, type LastBankCall } from "../../../schemas/health.ts";
import { logEvent } from "../../platform/log.ts";
import { CONNECTOR_VERSION } from "../../platform/version.ts";
import type { AttentionSummary } from "../../registry/attention-store.ts";
import { merchantRegistry } from "../../registry/merchant-registry.ts";
import type { AppEnv } from "../http/context.ts";
import { defineRoute } from "../openapi/define-route.ts";

/**
 * Unauthenticated, so anyone can poll it: each isolate asks the registry at
 * most once per HEALTH_CACHE_MS, which bounds the load a flood can put on
 * the registry object.
 */
export const HEALTH_CACHE_MS = 1_000;
let cached: { until: number; bank: LastBankCall | null; attention: AttentionSummary | null } | undefined;

/** Liveness, whether the bank answered its last reported call, and stuck-payment aggregates. No configuration values, no merchant data. */
const getHealth = defineRoute(
  {
    method: "get",
    path: "/health",
    operationId: "getHealth",
    summary: "Liveness, version and whether the bank answered its last reported call",
    tag: "operations",
    security: "none",
    responses: { 200: { description: "Always 200 while the Worker runs; see `status`.", schema: HealthResponse } },
    problems: [],
  },
  async (c) => {
    const now = Date.now();
    if (!cached || cached.until <= now) {
      const { bank, attention } = await readRegistry(c.env);
      cached = { until: now + HEALTH_CACHE_MS, bank, attention };
    }
    const { bank, attention } = cached;
    const body: HealthResponse = {
      status: bank && !bank.answered ? "degraded" : "ok",
      version: CONNECTOR_VERSION,
      bank,
      // Aggregates only: no merchant, no payment, no amount.
      payments_needing_attention: attention?.payments_needing_attention ?? null,
      oldest_pending_age_s: ageSeconds(now, attention?.oldest_pending_at ?? null),
    };
    return c.json(body, 200, { "cache-control": "no-store" });
  },
);

export const healthRoutes = [getHealth];

async function readRegistry(env: AppEnv["Bindings"]): Promise<{ bank: LastBankCall | null; attention: AttentionSummary | null }> {
  try {
    const { bank, attention } = await merchantRegistry(env).healthReport();
    return {
      bank: bank && {
        at: new Date(bank.at).toISOString(),
        answered: bank.answered,
        http_status: bank.http_status,
        outcome: bank.outcome,
      },
      attention,
    };
  } catch (error) {
    // Health must answer even when the registry cannot: report "unknown" (null), log why.
    logEvent("warn", "health_registry_unavailable", { error: String(error) });
    return { bank: null, attention: null };
  }
}

function ageSeconds(now: number, since: number | null): number | null {
  return since === null ? null : Math.max(0, Math.floor((now - since) / 1_000));
}
