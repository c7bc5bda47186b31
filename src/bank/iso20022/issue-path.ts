/** Where a Zod validation failed, as an element path: it names the structure, never a value (which may be an IBAN). */
export function firstIssuePath(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }> }): string {
  const path = error.issues[0]?.path ?? [];
  return path.length === 0 ? "the document" : path.map(String).join("/");
}
