import { Hono } from "hono";
import { buildOpenApiDocument } from "../../../schemas/openapi.ts";
import type { AppEnv } from "../http/context.ts";

export const openApiRoutes = new Hono<AppEnv>();

/** Built on first request and kept for the isolate's life: it depends only on the code. */
let document: string | undefined;

openApiRoutes.get("/openapi.json", (c) => {
  document ??= JSON.stringify(buildOpenApiDocument());
  return c.body(document, 200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
});
