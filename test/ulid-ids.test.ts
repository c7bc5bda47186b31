import { decodeTime, isValid } from "ulid";
import { describe, expect, it } from "vitest";
import { monotonicUlidFactory, pooledRandom, ulid } from "../src/platform/ulid.ts";

describe("ULIDs from pooled random bytes", () => {
  it("are valid, distinct ULIDs carrying the current time", () => {
    const before = Date.now();
    // 2,000 ids use 32,000 random bytes: the 4 KiB pool is refilled several times.
    const ids = Array.from({ length: 2_000 }, () => ulid());
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeTime(ids[0] as string)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1) as string)).toBeLessThanOrEqual(Date.now());
  });

  it("sort in creation order from the monotonic factory, even within one millisecond", () => {
    const next = monotonicUlidFactory();
    const at = Date.now();
    const ids = Array.from({ length: 500 }, () => next(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws uniformly spread bytes (every value of a byte appears)", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const value = pooledRandom();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      seen.add(Math.round(value * 256));
    }
    expect(seen.size).toBe(256);
  });
});
