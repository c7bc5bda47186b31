/** GET /openapi.json: the document built from every route's declared operation. */
import { z } from "zod";
import { defineRoute, type RouteDefinition } from "../openapi/define-route.ts";
import { buildOpenApiDocument } from "../openapi/document.ts";

const OpenApiDocument = z.looseObject({}).meta({ id: "OpenApiDocument" });

/**
 * `routes` is read at the first request, not here: the list it returns
 * holds this route too (api-routes.ts), so it cannot exist yet.
 */
export function openApiDocumentRoute(routes: () => readonly RouteDefinition[]): RouteDefinition {
  /** Built on first request and kept for the isolate's life: it depends only on the code. */
  let document: string | undefined;
  return defineRoute(
    {
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApiDocument",
      summary: "This document",
      tag: "operations",
      security: "none",
      responses: { 200: { description: "OpenAPI 3.1 document.", schema: OpenApiDocument } },
      problems: [],
    },
    (c) => {
      document ??= JSON.stringify(buildOpenApiDocument(routes().map((route) => route.operation)));
      return c.body(document, 200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
    },
  );
}
