/**
 * Durable Object SQL accepts at most 100 bound parameters per statement
 * (Cloudflare's Durable Objects limits page); local workerd does not enforce
 * it, so a statement that binds a whole batch would pass every local test and
 * fail in production. Statements over a list of values run in slices.
 */
export const MAX_BOUND_PARAMETERS = 100;

/** Runs `statement` once per slice of `values`, with `marks` the matching "?,?,…" list. */
export function execInSlices(
  sql: SqlStorage,
  values: readonly SqlStorageValue[],
  statement: (marks: string) => string,
  size = MAX_BOUND_PARAMETERS,
): void {
  for (let i = 0; i < values.length; i += size) {
    const slice = values.slice(i, i + size);
    sql.exec(statement(slice.map(() => "?").join(",")), ...slice);
  }
}
