/**
 * The connector Worker: routes only. Each route parses and authenticates the
 * request, hands the validated command to the merchant's Durable Object and
 * maps the answer onto HTTP. Business rules live in src/payments/, src/webhooks/ and src/reconciliation/, behind the merchant object (src/merchant-object/).
 */
import { Hono } from "hono";
import { ConfigurationError } from "../platform/config.ts";
import type { Env } from "../platform/env.ts";
import { logEvent } from "../platform/log.ts";
import { reconcileAllMerchants, type ScheduledReconciliationReply } from "../reconciliation/daily-job.ts";
import { merchantRegistry } from "../registry/merchant-registry.ts";
import type { AppEnv } from "./http/context.ts";
import { callMerchant } from "./http/merchant-stub.ts";
import { echoable, ProblemError, problem, problemResponse } from "./http/problem.ts";
import { requestContext } from "./http/request-context.ts";
import { allowedMethods, registerRoutes } from "./openapi/define-route.ts";
import { requireAdmin } from "./routes/admin.ts";
import { API_ROUTES } from "./routes/api-routes.ts";

export { MerchantAccount } from "../merchant-object/merchant-account.ts";
export { MerchantRegistry } from "../registry/merchant-registry.ts";

export const app = new Hono<AppEnv>();

app.use("*", requestContext);
// One gate for every /admin/* path, known or not: without the token even a
// 404 is not given out, so the operator API cannot be mapped from outside.
app.use("/admin/*", requireAdmin);
// The same list GET /openapi.json is built from: what is served is what is described.
registerRoutes(app, API_ROUTES);

app.notFound((c) => {
  const method = echoable(c.req.method, 16);
  const path = new URL(c.req.url).pathname;
  const allowed = allowedMethods(API_ROUTES, path);
  if (allowed.length > 0) {
    return problemResponse(
      problem("method-not-allowed", `${method} is not served on ${echoable(path, 128)}; it answers ${allowed.join(", ")}.`),
      c.get("requestId"),
      { allow: allowed.join(", ") },
    );
  }
  return problemResponse(problem("not-found", `No route for ${method} ${echoable(path, 128)}.`), c.get("requestId"));
});

app.onError((error, c) => {
  if (error instanceof ProblemError) return problemResponse(error.problem, c.get("requestId"), error.headers);
  // Details go to the log (with the request id), never to the caller.
  logEvent("error", error instanceof ConfigurationError ? "configuration_error" : "unhandled_error", {
    request_id: c.get("requestId"),
    error: `${error.name}: ${error.message}`,
  });
  return problemResponse(
    problem("internal-error", "An internal error occurred; quote the request id when reporting it."),
    c.get("requestId"),
  );
});

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron Trigger (wrangler.jsonc): yesterday's reconciliation for every merchant.
  scheduled: async (controller, env) => {
    await reconcileAllMerchants(
      {
        listMerchants: (after, limit) => merchantRegistry(env).list(after, limit),
        reconcileMerchant: (merchantId, date) =>
          callMerchant<ScheduledReconciliationReply>(env, merchantId, (stub) => stub.reconcileScheduled(date), { safeToRetry: true }),
      },
      controller.scheduledTime,
    );
  },
} satisfies ExportedHandler<Env>;
