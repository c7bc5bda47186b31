/**
 * Migrations 12 and 13 on an object as an older version left it: the
 * payments table rebuilt with the new statuses (every row, column and index
 * kept), and stored webhook deliveries renamed from cancelled to canceled.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyMigrations } from "../src/merchant-object/migrations.ts";
import { rebuildTable, replaceInCheck } from "../src/merchant-object/table-rebuild.ts";
import { call, createMerchant, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { registerEndpoint, uniqueHookPath } from "./support/webhooks.ts";

const COLUMNS_ADDED_BY_12 = [
  "first_sent_at",
  "return_reason_code",
  "return_amount",
  "return_currency",
  "returned_at",
  "return_bank_reference",
];

describe("migrations 12 and 13", () => {
  it("rebuild payments with the returned and canceled statuses, and rename stored cancelled deliveries", async () => {
    const merchant = await createMerchant();
    // An endpoint, so the payments below leave delivery rows behind.
    await registerEndpoint(merchant.api_key, uniqueHookPath());
    const settled = await json(await postPayment(merchant.api_key, paymentBody()));
    const refused = await json(await postPayment(merchant.api_key, paymentBody({ currency: "CHF" })));
    expect([settled.status, refused.status]).toEqual(["succeeded", "failed"]);
    const outcome = await runInDurableObject(merchantStub(merchant.id), (_instance, state) => {
      const sql = state.storage.sql;
      const indexes = () =>
        sql
          .exec<{ name: string; sql: string }>(
            `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payments' ORDER BY name`,
          )
          .toArray();
      const payments = () => sql.exec(`SELECT id, status, amount, attempts, created_at FROM payments ORDER BY id`).toArray();
      // A delivery canceled by an endpoint deletion (whether one was still unfinished when deleted is a matter of timing).
      sql.exec(`UPDATE webhook_deliveries SET state = 'canceled' WHERE id = (SELECT MIN(id) FROM webhook_deliveries)`);
      const indexesBefore = indexes();
      const paymentsBefore = payments();
      // Back to the schema before 12 and 13, as an older version left it.
      state.storage.transactionSync(() => {
        rebuildTable(sql, {
          table: "payments",
          editDefinition: (text) => replaceInCheck(text, "status", ["pending", "succeeded", "failed"]),
        });
        for (const column of COLUMNS_ADDED_BY_12) sql.exec(`ALTER TABLE payments DROP COLUMN ${column}`);
        sql.exec(`DROP TABLE bank_returns`);
        sql.exec(`DROP TABLE return_watch`);
        rebuildTable(sql, {
          table: "webhook_deliveries",
          editDefinition: (text) => replaceInCheck(text, "state", ["pending", "delivered", "failed", "cancelled"]),
          copyAs: { state: `CASE state WHEN 'canceled' THEN 'cancelled' ELSE state END` },
        });
        sql.exec(`DELETE FROM schema_migrations WHERE id IN (12, 13)`);
      });
      const oldStates = sql.exec<{ state: string }>(`SELECT DISTINCT state FROM webhook_deliveries ORDER BY state`).toArray();
      expect(() => sql.exec(`UPDATE payments SET status = 'returned' WHERE id = ?`, settled.id)).toThrow(/CHECK constraint/);

      applyMigrations(state.storage);

      const returnedAccepted = (() => {
        try {
          state.storage.transactionSync(() => {
            sql.exec(`UPDATE payments SET status = 'returned' WHERE id = ?`, settled.id);
            throw new Error("roll back");
          });
        } catch (error) {
          return String(error).includes("roll back");
        }
        return false;
      })();
      return {
        oldStates: oldStates.map((row) => row.state),
        newStates: sql
          .exec<{ state: string }>(`SELECT DISTINCT state FROM webhook_deliveries ORDER BY state`)
          .toArray()
          .map((row) => row.state),
        indexesSame: JSON.stringify(indexes()) === JSON.stringify(indexesBefore),
        paymentsSame: JSON.stringify(payments()) === JSON.stringify(paymentsBefore),
        returnedAccepted,
        firstSent: sql.exec<{ id: string; first_sent_at: number | null }>(`SELECT id, first_sent_at FROM payments ORDER BY id`).toArray(),
        watch: sql.exec(`SELECT since, last_succeeded_at FROM return_watch`).toArray(),
        applied: sql
          .exec<{ id: number }>(`SELECT id FROM schema_migrations WHERE id IN (12, 13) ORDER BY id`)
          .toArray()
          .map((row) => row.id),
      };
    });

    expect(outcome.oldStates).toContain("cancelled");
    expect(outcome.newStates).toContain("canceled");
    expect(outcome.newStates).not.toContain("cancelled");
    expect(outcome).toMatchObject({ indexesSame: true, paymentsSame: true, returnedAccepted: true, applied: [12, 13] });
    // Payments attempted before the migration count as sent from their creation.
    expect(outcome.firstSent.every((row) => row.first_sent_at !== null)).toBe(true);
    expect(outcome.watch).toEqual([{ since: Date.parse(settled.updated_at), last_succeeded_at: Date.parse(settled.updated_at) }]);
    expect(await json(await call(`/v1/payments/${settled.id}`, { headers: { authorization: `Bearer ${merchant.api_key}` } }))).toEqual(
      settled,
    );
  });
});
