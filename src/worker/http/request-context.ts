/**
 * First middleware: assigns the request id (echoing a caller's sane
 * X-Request-Id so its logs and ours join up) and writes the one access log
 * line per request once the response is known.
 */
import type { MiddlewareHandler } from "hono";
import { logEvent } from "../../platform/log.ts";
import { ulid } from "../../platform/ulid.ts";
import type { AppEnv } from "./context.ts";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const offered = c.req.header("x-request-id");
  const requestId = offered && SANE_REQUEST_ID.test(offered) ? offered : `req_${ulid()}`;
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
  logEvent(c.res.status >= 500 ? "error" : "info", "http_request", {
    request_id: requestId,
    method: c.req.method,
    route: c.req.routePath,
    status: c.res.status,
    latency_ms: Date.now() - started,
    merchant_id: c.get("merchantId"),
    payment_id: c.get("paymentId"),
    replayed: c.res.headers.get("idempotent-replayed") === "true" ? true : undefined,
  });
};
