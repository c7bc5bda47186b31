/**
 * Bench-only seeding of a merchant's payment history, straight into its
 * Durable Object's SQLite: 100,000 payments through the API would take
 * minutes (each one is a bank call), and the paging scenario measures reads,
 * not writes. Miniflare's unsafeGetDurableObjectStorage (enabled by the
 * stack's inspectDurableObjects option) runs SQL inside the live object, so
 * the rows land in the same database, behind the same input gate, as the
 * connector's own writes.
 *
 * The rows are settled payments as the connector would leave them (status
 * succeeded, bank_phase final, no next action), with ids that are real ULIDs
 * in creation order, one minute apart. Only the payments table is seeded:
 * listing reads nothing else; the event log and idempotency keys of these
 * payments do not exist, so the database is smaller than a real one with
 * the same history. This couples the bench to the payments table's columns
 * (migration 1); a later migration that adds a NOT NULL column without a
 * default will make seeding fail loudly, not silently.
 */
import type { Miniflare } from "miniflare";
import { monotonicFactory } from "ulid";

const ROWS_PER_STATEMENT = 5_000;
const MINUTE_MS = 60_000;

export interface SeedTarget {
  miniflare: Miniflare;
  /** Miniflare's name of the Worker ("" when the stack gives none). */
  scriptName: string;
  merchantId: string;
}

export interface SeedResult {
  inserted: number;
  elapsedMs: number;
  totalPayments: number;
}

export async function seedSettledPayments(target: SeedTarget, count: number): Promise<SeedResult> {
  const started = performance.now();
  const storage = await target.miniflare.unsafeGetDurableObjectStorage(target.scriptName, "MerchantAccount", { name: target.merchantId });
  const nextUlid = monotonicFactory();
  // History ends an hour ago, so the bench's own fresh payments sort after it.
  const firstAt = Date.now() - 3_600_000 - count * MINUTE_MS;
  for (let offset = 0; offset < count; offset += ROWS_PER_STATEMENT) {
    const rows: Array<[string, string, number, number]> = [];
    for (let i = offset; i < Math.min(count, offset + ROWS_PER_STATEMENT); i++) {
      const at = firstAt + i * MINUTE_MS;
      const ulid = nextUlid(at);
      rows.push([ulid, `seed-${ulid}`, 100 + (i % 50_000), at]);
    }
    await storage.exec(
      `INSERT INTO payments (id, idempotency_key, status, amount, currency, creditor_name, creditor_iban, reference, metadata,
         end_to_end_id, bank_phase, bank_transfer_id, bank_status, attempts, next_action_at, created_at, updated_at)
       SELECT 'pay_' || json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'succeeded', json_extract(value, '$[2]'), 'EUR',
         'Seeded Supplier', 'DE89370400440532013000', 'Seeded invoice', '{}',
         json_extract(value, '$[0]'), 'final', 'TRF-' || json_extract(value, '$[0]'), 'ACSC', 1, NULL,
         json_extract(value, '$[3]'), json_extract(value, '$[3]')
       FROM json_each(?)`,
      JSON.stringify(rows),
    );
  }
  const [counted] = await storage.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`);
  return { inserted: count, elapsedMs: performance.now() - started, totalPayments: counted?.n ?? 0 };
}
