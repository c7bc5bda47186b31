/**
 * A path parameter its schema refuses: what each route answers, word for word.
 * A malformed id cannot name anything, so it is 404 like an unknown one (on the
 * merchant API "for this merchant", as for another merchant's id); a malformed
 * date is 400 naming the date. A merchant route asks for the key first: an
 * anonymous caller learns nothing about validation.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { MerchantCreated } from "../schemas/merchant-api.ts";
import { adminCall } from "./support/admin.ts";
import { call, createMerchant } from "./support/api.ts";
import { expectProblem } from "./support/problems.ts";

const ENDPOINT = "whe_01JD5Z8Q9X4R7M2K3N6P8T0V1W";
const PAYMENT = "pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W";

/** [method, path, detail]; `{merchant}` is a real merchant's id. */
const MERCHANT_ROUTES: Array<[string, string, string]> = [
  ["GET", "/v1/payments/pay_nope", "No payment with this id exists for this merchant."],
  ["GET", "/v1/payments/nope/events", "No payment with this id exists for this merchant."],
  ["POST", "/v1/payments/nope/cancel", "No payment with this id exists for this merchant."],
  ["DELETE", "/v1/webhook-endpoints/whe_nope", "No webhook endpoint with this id exists for this merchant."],
  ["POST", "/v1/webhook-endpoints/nope/rotate-secret", "No webhook endpoint with this id exists for this merchant."],
  ["POST", "/v1/events/evt_nope/redeliver", "No event with this id exists for this merchant."],
];

const ADMIN_ROUTES: Array<[string, string, string]> = [
  ["GET", "/admin/v1/merchants/mer_nope", "No merchant with this id exists."],
  ["PATCH", "/admin/v1/merchants/nope", "No merchant with this id exists."],
  ["GET", "/admin/v1/merchants/nope/keys", "No merchant with this id exists."],
  ["POST", "/admin/v1/merchants/nope/keys", "No merchant with this id exists."],
  ["DELETE", "/admin/v1/merchants/nope/keys/key_nope", "No merchant with this id exists."],
  ["DELETE", "/admin/v1/merchants/{merchant}/keys/key_nope", "No API key with this id exists."],
  ["DELETE", `/admin/v1/payments/nope/${PAYMENT}/attention`, "No merchant with this id exists."],
  ["DELETE", "/admin/v1/payments/nope/pay_nope/attention", "No merchant with this id exists."],
  ["DELETE", "/admin/v1/payments/{merchant}/pay_nope/attention", "No payment with this id exists."],
];

let merchant: MerchantCreated;
beforeAll(async () => {
  merchant = await createMerchant();
});

describe("a malformed path parameter", () => {
  it("is 404 not-found on the merchant API, with the key asked for first", async () => {
    for (const [method, path, detail] of MERCHANT_ROUTES) {
      const anonymous = await call(path, { method });
      expect((await expectProblem(anonymous, 401, "unauthorized")).detail, `${method} ${path}`).toMatch(/^Send a merchant API key/);
      expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="payments"');
      const keyed = await call(path, { method, headers: { authorization: `Bearer ${merchant.api_key}` } });
      expect((await expectProblem(keyed, 404, "not-found")).detail, `${method} ${path}`).toBe(detail);
    }
  });

  it("is 404 not-found on the admin API, behind the admin gate", async () => {
    for (const [method, template, detail] of ADMIN_ROUTES) {
      const path = template.replace("{merchant}", merchant.id);
      await expectProblem(await adminCall(path, { method }, null), 401, "unauthorized");
      const response = await adminCall(path, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "PATCH" ? "{}" : null,
      });
      expect((await expectProblem(response, 404, "not-found")).detail, `${method} ${path}`).toBe(detail);
    }
  });

  it("is 400 validation-error naming the date for a reconciliation day", async () => {
    expect((await call("/v1/reconciliations/yesterday")).status).toBe(401);
    const response = await call("/v1/reconciliations/2026-02-30", { headers: { authorization: `Bearer ${merchant.api_key}` } });
    const problem = await expectProblem(response, 400, "validation-error", "date");
    expect(problem.detail).toBe("The date must be a calendar date in the form YYYY-MM-DD.");
    expect(problem.invalid_params).toEqual([{ name: "date", reason: "must be a calendar date in the form YYYY-MM-DD" }]);
  });

  it("is not reached when the id is well formed (the route's own lookup answers)", async () => {
    const response = await call(`/v1/webhook-endpoints/${ENDPOINT}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${merchant.api_key}` },
    });
    await expectProblem(response, 404, "not-found");
  });
});
