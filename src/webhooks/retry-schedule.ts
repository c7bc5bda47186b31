/**
 * When to try a webhook delivery again. Pure, so the schedule is tested
 * without a clock or a receiver.
 *
 * Exponential: 1 min, 2, 4, ... doubling up to a cap of 8 h, each step
 * multiplied by a random factor in [0.8, 1.2) so endpoints that failed
 * together do not retry together. Jitter is proportional (not "full" or
 * "equal") so the whole schedule is guaranteed to span more than 24 h even
 * with the unluckiest draws: 13 attempts cover 26 h to 39 h.
 */

export const WEBHOOK_RETRY_BASE_DELAY_MS = 60_000;
export const WEBHOOK_RETRY_MAX_DELAY_MS = 8 * 3_600_000;
/** First attempt plus 12 retries; after the last failure the delivery is marked failed. */
export const WEBHOOK_MAX_ATTEMPTS = 13;
export const WEBHOOK_RETRY_JITTER = 0.2;

/** Delay before the next attempt, after `failedAttempts` (>= 1) failures. */
export function webhookRetryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(failedAttempts - 1, 30));
  const step = Math.min(WEBHOOK_RETRY_MAX_DELAY_MS, WEBHOOK_RETRY_BASE_DELAY_MS * 2 ** exponent);
  const factor = 1 - WEBHOOK_RETRY_JITTER + 2 * WEBHOOK_RETRY_JITTER * random();
  return Math.round(step * factor);
}

/** True when a delivery that has failed `failedAttempts` times gets no further attempt. */
export function webhookRetriesExhausted(failedAttempts: number): boolean {
  return failedAttempts >= WEBHOOK_MAX_ATTEMPTS;
}
