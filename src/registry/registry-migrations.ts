/**
 * SQLite schema of the registry object. Numbered like the merchant object's
 * (src/merchant-object/migrations.ts) but counted on their own: applied in
 * order in the constructor, never edited once shipped; a change is a new
 * entry at the end.
 */

import { applyNumberedMigrations, type NumberedMigration } from "../platform/numbered-migrations.ts";

const REGISTRY_MIGRATIONS: NumberedMigration[] = [
  {
    id: 1,
    description: "the merchant list as first shipped (IF NOT EXISTS: registries that predate this list already have it)",
    statements: [`CREATE TABLE IF NOT EXISTS merchants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL)`],
  },
  {
    id: 2,
    description:
      "each merchant's status and debtor IBAN mirrored for the operator list (null until backfilled from the merchant's object); one merchant per debtor IBAN",
    statements: [
      `ALTER TABLE merchants ADD COLUMN debtor_iban TEXT`,
      `ALTER TABLE merchants ADD COLUMN status TEXT CHECK (status IN ('active', 'disabled'))`,
      `CREATE INDEX merchants_by_status ON merchants (status, id)`,
      `CREATE INDEX merchants_to_backfill ON merchants (id) WHERE debtor_iban IS NULL`,
      // The unique constraint lives in its own table: merchants created before
      // it may share an IBAN (they keep working), and only the first of them
      // holds the claim (directory.ts, backfill).
      `CREATE TABLE debtor_iban_claims (debtor_iban TEXT PRIMARY KEY, merchant_id TEXT NOT NULL) WITHOUT ROWID`,
    ],
  },
  {
    id: 3,
    description:
      "the last reported bank call, for GET /health (IF NOT EXISTS: registries that predate this migration created it in the constructor)",
    statements: [
      `CREATE TABLE IF NOT EXISTS bank_health (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        at INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        http_status INTEGER,
        outcome TEXT NOT NULL
      )`,
    ],
  },
  {
    id: 4,
    description:
      "each merchant's payments needing attention, as last reported (IF NOT EXISTS: registries that predate this migration created them in the constructor)",
    statements: [
      `CREATE TABLE IF NOT EXISTS attention_merchants (
        merchant_id TEXT PRIMARY KEY,
        reported_at INTEGER NOT NULL,
        oldest_pending_at INTEGER,
        attention_count INTEGER NOT NULL
      )`,
      // Payment ids are ULIDs: id order is creation order, so paging by id lists the oldest first.
      `CREATE TABLE IF NOT EXISTS attention_payments (
        payment_id TEXT PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        status TEXT NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        since INTEGER NOT NULL,
        reason TEXT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS attention_payments_by_merchant ON attention_payments (merchant_id)`,
    ],
  },
  {
    id: 5,
    description: "each merchant object's circuit as last reported, and whether the others were told the bank is down (bank-news.ts)",
    statements: [
      // received_at: the registry's clock (the active window); report_at: the reporting object's (report order).
      // failing_since: failing by its own calls; told_down_at: failing because the "down" news opened its circuit.
      `CREATE TABLE bank_circuits (
        merchant_id TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL,
        report_at INTEGER NOT NULL,
        failing_since INTEGER,
        told_down_at INTEGER,
        told_back_at INTEGER
      ) WITHOUT ROWID`,
      `CREATE TABLE bank_news (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), down_since INTEGER)`,
    ],
  },
];

/** The registry's ledger has no description column (it never had one; stored registries keep theirs). */
export function applyRegistryMigrations(storage: DurableObjectStorage): void {
  applyNumberedMigrations(storage, REGISTRY_MIGRATIONS, { table: "registry_migrations", recordsDescription: false });
}
