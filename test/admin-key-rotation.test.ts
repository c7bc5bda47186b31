import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminCall, createKey, createKeyOk, listKeys, revokeKey, setMerchantStatus } from "./support/admin.ts";
import { createMerchant, getPayment, json, merchantStub, paymentBody, postPayment } from "./support/api.ts";

describe("API key rotation through the admin API", () => {
  it("rotates with no gap: both keys work, then only the new one", async () => {
    const merchant = await createMerchant();
    const created = await createKeyOk(merchant.id);
    expect(created.api_key).toMatch(new RegExp(`^mck_${merchant.id.slice(4)}_[A-Za-z0-9_-]{43}$`));
    expect(created).toMatchObject({ status: "active", revoked_at: null });
    expect(created.id).toMatch(/^key_[0-9A-Z]{26}$/);

    // Both keys authenticate during the overlap.
    const paidWithOld = await postPayment(merchant.api_key, paymentBody());
    expect(paidWithOld.status).toBe(201);
    const payment = await json(paidWithOld);
    expect((await getPayment(created.api_key, payment.id)).status).toBe(200);

    const revoked = await revokeKey(merchant.id, merchant.api_key_id);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id: merchant.api_key_id, status: "revoked" });

    // The revoked key is refused at once (the object's cached hashes were dropped).
    const withOld = await getPayment(merchant.api_key, payment.id);
    expect(withOld.status).toBe(401);
    expect((await withOld.json()) as object).toMatchObject({ type: "urn:payment-connector:problem:unauthorized" });
    expect((await getPayment(created.api_key, payment.id)).status).toBe(200);

    // Listing shows metadata only, never a secret or a hash.
    const keys = await listKeys(merchant.id);
    expect(keys.map((k) => [k.id, k.status])).toEqual([
      [merchant.api_key_id, "revoked"],
      [created.id, "active"],
    ]);
    expect(JSON.stringify(keys)).not.toMatch(/mck_|[0-9a-f]{64}/);

    // A retried DELETE answers the key as it is.
    const again = await revokeKey(merchant.id, merchant.api_key_id);
    expect(again.status).toBe(200);
  });

  it("allows at most two active keys", async () => {
    const merchant = await createMerchant();
    await createKeyOk(merchant.id);
    const third = await createKey(merchant.id);
    expect(third.status).toBe(409);
    expect(third.headers.get("content-type")).toBe("application/problem+json");
    expect(await third.json()).toMatchObject({ type: "urn:payment-connector:problem:api-key-limit-reached" });
    const hashes = await runInDurableObject(
      merchantStub(merchant.id),
      (_instance, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys`).one().n,
    );
    expect(hashes).toBe(2);
  });

  it("concurrent creations cannot pass the limit: one wins, the other gets 409", async () => {
    const merchant = await createMerchant();
    const statuses = (await Promise.all([createKey(merchant.id), createKey(merchant.id), createKey(merchant.id)]))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([201, 409, 409]);
    expect((await listKeys(merchant.id)).filter((k) => k.status === "active")).toHaveLength(2);
  });

  it("concurrent revocations cannot leave the merchant without a key", async () => {
    const merchant = await createMerchant();
    const second = await createKeyOk(merchant.id);
    const statuses = (await Promise.all([revokeKey(merchant.id, merchant.api_key_id), revokeKey(merchant.id, second.id)]))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([200, 409]);
    expect((await listKeys(merchant.id)).filter((k) => k.status === "active")).toHaveLength(1);
  });

  it("refuses to revoke the last active key", async () => {
    const merchant = await createMerchant();
    const response = await revokeKey(merchant.id, merchant.api_key_id);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ type: "urn:payment-connector:problem:last-active-api-key" });
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
  });

  it("stores only the SHA-256 of a new key", async () => {
    const merchant = await createMerchant();
    const created = await createKeyOk(merchant.id);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(created.api_key)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const rows = await runInDurableObject(merchantStub(merchant.id), (_instance, state) =>
      state.storage.sql.exec<{ id: string; key_hash: string }>(`SELECT id, key_hash FROM api_keys WHERE id = ?`, created.id).toArray(),
    );
    expect(rows).toEqual([{ id: created.id, key_hash: digest }]);
  });

  it("answers 404 for unknown merchants and keys, and for another merchant's key id", async () => {
    const a = await createMerchant();
    const b = await createMerchant();
    expect((await revokeKey(a.id, b.api_key_id)).status).toBe(404);
    expect((await revokeKey(a.id, "key_not-a-key")).status).toBe(404);
    const unknown = "mer_01JD5Z8Q9X4R7M2K3N6P8T0V1W";
    expect((await createKey(unknown)).status).toBe(404);
    expect(
      (await adminCall(`/admin/v1/merchants/${unknown}`, { method: "PATCH", body: JSON.stringify({ status: "disabled" }) })).status,
    ).toBe(404);
    expect((await adminCall(`/admin/v1/merchants/${unknown}`)).status).toBe(404);
    // Asking about a merchant that does not exist creates no storage for it.
    const tables = await runInDurableObject(
      merchantStub(unknown),
      (_instance, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray().length,
    );
    expect(tables).toBe(0);
    expect((await adminCall("/admin/v1/merchants/not-a-merchant/keys")).status).toBe(404);
    // b's key survives a's attempt.
    expect((await postPayment(b.api_key, paymentBody())).status).toBe(201);
  });

  it("rejects a missing or wrong admin token on every key and status route", async () => {
    const merchant = await createMerchant();
    const routes: Array<[string, string, string | undefined]> = [
      ["GET", `/admin/v1/merchants/${merchant.id}`, undefined],
      ["PATCH", `/admin/v1/merchants/${merchant.id}`, JSON.stringify({ status: "disabled" })],
      ["GET", `/admin/v1/merchants/${merchant.id}/keys`, undefined],
      ["POST", `/admin/v1/merchants/${merchant.id}/keys`, undefined],
      ["DELETE", `/admin/v1/merchants/${merchant.id}/keys/${merchant.api_key_id}`, undefined],
    ];
    for (const token of [null, "wrong-token", merchant.api_key]) {
      for (const [method, path, body] of routes) {
        const response = await adminCall(path, { method, ...(body ? { body } : {}) }, token);
        expect(response.status, `${method} ${path} with ${token ? "a wrong" : "no"} token`).toBe(401);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
      }
    }
    expect((await listKeys(merchant.id)).length).toBe(1);
    expect((await postPayment(merchant.api_key, paymentBody())).status).toBe(201);
  });
});

describe("disabling a merchant", () => {
  it("answers 403 merchant-disabled to every merchant request until re-enabled, and never calls the bank", async () => {
    const merchant = await createMerchant();
    const paid = await json(await postPayment(merchant.api_key, paymentBody()));

    const disabled = await setMerchantStatus(merchant.id, "disabled");
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ id: merchant.id, status: "disabled" });

    const refused = await postPayment(merchant.api_key, paymentBody({ amount: 777 }));
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ type: "urn:payment-connector:problem:merchant-disabled", status: 403 });
    expect((await getPayment(merchant.api_key, paid.id)).status).toBe(403);
    const rows = await runInDurableObject(
      merchantStub(merchant.id),
      (_instance, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments`).one().n,
    );
    expect(rows).toBe(1);

    // A wrong key still gets 401, so "disabled" does not reveal that a merchant exists to strangers.
    const forged = `${merchant.api_key.slice(0, -43)}${"A".repeat(43)}`;
    expect((await getPayment(forged, paid.id)).status).toBe(401);

    expect((await setMerchantStatus(merchant.id, "active")).status).toBe(200);
    expect((await getPayment(merchant.api_key, paid.id)).status).toBe(200);
  });

  it("validates the status update body", async () => {
    const merchant = await createMerchant();
    const response = await adminCall(`/admin/v1/merchants/${merchant.id}`, { method: "PATCH", body: JSON.stringify({ status: "paused" }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ invalid_params: [{ name: "status" }] });
  });
});
