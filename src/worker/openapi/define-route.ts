/**
 * A route is its OpenAPI operation and its handler, declared together
 * (defineRoute). The Hono app is registered from the same definitions the
 * document is built from, so the router and the description are one list.
 */
import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../http/context.ts";
import { pathParamReader } from "../http/path-params.ts";
import type { Operation, OperationFor, PathParamNames } from "./operation.ts";

/** A handler gets the path's parameters already validated with the schemas its operation declares. */
type RouteHandler<Params = Readonly<Record<string, string>>> = (c: AppContext, params: Params) => Response | Promise<Response>;

export interface RouteDefinition {
  readonly operation: Operation;
  readonly handler: RouteHandler;
}

export function defineRoute<const Path extends string>(
  operation: OperationFor<Path>,
  handler: RouteHandler<Readonly<Record<PathParamNames<Path>, string>>>,
): RouteDefinition {
  // registerRoutes passes exactly the parameters operation.pathParams names (the compiler ties those to the path).
  return { operation, handler: handler as RouteHandler };
}

/** `/v1/payments/{id}` → `/v1/payments/:id`. */
export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ":$1");
}

/** Each route's path parameters are validated (path-params.ts) before its handler runs. */
export function registerRoutes(app: Hono<AppEnv>, routes: readonly RouteDefinition[]): void {
  for (const { operation, handler } of routes) {
    const readPathParams = pathParamReader(operation);
    app.on(operation.method.toUpperCase(), honoPath(operation.path), async (c) => handler(c, await readPathParams(c)));
  }
}

/**
 * The methods the routes serve on a concrete path (empty when no route has
 * the path): a known path asked with another method answers 405 with these
 * in `Allow`. HEAD comes with GET (Hono answers it from the GET handler).
 */
export function allowedMethods(routes: readonly RouteDefinition[], pathname: string): string[] {
  const methods = new Set<string>();
  for (const { operation } of routes) {
    if (!pathPattern(operation.path).test(pathname)) continue;
    methods.add(operation.method.toUpperCase());
    if (operation.method === "get") methods.add("HEAD");
  }
  return [...methods].sort();
}

/** `/v1/payments/{id}` → a pattern matching `/v1/payments/<one segment>`, as the router does. */
function pathPattern(openApiPath: string): RegExp {
  const parts = openApiPath.split(/\{\w+\}/).map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[^/]+")}$`);
}
