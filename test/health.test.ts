/**
 * GET /health: version and the last reported bank call, no secrets.
 * Durable Object storage is per test file here (the registry other files
 * write to is not this one), but the assertions still look for "a call at or
 * after this test's own" rather than an exact record, so they would hold
 * with shared storage too.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import packageJson from "../package.json";
import type { HealthResponse } from "../schemas/health.ts";
import { BankHealthReporter, bankCallReport } from "../src/bank/bank-health-report.ts";
import { CONNECTOR_VERSION } from "../src/platform/version.ts";
import { call, createMerchant, paymentBody, postPayment } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";

async function health(): Promise<HealthResponse> {
  const response = await call("/health");
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as HealthResponse;
}

describe("GET /health", () => {
  it("reports the package version", async () => {
    expect(CONNECTOR_VERSION).toBe(packageJson.version);
    expect((await health()).version).toBe(packageJson.version);
  });

  it("reports that the bank answered, after a real bank call", async () => {
    const started = Date.now();
    const merchant = await createMerchant();
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
    await vi.waitFor(
      async () => {
        const body = await health();
        expect(body.bank).not.toBeNull();
        expect(Date.parse(body.bank?.at ?? "")).toBeGreaterThanOrEqual(started);
        expect(body).toMatchObject({ status: "ok", bank: { answered: true } });
      },
      { timeout: 5_000, interval: 250 },
    );
  });

  it("reports degraded when the last reported call got no answer, and carries no secrets", async () => {
    // Dated a few seconds ahead, so no real call reported meanwhile can overwrite it.
    const failed = bankCallReport(null, { kind: "not_sent", reason: "TLS handshake failed" }, Date.now() + 5_000);
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
    await runInDurableObject(registry, (instance) => instance.recordBankCall(failed));
    await vi.waitFor(
      async () => {
        expect(await health()).toMatchObject({ status: "degraded", bank: { answered: false, http_status: null, outcome: "not_sent" } });
      },
      { timeout: 4_000, interval: 200 },
    );
    const text = await (await call("/health")).text();
    for (const secret of [TEST_ADMIN_TOKEN, "BANK_URL", "https://", "BEGIN", "mck_", "mer_", "TLS handshake"])
      expect(text).not.toContain(secret);
  });
});

describe("BankHealthReporter", () => {
  const ok = (at: number) => bankCallReport(201, { kind: "accepted", transfer: {} as never }, at);
  const down = (at: number) => bankCallReport(null, { kind: "unknown", reason: "timeout" }, at);

  it("sends the first report, then only flips or one per interval", () => {
    const reporter = new BankHealthReporter(60_000);
    expect(reporter.take(ok(0))).toBeDefined();
    expect(reporter.take(ok(1_000))).toBeUndefined();
    expect(reporter.take(down(2_000))).toBeDefined();
    expect(reporter.take(down(3_000))).toBeUndefined();
    expect(reporter.take(down(62_000))).toBeDefined();
    expect(reporter.take(ok(62_001))).toBeDefined();
  });

  it("sends a circuit flip at once, within the interval and whatever the answer", () => {
    const reporter = new BankHealthReporter(60_000);
    const circuit = (failing: boolean) => ({ merchant_id: "mer_x", failing, by_own_calls: failing });
    expect(reporter.take(bankCallReport(201, { kind: "accepted", transfer: {} as never }, 0, circuit(false)))).toBeDefined();
    // A 503 is an answer (no flip of `answered`), but it makes the circuit count the bank as failing: news.
    const failing = bankCallReport(503, { kind: "unknown", reason: "503" }, 1_000, circuit(true));
    expect(reporter.take(failing)).toBeUndefined();
    expect(reporter.take(failing, true)).toMatchObject({ circuit: { merchant_id: "mer_x", failing: true } });
  });

  it("re-sends after a report that failed to arrive", () => {
    const reporter = new BankHealthReporter(60_000);
    const first = reporter.take(ok(0));
    reporter.forget(first as NonNullable<typeof first>);
    expect(reporter.take(ok(1))).toBeDefined();
  });

  it("the registry keeps the newest report, whatever the arrival order", async () => {
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName(`health-order-${crypto.randomUUID()}`));
    await runInDurableObject(registry, (instance) => {
      instance.recordBankCall(ok(2_000));
      instance.recordBankCall(down(1_000));
      expect(instance.healthReport().bank).toMatchObject({ at: 2_000, answered: true });
      instance.recordBankCall(down(3_000));
      expect(instance.healthReport().bank).toMatchObject({ at: 3_000, answered: false });
    });
  });
});
