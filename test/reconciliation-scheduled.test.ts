import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ulid } from "ulid";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MerchantCreated, Payment } from "../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../schemas/reconciliation.ts";
import { businessDateBefore, REGISTRY_PAGE_SIZE } from "../src/reconciliation/daily-job.ts";
import { merchantRegistry } from "../src/registry/merchant-registry.ts";
import worker from "../src/worker/index.ts";
import { getPayment, json, paymentBody, postPayment, uniqueIban } from "./support/api.ts";
import { addFault } from "./support/faults.ts";
import { createIsolatedMerchant, getReconciliation, injectDiscrepancy, todayUtc } from "./support/reconciliation.ts";
import { holdRecovery } from "./support/recovery.ts";

const DAY_MS = 86_400_000;

afterEach(() => {
  vi.restoreAllMocks();
});

async function pay(apiKey: string): Promise<Payment> {
  const response = await postPayment(apiKey, paymentBody());
  expect([201, 202]).toContain(response.status);
  return json(response);
}

describe("scheduled daily reconciliation", () => {
  it("reconciles yesterday (UTC) relative to the trigger time", () => {
    expect(businessDateBefore(Date.parse("2026-11-24T00:20:00Z"))).toBe("2026-11-23");
    expect(businessDateBefore(Date.parse("2026-03-01T00:20:00Z"))).toBe("2026-02-28");
    expect(businessDateBefore(Date.parse("2026-01-01T23:59:59.999Z"))).toBe("2025-12-31");
  });

  it("reconciles every merchant in the registry, across registry pages, one log line each", async () => {
    // More merchants than one registry page, so the job must page through the registry.
    const merchants: MerchantCreated[] = [];
    while (merchants.length < REGISTRY_PAGE_SIZE + 5) {
      merchants.push(...(await Promise.all(Array.from({ length: 15 }, () => createIsolatedMerchant("Scheduled Shop")))));
    }
    const [withPayments, withPending, withDiscrepancy] = merchants as [MerchantCreated, MerchantCreated, MerchantCreated];
    await pay(withPayments.api_key);
    await pay(withPayments.api_key);
    // Answered ACSP, settled by the bank right after; recovery is held, so the scheduled run resolves it.
    await holdRecovery(withPending.id);
    await addFault({
      match: { debtor_iban: withPending.debtor_iban, operation: "submit" },
      action: { kind: "async_settlement", interim: "ACSP", final: "ACSC", after_ms: 0 },
      times: 1,
    });
    const pending = await pay(withPending.api_key);
    expect(pending.status).toBe("pending");
    await pay(withDiscrepancy.api_key);
    await injectDiscrepancy(withDiscrepancy.debtor_iban, {
      kind: "unexpected_entry",
      end_to_end_id: "CRON-UNEXPECTED-1",
      amount: { value: 99, currency: "EUR" },
      status: "ACSC",
      booked_at: new Date().toISOString(),
    });

    const lines: Array<Record<string, unknown>> = [];
    const capture = (...args: unknown[]) => {
      if (typeof args[0] !== "string") return;
      try {
        const parsed = JSON.parse(args[0]) as Record<string, unknown>;
        if (typeof parsed.event === "string" && parsed.event.startsWith("scheduled_reconciliation")) lines.push(parsed);
      } catch {
        // not one of our JSON lines
      }
    };
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);

    // Fired at 00:20 tomorrow, the job reconciles today, when these payments were made.
    const tomorrow = Date.parse(`${todayUtc()}T00:20:00Z`) + DAY_MS;
    const controller = createScheduledController({ scheduledTime: tomorrow, cron: "20 0 * * *" });
    await worker.scheduled(controller, env);
    vi.restoreAllMocks();

    for (const merchant of merchants) {
      const mine = lines.filter((line) => line.event === "scheduled_reconciliation" && line.merchant_id === merchant.id);
      expect(mine, merchant.id).toHaveLength(1);
      expect(mine[0]).toMatchObject({ level: "info", outcome: "reconciled", business_date: todayUtc(), statement_pages: 1 });
    }
    const lineOf = (merchant: MerchantCreated) => lines.find((line) => line.merchant_id === merchant.id);
    expect(lineOf(withPayments)).toMatchObject({ matched: 2, connector_payments: 2, statement_entries: 2 });
    expect(lineOf(withPending)).toMatchObject({ matched: 1, resolved: 1 });
    expect(lineOf(withDiscrepancy)).toMatchObject({ matched: 1, unexpected_at_bank: 1 });
    expect(lineOf(merchants.at(-1)!)).toMatchObject({ matched: 0, connector_payments: 0, statement_entries: 0 });
    const run = lines.find((line) => line.event === "scheduled_reconciliation_run");
    expect(run).toMatchObject({ date: todayUtc(), failed: 0 });
    expect(run?.merchants as number).toBeGreaterThanOrEqual(merchants.length);

    // The job's reports are the merchants' stored reports, and the pending payment was settled.
    const stored = await json<ReconciliationReport>(await getReconciliation(withPending.api_key, todayUtc()));
    expect(stored.summary).toMatchObject({ matched: 1, resolved: 1 });
    expect((await json(await getPayment(withPending.api_key, pending.id))).status).toBe("succeeded");
    // No line carries a full IBAN.
    expect(JSON.stringify(lines)).not.toContain(withPayments.debtor_iban);
  });

  it("logs a registered merchant whose object was never initialized as skipped", async () => {
    const ghost = `mer_${ulid()}`;
    await merchantRegistry(env).register({ id: ghost, name: "Never initialized", debtor_iban: uniqueIban(), created_at: Date.now() });
    const lines: Array<Record<string, unknown>> = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      if (typeof line === "string" && line.includes(ghost)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "20 0 * * *" }), env);
    vi.restoreAllMocks();
    expect(lines.filter((line) => line.event === "scheduled_reconciliation")).toEqual([
      expect.objectContaining({ merchant_id: ghost, outcome: "skipped", reason: "merchant object not initialized" }),
    ]);
  });
});
