/**
 * The one shape of every list the API answers: `{ data, has_more,
 * next_cursor }` (docs/api.md, "Lists"). A list that fits in one answer
 * (a merchant's API keys, its webhook endpoints, a payment's events) still
 * says so in the same words, so a client pages every list with one loop.
 */
import { z } from "zod";

/** The fields of a page of `item`; spread into the list's own object so it can add fields and an id. */
export function pageFields<Item extends z.ZodType>(item: Item, order?: string) {
  return {
    // The order is part of the contract: said on the list itself when the list states it.
    data: order === undefined ? z.array(item) : z.array(item).meta({ description: order }),
    has_more: z.boolean().meta({ description: "True when more items follow this page." }),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` (with the same filters) for the next page; null on the last page." }),
  };
}

/**
 * The body of a page built with `pageFields`: the cursor is taken from the
 * page's last item, and only when another page follows.
 */
export function pageBody<Item>(
  data: Item[],
  hasMore: boolean,
  cursorOf: (last: Item) => string,
): { data: Item[]; has_more: boolean; next_cursor: string | null } {
  const last = data.at(-1);
  return { data, has_more: hasMore, next_cursor: hasMore && last ? cursorOf(last) : null };
}

/** The fields of a list that is always answered whole. */
export function wholeListFields<Item extends z.ZodType>(item: Item) {
  return {
    data: z.array(item),
    has_more: z.boolean().meta({ description: "Always false: the whole list is in `data`." }),
    next_cursor: z.string().nullable().meta({ description: "Always null: the whole list is in `data`." }),
  };
}

/** What a whole list answers besides `data`. */
export const WHOLE_LIST = { has_more: false, next_cursor: null } as const;
