/**
 * GET /docs: an interactive API reference (Scalar) of the same document
 * GET /openapi.json serves. The page is HTML that loads Scalar's script in
 * the reader's browser and fetches /openapi.json from this Worker, so what
 * it shows is what the routes declare.
 */
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../http/context.ts";
import { defineRoute } from "../openapi/define-route.ts";

const renderReference = Scalar<AppEnv>({ url: "/openapi.json", pageTitle: "mTLS payment connector API" });

export const docsRoute = defineRoute(
  {
    method: "get",
    path: "/docs",
    operationId: "getApiReference",
    summary: "Interactive API reference (HTML) of this document",
    tag: "operations",
    security: "none",
    responses: { 200: { description: "An HTML page that renders /openapi.json.", html: true } },
    problems: [],
  },
  async (c) => {
    const response = await renderReference(c, async () => {});
    if (!response) throw new Error("the API reference rendered nothing");
    return response;
  },
);
