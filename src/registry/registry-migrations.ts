/**
 * SQLite schema of the registry object. Numbered like the merchant object's
 * (src/merchant-object/migrations.ts) but counted on their own: applied in
 * order in the constructor, never edited once shipped; a change is a new
 * entry at the end.
 */

interface RegistryMigration {
  id: number;
  description: string;
  statements: string[];
}

const REGISTRY_MIGRATIONS: RegistryMigration[] = [
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
];

export function applyRegistryMigrations(storage: DurableObjectStorage): void {
  const { sql } = storage;
  sql.exec(`CREATE TABLE IF NOT EXISTS registry_migrations (id INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    sql
      .exec<{ id: number }>(`SELECT id FROM registry_migrations`)
      .toArray()
      .map((row) => row.id),
  );
  for (const migration of REGISTRY_MIGRATIONS) {
    if (applied.has(migration.id)) continue;
    storage.transactionSync(() => {
      for (const statement of migration.statements) sql.exec(statement);
      sql.exec(`INSERT INTO registry_migrations (id, applied_at) VALUES (?, ?)`, migration.id, Date.now());
    });
  }
}
