/**
 * SQLite cannot change a CHECK constraint in place: the table is rebuilt
 * (create the new table, copy, drop the old, rename, recreate every index),
 * all inside the migration's transaction, as SQLite's own "making other kinds
 * of table schema changes" recipe says.
 *
 * The new table is made from the table's CURRENT definition (sqlite_master),
 * edited, not from a copy of an old CREATE statement: a column another
 * migration added with ALTER TABLE (parallel branches number theirs
 * independently) is carried over, never silently dropped.
 */

export interface TableRebuild {
  table: string;
  /** Edits the table's CREATE TABLE text; must throw when the text is not what it expects. */
  editDefinition(createSql: string): string;
  /** SQL expressions replacing a column's value while copying (e.g. renaming a stored value), by column name. */
  copyAs?: Readonly<Record<string, string>>;
}

const TABLE_NAME = /^[a-z_]+$/;

export function rebuildTable(sql: SqlStorage, rebuild: TableRebuild): void {
  const { table } = rebuild;
  if (!TABLE_NAME.test(table)) throw new Error(`not a table name: ${table}`);
  const definition = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).toArray()[0]?.sql;
  if (!definition) throw new Error(`table ${table} does not exist`);
  const indexes = sql
    .exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table)
    .toArray()
    .map((row) => row.sql);
  const columns = sql
    .exec<{ name: string }>(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
    .toArray()
    .map((row) => row.name);

  const staging = `${table}_rebuild`;
  const header = new RegExp(`^CREATE TABLE\\s+(?:"${table}"|${table})\\s*\\(`);
  if (!header.test(definition)) throw new Error(`unexpected definition of ${table}: ${definition.slice(0, 60)}`);
  const edited = rebuild.editDefinition(definition).replace(header, `CREATE TABLE ${staging} (`);

  sql.exec(`DROP TABLE IF EXISTS ${staging}`);
  sql.exec(edited);
  const quoted = columns.map((name) => `"${name}"`).join(", ");
  const values = columns.map((name) => rebuild.copyAs?.[name] ?? `"${name}"`).join(", ");
  sql.exec(`INSERT INTO ${staging} (${quoted}) SELECT ${values} FROM ${table}`);
  sql.exec(`DROP TABLE ${table}`);
  sql.exec(`ALTER TABLE ${staging} RENAME TO ${table}`);
  for (const index of indexes) sql.exec(index);
}

/** Replaces a column's `CHECK (<column> IN (...))` list; throws when the table has no such check. */
export function replaceInCheck(createSql: string, column: string, values: readonly string[]): string {
  const check = new RegExp(`CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\([^)]*\\)\\s*\\)`);
  if (!check.test(createSql)) throw new Error(`no CHECK (${column} IN (...)) to replace`);
  const list = values.map((value) => `'${value.replace(/'/g, "''")}'`).join(", ");
  return createSql.replace(check, `CHECK (${column} IN (${list}))`);
}
