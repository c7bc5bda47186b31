/**
 * Durable Object SQL allows at most 100 bound parameters per statement; local
 * workerd does not enforce it, so these tests do: the batch operations that
 * build IN (...) lists run against a guard that refuses any statement binding
 * more than the limit.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { purgeExpiredKeys } from "../src/payments/idempotency-expiry.ts";
import { MAX_BOUND_PARAMETERS } from "../src/platform/sql-slices.ts";
import { pruneEvents, WEBHOOK_EVENT_RETENTION_MS } from "../src/webhooks/outbox.ts";
import { createMerchant, merchantStub } from "./support/api.ts";

function guarded(sql: SqlStorage): SqlStorage {
  return new Proxy(sql, {
    get(target, property) {
      if (property !== "exec") return Reflect.get(target, property) as unknown;
      return (query: string, ...bindings: SqlStorageValue[]) => {
        if (bindings.length > MAX_BOUND_PARAMETERS) throw new Error(`${bindings.length} bound parameters in: ${query.slice(0, 80)}`);
        return target.exec(query, ...bindings);
      };
    },
  });
}

const count = (sql: SqlStorage, table: string): number => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;

describe("statements over a batch bind at most 100 parameters", () => {
  it("pruning 250 webhook events and purging 250 idempotency keys", async () => {
    const merchant = await createMerchant();
    await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      const sql = state.storage.sql;
      const old = Date.now() - WEBHOOK_EVENT_RETENTION_MS - 60_000;
      const before = count(sql, "webhook_events");
      sql.exec(
        `INSERT INTO webhook_events (id, type, ordering_key, created_at, body)
         SELECT 'evt_TEST' || value, 'payment.pending', 'pay_x', ?, '{}' FROM json_each(?)`,
        old,
        JSON.stringify(Array.from({ length: 250 }, (_, i) => i)),
      );
      sql.exec(
        `INSERT INTO idempotency_keys (key, fingerprint, payment_id, created_at, expires_at)
         SELECT 'key-' || value, 'f', NULL, ?, ? FROM json_each(?)`,
        old,
        Date.now() - 1,
        JSON.stringify(Array.from({ length: 250 }, (_, i) => i)),
      );

      expect(pruneEvents(guarded(sql), Date.now() - WEBHOOK_EVENT_RETENTION_MS)).toBe(250);
      expect(count(sql, "webhook_events")).toBe(before);
      purgeExpiredKeys(guarded(sql), Date.now(), 72 * 3_600_000);
      expect(sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency_keys WHERE key LIKE 'key-%'`).one().n).toBe(0);
    });
  });
});
