import { describe, expect, it } from "vitest";
import { WEBHOOK_MAX_ATTEMPTS, webhookRetriesExhausted, webhookRetryDelayMs } from "../src/webhooks/retry-schedule.ts";

const HOUR_MS = 3_600_000;

function totalDelayMs(random: () => number): number {
  let total = 0;
  for (let failed = 1; failed < WEBHOOK_MAX_ATTEMPTS; failed++) total += webhookRetryDelayMs(failed, random);
  return total;
}

describe("webhook retry schedule", () => {
  it("spans more than 24 hours even with the shortest jitter, and less than two days with the longest", () => {
    expect(totalDelayMs(() => 0)).toBeGreaterThan(24 * HOUR_MS);
    expect(totalDelayMs(() => 0.999999)).toBeLessThan(48 * HOUR_MS);
  });

  it("grows exponentially from about a minute up to an 8 hour cap, jittered by +/-20%", () => {
    const steps = Array.from({ length: WEBHOOK_MAX_ATTEMPTS - 1 }, (_, i) => webhookRetryDelayMs(i + 1, () => 0.5));
    expect(steps.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(Math.max(...steps)).toBe(8 * HOUR_MS);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1] as number);
    expect(webhookRetryDelayMs(1, () => 0)).toBe(48_000);
    expect(webhookRetryDelayMs(1, () => 0.999999)).toBeCloseTo(72_000, -1);
  });

  it("gives up after the last attempt", () => {
    expect(webhookRetriesExhausted(WEBHOOK_MAX_ATTEMPTS - 1)).toBe(false);
    expect(webhookRetriesExhausted(WEBHOOK_MAX_ATTEMPTS)).toBe(true);
  });
});
