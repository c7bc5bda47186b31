/**
 * A route is its OpenAPI operation and its handler, declared together
 * (defineRoute). The Hono app is registered from the same definitions the
 * document is built from, so the router and the description are one list.
 */
import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../http/context.ts";
import type { Operation, OperationFor } from "./operation.ts";

export type RouteHandler = (c: AppContext) => Response | Promise<Response>;

export interface RouteDefinition {
  readonly operation: Operation;
  readonly handler: RouteHandler;
}

export function defineRoute<const Path extends string>(operation: OperationFor<Path>, handler: RouteHandler): RouteDefinition {
  return { operation, handler };
}

/** `/v1/payments/{id}` → `/v1/payments/:id`. */
export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ":$1");
}

export function registerRoutes(app: Hono<AppEnv>, routes: readonly RouteDefinition[]): void {
  for (const { operation, handler } of routes) app.on(operation.method.toUpperCase(), honoPath(operation.path), handler);
}
