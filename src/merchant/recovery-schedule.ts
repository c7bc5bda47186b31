/**
 * When to look at a pending payment again. Pure functions, so the schedule is
 * tested without a clock or a bank.
 */

/** First retry or inquiry after about this long. */
export const RECOVERY_BASE_DELAY_MS = 1_000;
/** Never wait longer than this between two inquiries of one payment. */
export const RECOVERY_MAX_DELAY_MS = 5 * 60_000;
/** Added to the bank timeout before an in-flight call is presumed lost (the object may have died mid-call). */
export const IN_FLIGHT_GRACE_MS = 5_000;

/**
 * Exponential backoff with "equal jitter": half the step is fixed and half is
 * random, so merchants' retries spread out but never collapse to zero delay.
 */
export function recoveryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const step = Math.min(RECOVERY_MAX_DELAY_MS, RECOVERY_BASE_DELAY_MS * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
