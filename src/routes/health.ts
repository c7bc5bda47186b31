import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { CONNECTOR_VERSION } from "../version.ts";

export const healthRoutes = new Hono<AppEnv>();

/** Unauthenticated liveness: no configuration values and no merchant data. */
healthRoutes.get("/health", (c) => c.json({ status: "ok", version: CONNECTOR_VERSION }, 200, { "cache-control": "no-store" }));
