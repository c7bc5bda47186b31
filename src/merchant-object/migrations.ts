/**
 * SQLite schema of a merchant's Durable Object. Migrations are numbered,
 * applied in order in the object's constructor, and never edited once
 * shipped: a change is a new entry at the end.
 */
import { applyNumberedMigrations, type NumberedMigration } from "../platform/numbered-migrations.ts";
import { reissueWebhookSecrets } from "../webhooks/secret-reissue.ts";
import { rebuildTable, replaceInCheck } from "./table-rebuild.ts";

export type Migration = NumberedMigration;

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    description: "merchant settings, API keys, payments, idempotency keys, daily totals, payment events",
    statements: [
      `CREATE TABLE IF NOT EXISTS merchant (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        debtor_iban TEXT NOT NULL,
        max_amount INTEGER,
        daily_amount INTEGER,
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        created_at INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      )`,
      `CREATE TABLE IF NOT EXISTS payments (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        creditor_name TEXT NOT NULL,
        creditor_iban TEXT NOT NULL,
        reference TEXT NOT NULL,
        metadata TEXT NOT NULL,
        end_to_end_id TEXT NOT NULL UNIQUE,
        bank_phase TEXT NOT NULL,
        bank_transfer_id TEXT,
        bank_status TEXT,
        bank_reason_code TEXT,
        failure_code TEXT,
        failure_message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_action_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS payments_by_status_created ON payments (status, created_at)`,
      `CREATE INDEX IF NOT EXISTS payments_by_next_action ON payments (next_action_at) WHERE next_action_at IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS idempotency_keys (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        payment_id TEXT,
        response_status INTEGER,
        response_body TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at)`,
      `CREATE TABLE IF NOT EXISTS daily_totals (
        day TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (day, currency)
      )`,
      `CREATE TABLE IF NOT EXISTS payment_events (
        payment_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        bank_status TEXT,
        reason_code TEXT,
        attempt INTEGER NOT NULL,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (payment_id, seq)
      )`,
    ],
  },
  {
    id: 2,
    description: "payments: whether the bank may hold the transfer (store-and-forward), inquiry count (backoff)",
    statements: [
      // 1 once a submission was attempted whose fate is not proven (see payment-row.ts).
      `ALTER TABLE payments ADD COLUMN bank_may_hold INTEGER NOT NULL DEFAULT 0`,
      // Rows from before this migration: any attempt may have reached the bank.
      `UPDATE payments SET bank_may_hold = 1 WHERE attempts > 0`,
      `ALTER TABLE payments ADD COLUMN inquiries INTEGER NOT NULL DEFAULT 0`,
    ],
  },
  {
    id: 3,
    description: "payment listing index (status, id); reconciliation reports and their items",
    statements: [
      // GET /v1/payments?status= pages in id order; the primary key's index serves it without a status.
      `CREATE INDEX IF NOT EXISTS payments_by_status_id ON payments (status, id)`,
      `CREATE TABLE IF NOT EXISTS reconciliation_reports (
        business_date TEXT PRIMARY KEY,
        generated_at INTEGER NOT NULL,
        statement_pages INTEGER NOT NULL,
        summary TEXT NOT NULL,
        runs INTEGER NOT NULL
      )`,
      // One row per item: a day's report can outgrow SQLite's 2 MB value limit for a single JSON blob.
      `CREATE TABLE IF NOT EXISTS reconciliation_items (
        business_date TEXT NOT NULL,
        seq INTEGER NOT NULL,
        class TEXT NOT NULL,
        end_to_end_id TEXT NOT NULL,
        payment_id TEXT,
        item TEXT NOT NULL,
        PRIMARY KEY (business_date, seq)
      )`,
    ],
  },
  {
    id: 5,
    description: "webhooks: endpoints, outbox events, deliveries and their attempts",
    statements: [
      // secret is stored in clear because it signs every delivery (an API key
      // is only ever compared, so only its hash is kept); '' once deleted.
      `CREATE TABLE IF NOT EXISTS webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        previous_secret TEXT,
        previous_secret_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        secret_rotated_at INTEGER,
        deleted_at INTEGER
      )`,
      // AUTOINCREMENT: a seq is never reused after old events are pruned, so a
      // client's cursor can never skip a newer event.
      `CREATE TABLE IF NOT EXISTS webhook_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        ordering_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id INTEGER PRIMARY KEY,
        event_seq INTEGER NOT NULL,
        endpoint_id TEXT NOT NULL,
        ordering_key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
        redelivery INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      )`,
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
         WHERE state = 'pending' AND next_attempt_at IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_by_chain ON webhook_deliveries (endpoint_id, ordering_key, id) WHERE state = 'pending'`,
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_by_event ON webhook_deliveries (event_seq)`,
      `CREATE INDEX IF NOT EXISTS webhook_events_by_created ON webhook_events (created_at)`,
      `CREATE TABLE IF NOT EXISTS webhook_attempts (
        delivery_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      )`,
    ],
  },
  {
    id: 6,
    description: "payments: when the bank booked the transfer (which statement day it belongs to)",
    statements: [
      // NULL when the bank did not say (or for rows from before): reconciled by creation day.
      `ALTER TABLE payments ADD COLUMN bank_booked_at INTEGER`,
      `CREATE INDEX IF NOT EXISTS payments_by_bank_booked ON payments (bank_booked_at) WHERE bank_booked_at IS NOT NULL`,
    ],
  },
  {
    id: 7,
    description: "webhooks: every endpoint secret reissued in the Standard Webhooks form (whsec_ + base64 of 32 bytes)",
    // Earlier secrets were base64url and keyed by their text, which Standard
    // Webhooks verifiers cannot use; SQLite has no base64, hence code.
    statements: [],
    apply: (sql) => reissueWebhookSecrets(sql, Date.now()),
  },
  {
    id: 8,
    description: "payments: 404 confirmation, held refusal of a resend, attention flag, discrepancy; attention report state",
    statements: [
      // The first 404 to an inquiry after an unknown outcome, until a second one confirms it (INQUIRY_CONFIRM_DELAY_MS).
      `ALTER TABLE payments ADD COLUMN first_not_found_at INTEGER`,
      // When the latest submission started: a 404 counts only after that attempt's BANK_TIMEOUT_MS.
      `ALTER TABLE payments ADD COLUMN last_sent_at INTEGER`,
      // A refusal answering a resend of a payment the bank may hold, kept (JSON) until an inquiry decides.
      `ALTER TABLE payments ADD COLUMN resend_refusal TEXT`,
      `ALTER TABLE payments ADD COLUMN attention_since INTEGER`,
      `ALTER TABLE payments ADD COLUMN attention_reason TEXT`,
      // Where counting starts again after an operator cleared the flag of a payment still pending.
      `ALTER TABLE payments ADD COLUMN attention_reset_steps INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE payments ADD COLUMN attention_reset_at INTEGER`,
      // The bank contradicting a final status (JSON, see schemas/merchant-api.ts PaymentDiscrepancy).
      `ALTER TABLE payments ADD COLUMN discrepancy TEXT`,
      `CREATE INDEX IF NOT EXISTS payments_needing_attention ON payments (id) WHERE attention_since IS NOT NULL`,
      // What the registry last heard of this object's flagged payments (src/payments/attention-report.ts).
      `CREATE TABLE IF NOT EXISTS attention_report_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version INTEGER NOT NULL,
        reported_version INTEGER,
        reported_oldest_pending_at INTEGER,
        reported_at INTEGER
      )`,
      `INSERT OR IGNORE INTO attention_report_state (singleton, version) VALUES (1, 0)`,
    ],
  },
  {
    id: 9,
    description: "payments: the next action a payment had before the bank's healing pulled it forward; whether the bank was failing",
    statements: [
      // Set when the bank answers again after failures (healing-wake.ts); restored if it fails again during the spread.
      `ALTER TABLE payments ADD COLUMN woken_from_at INTEGER`,
      // Written only when the bank starts failing and when it heals, so a new instance (eviction, deploy) keeps
      // probing it and still pulls payments forward when it heals (src/payments/dispatch.ts).
      `CREATE TABLE IF NOT EXISTS bank_circuit (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), failing_since INTEGER)`,
      `INSERT OR IGNORE INTO bank_circuit (singleton, failing_since) VALUES (1, NULL)`,
    ],
  },
  {
    id: 10,
    description: "payments: the bank request as first built (a resend sends the same bytes) and the bank profile that built it",
    statements: [
      // NULL until the first send; rows sent before this migration are rebuilt on a resend, as they always were.
      `ALTER TABLE payments ADD COLUMN bank_request_format TEXT`,
      `ALTER TABLE payments ADD COLUMN bank_request TEXT`,
    ],
  },
  {
    id: 11,
    description:
      "imported statement files (camt.053 / camt.054): their reports and parsed entries; where a reconciliation's statement came from",
    statements: [
      // The parsed entries and the file's SHA-256, never the raw file: one SQLite value holds at most 2 MB.
      // report_ids: the JSON array of Stmt/Id or Ntfctn/Id; with kind and message_id, what makes a file "the same".
      `CREATE TABLE IF NOT EXISTS statement_imports (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        message_id TEXT NOT NULL,
        report_ids TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        reply TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (kind, message_id, report_ids)
      )`,
      `CREATE TABLE IF NOT EXISTS statement_import_reports (
        import_id TEXT NOT NULL,
        report_index INTEGER NOT NULL,
        report_id TEXT NOT NULL,
        page_number INTEGER,
        last_page INTEGER,
        business_date TEXT,
        PRIMARY KEY (import_id, report_index)
      )`,
      `CREATE INDEX IF NOT EXISTS statement_import_reports_by_day ON statement_import_reports (business_date)
         WHERE business_date IS NOT NULL`,
      // One row per entry (a 5 MiB file holds tens of thousands): kind 'entry' (a BankStatementEntry) or 'return' (a BankReturn).
      `CREATE TABLE IF NOT EXISTS statement_import_entries (
        import_id TEXT NOT NULL,
        report_index INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('entry', 'return')),
        booked_at INTEGER NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (import_id, report_index, seq)
      )`,
      `CREATE INDEX IF NOT EXISTS statement_import_returns_by_booking ON statement_import_entries (booked_at) WHERE kind = 'return'`,
      // NULL for reports stored before: they came from the bank's API.
      `ALTER TABLE reconciliation_reports ADD COLUMN source TEXT`,
    ],
  },
  {
    id: 12,
    description: "payments: returned and canceled statuses, the return's fields, first send time; bank returns seen; the return watch",
    statements: [
      `ALTER TABLE payments ADD COLUMN first_sent_at INTEGER`,
      // Rows from before: the creation time is the best bound known for a payment ever attempted.
      `UPDATE payments SET first_sent_at = created_at WHERE attempts > 0`,
      `ALTER TABLE payments ADD COLUMN return_reason_code TEXT`,
      `ALTER TABLE payments ADD COLUMN return_amount INTEGER`,
      `ALTER TABLE payments ADD COLUMN return_currency TEXT`,
      `ALTER TABLE payments ADD COLUMN returned_at INTEGER`,
      `ALTER TABLE payments ADD COLUMN return_bank_reference TEXT`,
      // Every return entry the connector has seen, by the bank's reference of the return: the same
      // return seen again (another poll, a statement, an imported file) is recognized, and one that
      // could not be applied yet (its payment still pending) is kept to be tried again.
      `CREATE TABLE IF NOT EXISTS bank_returns (
        bank_reference TEXT PRIMARY KEY,
        return_of TEXT NOT NULL,
        payment_id TEXT,
        reason_code TEXT NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        booked_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        found_in TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        decided_at INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS bank_returns_unconfirmed ON bank_returns (first_seen_at) WHERE outcome = 'unconfirmed'`,
      `CREATE TABLE IF NOT EXISTS return_watch (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        since INTEGER,
        polled_at INTEGER,
        last_succeeded_at INTEGER
      )`,
      // Payments that succeeded before this migration are watched from the oldest of them.
      `INSERT OR IGNORE INTO return_watch (singleton, since, polled_at, last_succeeded_at)
         SELECT 1, MIN(updated_at), NULL, MAX(updated_at) FROM payments WHERE status = 'succeeded'`,
    ],
    apply: (sql) =>
      rebuildTable(sql, {
        table: "payments",
        editDefinition: (createSql) => replaceInCheck(createSql, "status", ["pending", "succeeded", "failed", "returned", "canceled"]),
      }),
  },
  {
    id: 13,
    description: "webhooks: the delivery state cancelled is spelled canceled",
    statements: [],
    apply: (sql) =>
      rebuildTable(sql, {
        table: "webhook_deliveries",
        editDefinition: (createSql) => replaceInCheck(createSql, "state", ["pending", "delivered", "failed", "canceled"]),
        copyAs: { state: `CASE state WHEN 'cancelled' THEN 'canceled' ELSE state END` },
      }),
  },
];

/** Whether this object's database was ever initialized (a read; creates nothing). */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).toArray().length > 0;
}

/** Applies every migration not yet recorded in schema_migrations (see applyNumberedMigrations); returns how many are recorded. */
export function applyMigrations(storage: DurableObjectStorage, migrations: Migration[] = MIGRATIONS): number {
  return applyNumberedMigrations(storage, migrations, { table: "schema_migrations", recordsDescription: true });
}
