/** GET /admin/v1/merchants: the operator's list of merchants, from the registry's mirror, a page at a time. */
import { ListMerchantsQuery, MerchantList } from "../../../schemas/admin-api.ts";
import { pageBody } from "../../../schemas/list-page.ts";
import { merchantRegistry } from "../../registry/merchant-registry.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { ADMIN_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const listMerchants = defineRoute(
  {
    method: "get",
    path: "/admin/v1/merchants",
    operationId: "listMerchants",
    summary: "List merchants, a page at a time",
    description:
      "Oldest first (ids are time-ordered). Send `next_cursor` back as `cursor`, with the same `status`, for the next page. Status and debtor IBAN are the registry's copy of each merchant's own.",
    tag: "admin",
    security: "admin",
    query: ListMerchantsQuery,
    responses: { 200: { description: "One page.", schema: MerchantList } },
    problems: ["validation-error", ...ADMIN_AUTH_PROBLEMS],
  },
  async (c) => {
    const query = validateQueryOrThrow(ListMerchantsQuery, c.req.url);
    const page = await merchantRegistry(c.env).listMerchants({
      status: query.status ?? null,
      after: query.cursor ?? null,
      limit: query.limit,
    });
    const body: MerchantList = pageBody(
      page.merchants.map((merchant) => ({ ...merchant, created_at: new Date(merchant.created_at).toISOString() })),
      page.hasMore,
      (last) => last.id,
    );
    return c.json(body, 200, { "cache-control": "no-store" });
  },
);

export const adminMerchantListRoutes = [listMerchants];
