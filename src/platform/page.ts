/**
 * One page of rows read with `LIMIT limit + 1`: the extra row is never
 * answered, it only tells whether another page exists.
 */
export function pageOf<Row>(rows: readonly Row[], limit: number): { items: Row[]; hasMore: boolean } {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}
