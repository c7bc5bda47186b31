/**
 * SQLite schema of a merchant's Durable Object. Migrations are numbered,
 * applied in order in the object's constructor, and never edited once
 * shipped: a change is a new entry at the end.
 */
export interface Migration {
  id: number;
  description: string;
  statements: string[];
}

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
];

/** Whether this object's database was ever initialized (a read; creates nothing). */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).toArray().length > 0;
}

/** Applies every migration newer than the stored version, each in its own transaction. */
export function applyMigrations(storage: DurableObjectStorage, migrations: Migration[] = MIGRATIONS): number {
  const sql = storage.sql;
  sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const row = sql.exec<{ version: number | null }>(`SELECT MAX(id) AS version FROM schema_migrations`).one();
  let version = row.version ?? 0;
  for (const migration of migrations) {
    if (migration.id <= version) continue;
    storage.transactionSync(() => {
      for (const statement of migration.statements) sql.exec(statement);
      sql.exec(`INSERT INTO schema_migrations (id, description, applied_at) VALUES (?, ?, ?)`, migration.id, migration.description, Date.now());
    });
    version = migration.id;
  }
  return version;
}
