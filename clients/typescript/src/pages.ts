/**
 * Every list the connector answers is `{ data, has_more, next_cursor }`
 * (docs/api.md, "Lists"): one loop reads any of them to the end.
 */

export interface Page<Item> {
  data: Item[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * Yields every item, page after page. `readPage` asks for the page after
 * `cursor` (undefined for the first) with the same filters each time.
 * Not for GET /v1/events, whose cursor never ends (it is for polling).
 */
export async function* allItems<Item>(readPage: (cursor: string | undefined) => Promise<Page<Item>>): AsyncGenerator<Item> {
  let cursor: string | undefined;
  for (;;) {
    const page = await readPage(cursor);
    yield* page.data;
    if (!page.has_more || page.next_cursor === null) return;
    cursor = page.next_cursor;
  }
}
