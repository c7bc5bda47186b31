import { describe, expect, it } from "vitest";
import { withTimeout } from "../../src/platform/with-timeout.ts";

describe("withTimeout", () => {
  it("settles as the promise does when it is in time", async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error("refused")), 1_000)).rejects.toThrow("refused");
  });

  it("rejects once the time is up while the promise is still pending", async () => {
    const never = new Promise<number>(() => {});
    await expect(withTimeout(never, 20)).rejects.toThrow("no answer within 20 ms");
  });
});
