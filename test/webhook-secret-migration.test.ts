import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyMigrations } from "../src/merchant-object/migrations.ts";
import { call, createMerchant, merchantStub, paymentBody, postPayment } from "./support/api.ts";
import { configureReceiver, registerEndpoint, uniqueHookPath, waitForReceived } from "./support/webhooks.ts";

/** The shape secrets had before migration 7: base64url without padding, 43 characters. */
const OLD_FORMAT_SECRET = `whsec_${"Ab-_".repeat(10)}xyz`;

type SecretRow = { id: string; secret: string; previous_secret: string | null; secret_rotated_at: number | null };

describe("migration 7: webhook secrets reissued for Standard Webhooks", () => {
  it("gives every active endpoint a new secret that signs deliveries, drops old previous secrets, and leaves deleted endpoints erased", async () => {
    const merchant = await createMerchant();
    const [livePath, deletedPath] = [uniqueHookPath(), uniqueHookPath()];
    const live = await registerEndpoint(merchant.api_key, livePath, { events: ["payment.succeeded"] });
    const deleted = await registerEndpoint(merchant.api_key, deletedPath);
    await call(`/v1/webhook-endpoints/${deleted.id}`, { method: "DELETE", headers: { authorization: `Bearer ${merchant.api_key}` } });
    const stub = merchantStub(merchant.id);

    const before = Date.now();
    const rows = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      // The object as an older version left it: old-format secrets, migration 7 not applied yet.
      sql.exec(
        `UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, secret_rotated_at = NULL WHERE id = ?`,
        OLD_FORMAT_SECRET,
        OLD_FORMAT_SECRET.replace("A", "B"),
        Date.now() + 3_600_000,
        live.id,
      );
      sql.exec(`DELETE FROM schema_migrations WHERE id = 7`);
      applyMigrations(state.storage);
      expect(sql.exec(`SELECT id FROM schema_migrations WHERE id = 7`).toArray()).toHaveLength(1);
      return sql.exec<SecretRow>(`SELECT id, secret, previous_secret, secret_rotated_at FROM webhook_endpoints ORDER BY id`).toArray();
    });

    const liveRow = rows.find((row) => row.id === live.id);
    expect(liveRow?.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(liveRow?.secret).not.toBe(live.secret);
    expect(liveRow).toMatchObject({ previous_secret: null });
    expect(liveRow?.secret_rotated_at).toBeGreaterThanOrEqual(before);
    expect(rows.find((row) => row.id === deleted.id)).toMatchObject({ secret: "", previous_secret: null, secret_rotated_at: null });

    // The listing tells the merchant the secret changed.
    const listed = (await (await call("/v1/webhook-endpoints", { headers: { authorization: `Bearer ${merchant.api_key}` } })).json()) as {
      data: { id: string; secret_rotated_at: string | null }[];
    };
    expect(listed.data.find((endpoint) => endpoint.id === live.id)?.secret_rotated_at).not.toBeNull();

    // The reissued secret is the one deliveries are signed with.
    await configureReceiver(livePath, { secrets: [liveRow?.secret ?? ""] });
    await postPayment(merchant.api_key, paymentBody());
    const [received] = await waitForReceived(livePath, 1);
    expect(received).toMatchObject({ verified: true, answered: 200 });
  });
});
