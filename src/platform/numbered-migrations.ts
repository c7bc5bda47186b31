/**
 * Applies numbered SQLite migrations for both Durable Object classes: the
 * merchant object's (src/merchant-object/migrations.ts) and the registry's
 * (src/registry/registry-migrations.ts), each with its own list and ledger.
 */

export interface NumberedMigration {
  id: number;
  description: string;
  statements: string[];
  /** Runs after the statements, in the same transaction: for rows whose new values only code can compute. */
  apply?: (sql: SqlStorage) => void;
}

/**
 * The table recording which migrations ran, as it first shipped in each
 * object: the merchant object's schema_migrations records each description,
 * the registry's registry_migrations never had that column. Stored databases
 * keep the table they have.
 */
export interface MigrationLedger {
  table: "schema_migrations" | "registry_migrations";
  recordsDescription: boolean;
}

/**
 * Applies, in id order, every migration not yet recorded, each in its own
 * transaction. Recorded ids are compared as a set, not as a high-water mark,
 * so a migration that lands after a higher-numbered one (parallel branches)
 * is still applied. Returns how many are recorded.
 */
export function applyNumberedMigrations(storage: DurableObjectStorage, migrations: NumberedMigration[], ledger: MigrationLedger): number {
  const sql = storage.sql;
  const { table, recordsDescription } = ledger;
  sql.exec(
    recordsDescription
      ? `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`
      : `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
  );
  const applied = new Set(
    sql
      .exec<{ id: number }>(`SELECT id FROM ${table}`)
      .toArray()
      .map((row) => row.id),
  );
  for (const migration of [...migrations].sort((x, y) => x.id - y.id)) {
    if (applied.has(migration.id)) continue;
    storage.transactionSync(() => {
      for (const statement of migration.statements) sql.exec(statement);
      migration.apply?.(sql);
      if (recordsDescription)
        sql.exec(`INSERT INTO ${table} (id, description, applied_at) VALUES (?, ?, ?)`, migration.id, migration.description, Date.now());
      else sql.exec(`INSERT INTO ${table} (id, applied_at) VALUES (?, ?)`, migration.id, Date.now());
    });
    applied.add(migration.id);
  }
  return applied.size;
}
