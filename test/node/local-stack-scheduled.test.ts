/**
 * Under `npm start`, GET /cdn-cgi/local/scheduled fires the Cron Trigger:
 * the Worker's scheduled handler reconciles the day before `time` for every
 * merchant, as the daily job does in production.
 */
import { readFileSync } from "node:fs";
import { composeIBAN } from "ibantools";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAILY_CRON, type LocalStack, SCHEDULED_PATH } from "../../tools/local-stack.ts";
import { startThrowawayStack, THROWAWAY_ADMIN_TOKEN } from "./support/throwaway-stack.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startThrowawayStack("scheduled");
});

afterAll(async () => {
  await stack?.close();
});

describe("the Cron Trigger under npm start", () => {
  it("is the one wrangler.jsonc declares", () => {
    const parsed = ts.parseConfigFileTextToJson("wrangler.jsonc", readFileSync("wrangler.jsonc", "utf8"));
    expect(parsed.config.triggers.crons).toEqual([DAILY_CRON]);
  });

  it("fires on GET /cdn-cgi/local/scheduled and reconciles the day before its time", async () => {
    const created = await fetch(`${stack.url}/admin/v1/merchants`, {
      method: "POST",
      headers: { authorization: `Bearer ${THROWAWAY_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Cron GmbH", debtor_iban: composeIBAN({ countryCode: "DE", bban: "500105170648489891" }) }),
    });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${((await created.json()) as { api_key: string }).api_key}` };
    const paid = await fetch(`${stack.url}/v1/payments`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "cron-1" },
      body: JSON.stringify({ amount: 1250, currency: "EUR", creditor: { name: "Jane", iban: "DE89370400440532013000" }, reference: "x" }),
    });
    expect(paid.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const report = () => fetch(`${stack.url}/v1/reconciliations/${today}`, { headers: auth });
    expect((await report()).status).toBe(404);

    const tomorrow = Date.now() + DAY_MS;
    const fired = await fetch(`${stack.url}${SCHEDULED_PATH}?cron=${encodeURIComponent(DAILY_CRON)}&time=${tomorrow}`);
    expect(fired.status).toBe(200);
    expect(await fired.text()).toBe("ok");

    const stored = await report();
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ date: today, summary: { matched: 1 } });
  });
});
