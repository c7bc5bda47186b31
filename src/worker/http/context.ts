import type { Context } from "hono";
import type { Env } from "../../platform/env.ts";

/** What each request carries through the middleware chain (and into its log line). */
export interface RequestVariables {
  requestId: string;
  merchantId?: string;
  paymentId?: string;
}

export type AppEnv = { Bindings: Env; Variables: RequestVariables };
export type AppContext = Context<AppEnv>;
