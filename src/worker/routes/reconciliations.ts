/**
 * POST /v1/reconciliations runs (or reruns) the calling merchant's
 * reconciliation for one UTC business day; GET /v1/reconciliations/{date}
 * returns the stored report as JSON, or CSV with `Accept: text/csv`.
 */
import { BusinessDate, ReconcileRequest, ReconciliationReport } from "../../../schemas/reconciliation.ts";
import type { ReconciliationReply } from "../../merchant-object/replies.ts";
import { utcDay } from "../../payments/payment-row.ts";
import { reportToCsv } from "../../reconciliation/csv.ts";
import type { AppContext } from "../http/context.ts";
import { readJsonBody } from "../http/json-body.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { BODY_PROBLEMS, MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const reconcile = defineRoute(
  {
    method: "post",
    path: "/v1/reconciliations",
    operationId: "reconcile",
    summary: "Reconcile one UTC business day against the bank's statement (rerunnable)",
    description:
      "Reads the bank's statement for the merchant's debtor account and that day, matches it with the connector's payments, settles pending payments the statement proves, and stores the report (docs/reconciliation.md).",
    tag: "payments",
    security: "merchant",
    requestBody: ReconcileRequest,
    responses: { 200: { description: "The report.", schema: ReconciliationReport, headers: ["Location"] } },
    problems: [...BODY_PROBLEMS, ...MERCHANT_AUTH_PROBLEMS, "bank-unavailable", "bank-not-configured"],
  },
  async (c) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const { date } = validateOrThrow(ReconcileRequest, await readJsonBody(c.req.raw), "reconciliation request");
    // Today is allowed (a partial day, rerun it tomorrow); a future day has no statement yet.
    if (date > utcDay(Date.now())) throw dateProblem("must not be after today (UTC)");
    // Rerunning is harmless (same report), so a lost reply may be retried.
    const reply = await callMerchant<ReconciliationReply>(c.env, merchantId, (stub) => stub.reconcile(auth, date), { safeToRetry: true });
    if (!reply.ok) return refusalResponse(c, reply);
    return c.json(reply.report, 200, { location: `/v1/reconciliations/${date}`, "cache-control": "no-store" });
  },
);

const getReconciliation = defineRoute(
  {
    method: "get",
    path: "/v1/reconciliations/{date}",
    operationId: "getReconciliation",
    summary: "Read a stored reconciliation report (JSON, or CSV with Accept: text/csv)",
    tag: "payments",
    security: "merchant",
    pathParams: { date: BusinessDate },
    responses: { 200: { description: "The report.", schema: ReconciliationReport, csv: true, headers: ["Content-Disposition"] } },
    problems: ["validation-error", ...MERCHANT_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { date }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const reply = await callMerchant<ReconciliationReply>(c.env, merchantId, (stub) => stub.getReconciliation(auth, date), {
      safeToRetry: true,
    });
    if (!reply.ok) return refusalResponse(c, reply);
    if (prefersCsv(c)) {
      return c.body(reportToCsv(reply.report), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="reconciliation-${date}.csv"`,
        "cache-control": "no-store",
        vary: "accept",
      });
    }
    return c.json(reply.report, 200, { "cache-control": "no-store", vary: "accept" });
  },
);

export const reconciliationRoutes = [reconcile, getReconciliation];

function dateProblem(reason: string): ProblemError {
  return new ProblemError(problem("validation-error", `The date ${reason}.`, [{ name: "date", reason }]));
}

/** CSV when the client ranks text/csv above application/json (q-values honoured); JSON otherwise. */
export function prefersCsv(c: AppContext): boolean {
  const accept = c.req.header("accept");
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === "text/csv") csv = Math.max(csv, q);
    else if (type === "application/json") json = Math.max(json, q);
  }
  return csv > 0 && csv > json;
}
