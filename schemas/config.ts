/**
 * The connector's configuration (Worker vars and secrets). Parsed once per
 * isolate; a bad value fails loudly at the first request instead of producing
 * subtly wrong payments.
 */
import { z } from "zod";

function integerSetting(min: number, max: number, fallback: number) {
  return z.coerce.number().int().min(min).max(max).default(fallback);
}

export const ConnectorConfig = z.object({
  /** Base URL of the bank API; the BANK binding presents the client certificate. */
  BANK_URL: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).transform((url) => url.replace(/\/+$/, "")),
  BANK_TIMEOUT_MS: integerSetting(100, 120_000, 10_000),
  IDEMPOTENCY_KEY_TTL_HOURS: integerSetting(24, 24 * 30, 72),
  MAX_CONCURRENT_BANK_CALLS: integerSetting(1, 1_000, 64),
  /** How long one webhook POST may take before it counts as failed and is retried. */
  WEBHOOK_TIMEOUT_MS: integerSetting(100, 30_000, 10_000),
  /** Bearer token of the admin API; at least 128 bits when hex or base64 encoded. */
  ADMIN_TOKEN: z.string().min(32, { error: "must be at least 32 characters" }),
});
export type ConnectorConfig = z.output<typeof ConnectorConfig>;
