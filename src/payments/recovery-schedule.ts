/**
 * When to look at a pending payment again. Pure functions, so the schedule is
 * tested without a clock or a bank.
 */

/** Defaults (schemas/config.ts makes them configurable). */
export const RECOVERY_BASE_DELAY_MS = 1_000;
export const RECOVERY_MAX_DELAY_MS = 5 * 60_000;

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed and half is
 * random, so merchants' retries spread out but never collapse to zero delay.
 */
export function recoveryDelayMs(
  attempt: number,
  random: () => number = Math.random,
  settings: BackoffSettings = { baseMs: RECOVERY_BASE_DELAY_MS, maxMs: RECOVERY_MAX_DELAY_MS },
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const step = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}

/** The delay before recovery step `step` of a payment, with the configured base and ceiling. */
export function retryDelayMs(step: number, config: { RECOVERY_BASE_DELAY_MS: number; RECOVERY_MAX_DELAY_MS: number }): number {
  return recoveryDelayMs(step, Math.random, { baseMs: config.RECOVERY_BASE_DELAY_MS, maxMs: config.RECOVERY_MAX_DELAY_MS });
}
