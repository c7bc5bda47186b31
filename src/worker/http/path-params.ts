/**
 * The path parameters a route declares (`pathParams`), validated with their
 * schemas before its handler runs (registerRoutes), so no handler checks an
 * id by hand. What a refused value answers is stated here once per schema.
 */
import type { z } from "zod";
import { ApiKeyId } from "../../../schemas/admin-api.ts";
import { MerchantId, PaymentId } from "../../../schemas/common.ts";
import { BusinessDate } from "../../../schemas/reconciliation.ts";
import { EventId, WebhookEndpointId } from "../../../schemas/webhooks.ts";
import type { Operation, Security } from "../openapi/operation.ts";
import type { AppContext } from "./context.ts";
import { merchantCredentials } from "./merchant-auth.ts";
import { invalidParamsFromZod, ProblemError, problem } from "./problem.ts";

type Refusal = (name: string, error: z.ZodError, security: Security) => ProblemError;

/**
 * A malformed id cannot name anything: 404, the same as an unknown id. On the
 * merchant API the detail says "for this merchant", as it does for another
 * merchant's id; the admin API's does not.
 */
function notFound(what: string): Refusal {
  return (_name, _error, security) =>
    new ProblemError(problem("not-found", `No ${what} with this id exists${security === "merchant" ? " for this merchant" : ""}.`));
}

/** A value that is not an id (a date) is a bad request: 400 naming the parameter and why. */
const invalidValue: Refusal = (name, error) => {
  const invalidParams = invalidParamsFromZod(error, name);
  return new ProblemError(problem("validation-error", `The ${name} ${invalidParams[0]?.reason ?? "is invalid"}.`, invalidParams));
};

const REFUSALS: ReadonlyMap<z.ZodType, Refusal> = new Map<z.ZodType, Refusal>([
  [PaymentId, notFound("payment")],
  [MerchantId, notFound("merchant")],
  [ApiKeyId, notFound("API key")],
  [WebhookEndpointId, notFound("webhook endpoint")],
  [EventId, notFound("event")],
  [BusinessDate, invalidValue],
]);

type ParamCheck = readonly [name: string, schema: z.ZodType, refuse: Refusal];

/** Reads an operation's path parameters, each parsed with its schema; throws the refusal of the first one refused. */
export type PathParamReader = (c: AppContext) => Promise<Readonly<Record<string, string>>>;

/**
 * The reader for one operation, built when the routes are registered: a
 * schema with no refusal stated above fails then, not on a request.
 */
export function pathParamReader(operation: Operation): PathParamReader {
  const checks: ParamCheck[] = Object.entries(operation.pathParams ?? {}).map(([name, schema]) => {
    const refuse = REFUSALS.get(schema);
    if (!refuse) throw new Error(`${operation.operationId}: path parameter ${name} has a schema path-params.ts states no refusal for`);
    return [name, schema, refuse];
  });
  return async (c) => {
    const params: Record<string, string> = {};
    for (const [name, schema, refuse] of checks) {
      const parsed = schema.safeParse(c.req.param(name) ?? "");
      if (!parsed.success) {
        // Authenticate first: an anonymous caller learns nothing about validation.
        // (The admin API's token is checked before any route: requireAdmin in index.ts.)
        if (operation.security === "merchant") await merchantCredentials(c);
        throw refuse(name, parsed.error, operation.security);
      }
      params[name] = parsed.data as string;
    }
    return params;
  };
}
