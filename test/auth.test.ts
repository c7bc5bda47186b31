import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Problem } from "../schemas/problem.ts";
import { call, createMerchant, getPayment, json, paymentBody, postPayment, uniqueIban } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";

const UNAUTHORIZED = "urn:payment-connector:problem:unauthorized";

describe("merchant authentication", () => {
  it("refuses a request without a key", async () => {
    const response = await postPayment("", paymentBody());
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await json<Problem>(response)).type).toBe(UNAUTHORIZED);
  });

  it("refuses a malformed key and a well-formed key with a wrong secret", async () => {
    const merchant = await createMerchant();
    const forged = merchant.api_key.slice(0, -4) + (merchant.api_key.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const key of ["not-a-key", forged]) {
      const response = await postPayment(key, paymentBody());
      expect(response.status).toBe(401);
      expect((await json<Problem>(response)).type).toBe(UNAUTHORIZED);
    }
  });

  it("answers 404, never 403, for another merchant's payment", async () => {
    const [owner, other] = await Promise.all([createMerchant(), createMerchant()]);
    const payment = await json(await postPayment(owner.api_key, paymentBody()));
    const response = await getPayment(other.api_key, payment.id);
    expect(response.status).toBe(404);
    expect((await json<Problem>(response)).type).toBe("urn:payment-connector:problem:not-found");
    expect((await getPayment(owner.api_key, payment.id)).status).toBe(200);
  });

  it("does not let a key for one merchant act as another by editing the merchant id in it", async () => {
    const [a, b] = await Promise.all([createMerchant(), createMerchant()]);
    const secretOfA = a.api_key.split("_").slice(2).join("_");
    const hybrid = `mck_${b.id.replace("mer_", "")}_${secretOfA}`;
    expect((await postPayment(hybrid, paymentBody())).status).toBe(401);
  });
});

describe("admin authentication", () => {
  it("refuses merchant creation without the admin token or with a wrong one", async () => {
    for (const authorization of [undefined, "Bearer wrong-token", `Bearer ${TEST_ADMIN_TOKEN}x`]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers.authorization = authorization;
      const response = await call("/admin/v1/merchants", {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "Nope", debtor_iban: uniqueIban() }),
      });
      expect(response.status).toBe(401);
      expect((await json<Problem>(response)).type).toBe(UNAUTHORIZED);
    }
  });

  it("gates every /admin path, known or not, before routing", async () => {
    for (const [method, path] of [
      ["GET", "/admin/v1/nothing-here"],
      ["DELETE", "/admin/v1/merchants"],
      ["GET", "/admin/"],
      ["POST", "/%61dmin/v1/merchants"],
      ["GET", "/admin/v1/../v1/merchants/mer_01M84VZ5AP8MVGWYKK009FMFWN"],
    ] as const) {
      const response = await call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await json<Problem>(response)).type).toBe(UNAUTHORIZED);
    }
    const known = await call("/admin/v1/nothing-here", { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(known.status).toBe(404);
    // Routing is case-sensitive: another spelling reaches no admin handler at all.
    expect((await call("/ADMIN/v1/merchants", { method: "POST" })).status).toBe(404);
  });

  it("answers merchant creation with no-store, since the answer holds the only copy of the key", async () => {
    const response = await call("/admin/v1/merchants", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Cache Test GmbH", debtor_iban: uniqueIban() }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("creates a merchant whose key is shown once and works", async () => {
    const merchant = await createMerchant({ limits: { max_amount: 500 } });
    expect(merchant.id).toMatch(/^mer_[0-9A-Z]{26}$/);
    expect(merchant.api_key).toMatch(/^mck_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(merchant.api_key).toContain(merchant.id.replace("mer_", ""));
    expect(merchant.limits).toEqual({ max_amount: 500 });
    expect((await postPayment(merchant.api_key, paymentBody({ amount: 500 }))).status).toBe(201);
  });
});

describe("keys naming merchants that do not exist", () => {
  it("get 401 and create no storage in the object they name", async () => {
    const ghost = "mer_01M84VZ5AP8MVGWYKK009FMFWN";
    const key = `mck_${ghost.replace("mer_", "")}_${"A".repeat(43)}`;
    const response = await postPayment(key, paymentBody());
    expect(response.status).toBe(401);
    const tables = await runInDurableObject(env.MERCHANT.get(env.MERCHANT.idFromName(ghost)), (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables.filter((t) => !t.name.startsWith("_cf") && !t.name.startsWith("sqlite"))).toEqual([]);
  });
});
