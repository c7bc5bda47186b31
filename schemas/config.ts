/**
 * The connector's configuration (Worker vars and secrets). Parsed once per
 * isolate; a bad value fails loudly at the first request instead of producing
 * subtly wrong payments.
 */
import { z } from "zod";

function integerSetting(min: number, max: number, fallback: number) {
  return z.coerce.number().int().min(min).max(max).default(fallback);
}

/** The bank contracts the connector speaks (src/bank/bank-adapters.ts): today's JSON API, or ISO 20022 XML. */
export const BANK_PROFILES = ["json", "iso20022"] as const;
export type BankProfile = (typeof BANK_PROFILES)[number];

/** ISO 4217 codes, comma-separated ("EUR" or "EUR,CHF"); spaces around commas are ignored. */
const CurrencyList = z
  .string()
  .regex(/^\s*[A-Z]{3}(\s*,\s*[A-Z]{3})*\s*$/, { error: "must be ISO 4217 codes separated by commas, e.g. EUR or EUR,CHF" })
  .transform((value) => [...new Set(value.split(",").map((code) => code.trim()))]);

export const ConnectorConfig = z.object({
  /** Base URL of the bank API; the BANK binding presents the client certificate. */
  BANK_URL: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).transform((url) => url.replace(/\/+$/, "")),
  /** Which contract the bank speaks: `json` (/v1/credit-transfers) or `iso20022` (pain.001 / pain.002 / camt). */
  BANK_PROFILE: z.enum(BANK_PROFILES, { error: "must be json or iso20022" }).default("json"),
  /**
   * The currencies the bank accepts; admission refuses others (422
   * currency-not-supported) without calling it. The ISO 20022 profile
   * carries EUR only, whatever this says.
   */
  BANK_CURRENCIES: CurrencyList.default(["EUR"]),
  BANK_TIMEOUT_MS: integerSetting(100, 120_000, 10_000),
  IDEMPOTENCY_KEY_TTL_HOURS: integerSetting(24, 24 * 30, 72),
  MAX_CONCURRENT_BANK_CALLS: integerSetting(1, 1_000, 64),
  /** How long one webhook POST may take before it counts as failed and is retried. */
  WEBHOOK_TIMEOUT_MS: integerSetting(100, 30_000, 10_000),
  /** First retry or inquiry of a pending payment after about this long (exponential backoff with jitter from there). */
  RECOVERY_BASE_DELAY_MS: integerSetting(10, 600_000, 1_000),
  /** Ceiling of the backoff between two recovery steps of one payment. */
  RECOVERY_MAX_DELAY_MS: integerSetting(100, 3_600_000, 5 * 60_000),
  /** Added to BANK_TIMEOUT_MS before a call in flight is presumed lost with its object (crash mid-call). */
  IN_FLIGHT_GRACE_MS: integerSetting(100, 600_000, 5_000),
  /**
   * A payment the bank provably never received is failed (failure.code
   * bank_unavailable) once it is older than this; one the bank may hold never is.
   */
  STORE_AND_FORWARD_WINDOW_MS: integerSetting(60_000, 7 * 24 * 3_600_000, 4 * 3_600_000),
  /** After the bank was unreachable, new payments are held (not sent) for this long before a probe. */
  BANK_CIRCUIT_COOLDOWN_MS: integerSetting(10, 600_000, 5_000),
  /** How often a merchant object asks the bank for returns booked on its account (while it has recent successes). */
  RETURNS_POLL_INTERVAL_MS: integerSetting(1_000, 86_400_000, 15 * 60_000),
  /**
   * A merchant object polls for returns while a payment of it succeeded
   * within this many days; returns of older payments are still found by the
   * daily reconciliation's statement.
   */
  RETURN_WINDOW_DAYS: integerSetting(1, 366, 14),
  /**
   * After an unknown outcome, a 404 to a status inquiry proves "never
   * received" only when a second 404 comes at least this long after the
   * first (both after the attempt's BANK_TIMEOUT_MS): a read replica behind
   * the bank's writer answers 404 for a transfer it booked. Raise it for a
   * bank with known replication lag.
   */
  INQUIRY_CONFIRM_DELAY_MS: integerSetting(10, 600_000, 10_000),
  /**
   * When a bank call succeeds after calls that failed (transport errors,
   * 502/503/504), every pending payment of the merchant waiting longer than
   * this is pulled forward to a time spread evenly over the next this-many ms.
   */
  HEALED_SPREAD_MS: integerSetting(0, 600_000, 5_000),
  /** A pending payment is flagged for an operator after this many bank calls that did not resolve it. */
  ATTENTION_AFTER_ATTEMPTS: integerSetting(2, 1_000, 8),
  /** A payment still pending this long after it was created is flagged for an operator. */
  ATTENTION_AFTER_MS: integerSetting(1_000, 30 * 24 * 3_600_000, 3_600_000),
  /**
   * `npm start` only: webhook endpoints may also be http://127.0.0.1:<port> or
   * http://localhost:<port> (a receiver on the developer's machine), sent to
   * with the global fetch. wrangler.jsonc never sets it in any environment
   * (test/node/loopback-webhooks-config.test.ts). Exactly "true" or "false":
   * a near miss ("TRUE", "1") fails loudly rather than silently meaning false.
   */
  ALLOW_LOOPBACK_WEBHOOKS: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .default("false")
    .transform((value) => value === "true"),
  /** Bearer token of the admin API; at least 128 bits when hex or base64 encoded. */
  ADMIN_TOKEN: z.string().min(32, { error: "must be at least 32 characters" }),
});
export type ConnectorConfig = z.output<typeof ConnectorConfig>;
