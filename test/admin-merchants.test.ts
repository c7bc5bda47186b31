/**
 * The operator's view of merchants: the paged list the registry mirrors,
 * a merchant with its key ids, and one debtor IBAN per merchant (issue 12,
 * item 7), including merchants that shared an IBAN before the rule.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MerchantList, MerchantWithKeys } from "../schemas/admin-api.ts";
import type { MerchantCreated } from "../schemas/merchant-api.ts";
import type { Problem } from "../schemas/problem.ts";
import { ulid } from "../src/platform/ulid.ts";
import { merchantRegistry } from "../src/registry/merchant-registry.ts";
import { adminCall, createKeyOk, setMerchantStatus } from "./support/admin.ts";
import { createMerchant, json, merchantStub, uniqueIban } from "./support/api.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

function create(debtorIban: string, name = "Shop GmbH"): Promise<Response> {
  return adminCall("/admin/v1/merchants", { method: "POST", body: JSON.stringify({ name, debtor_iban: debtorIban }) });
}

async function listAll(query: string): Promise<{ ids: string[]; pages: MerchantList[] }> {
  const pages: MerchantList[] = [];
  let cursor: string | null = null;
  do {
    const response = await adminCall(`/admin/v1/merchants?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(response.status).toBe(200);
    const page = await json<MerchantList>(response);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return { ids: pages.flatMap((page) => page.data.map((merchant) => merchant.id)), pages };
}

describe("GET /admin/v1/merchants", () => {
  it("pages through every merchant oldest first with { data, has_more, next_cursor }, filtered by status", async () => {
    const created: MerchantCreated[] = [];
    for (let i = 0; i < 3; i++) created.push(await createMerchant());
    const [first, second, third] = created as [MerchantCreated, MerchantCreated, MerchantCreated];
    expect((await setMerchantStatus(second.id, "disabled")).status).toBe(200);

    const all = await listAll("limit=1");
    const mine = all.ids.filter((id) => created.some((merchant) => merchant.id === id));
    expect(mine).toEqual([first.id, second.id, third.id]);
    expect(all.pages.at(-1)).toMatchObject({ has_more: false, next_cursor: null });
    expect(all.pages.slice(0, -1).every((page) => page.has_more && page.next_cursor !== null)).toBe(true);
    const row = all.pages.flatMap((page) => page.data).find((merchant) => merchant.id === second.id);
    expect(row).toEqual({
      id: second.id,
      name: second.name,
      status: "disabled",
      debtor_iban: second.debtor_iban,
      created_at: expect.any(String),
    });

    const disabled = await listAll("status=disabled&limit=100");
    expect(disabled.ids).toContain(second.id);
    expect(disabled.ids).not.toContain(first.id);
    expect(disabled.pages.flatMap((page) => page.data).every((merchant) => merchant.status === "disabled")).toBe(true);
    expect((await setMerchantStatus(second.id, "active")).status).toBe(200);
    expect((await listAll("status=disabled&limit=100")).ids).not.toContain(second.id);
  });

  it("refuses a bad status, limit or cursor in plain words", async () => {
    for (const [query, name] of [
      ["status=closed", "status"],
      ["limit=0", "limit"],
      ["cursor=mer_nope", "cursor"],
    ] as const) {
      const response = await adminCall(`/admin/v1/merchants?${query}`);
      expect(response.status, query).toBe(400);
      const problem = await json<Problem>(response);
      expect(problem.invalid_params?.map((param) => param.name)).toEqual([name]);
    }
  });
});

describe("GET /admin/v1/merchants/{id}", () => {
  it("lists the merchant's key ids with their creation times, never key material", async () => {
    const merchant = await createMerchant();
    const second = await createKeyOk(merchant.id);
    const response = await adminCall(`/admin/v1/merchants/${merchant.id}`);
    expect(response.status).toBe(200);
    const body = await json<MerchantWithKeys>(response);
    expect(body.api_keys.map((key) => key.id)).toEqual([merchant.api_key_id, second.id]);
    expect(body.api_keys[0]).toEqual({ id: merchant.api_key_id, status: "active", created_at: expect.any(String), revoked_at: null });
    const text = JSON.stringify(body);
    expect(text).not.toContain(merchant.api_key);
    expect(text).not.toContain(second.api_key);
    expect(text).not.toMatch(/mck_|key_hash/);
  });
});

describe("one debtor IBAN, one merchant", () => {
  it("refuses a second merchant with a debtor IBAN in use, naming the first, never the IBAN", async () => {
    const iban = uniqueIban();
    const first = await create(iban);
    expect(first.status).toBe(201);
    const { id } = await json<MerchantCreated>(first);
    // The printed form is the same account.
    const second = await create(iban.replace(/(.{4})/g, "$1 ").trim());
    expect(second.status).toBe(409);
    const problem = await json<Problem>(second);
    expect(problem.type).toBe("urn:payment-connector:problem:debtor-iban-in-use");
    expect(problem.detail).toContain(id);
    expect(JSON.stringify(problem)).not.toContain(iban);
  });

  it("lets exactly one of two concurrent creations with the same debtor IBAN win", async () => {
    for (let round = 0; round < 3; round++) {
      const iban = uniqueIban();
      const answers = await Promise.all([create(iban, "Racer A"), create(iban, "Racer B")]);
      expect(answers.map((response) => response.status).sort()).toEqual([201, 409]);
      const listed = (await listAll("limit=100")).pages.flatMap((page) => page.data).filter((m) => m.debtor_iban === iban);
      expect(listed).toHaveLength(1);
    }
  });

  it("backfills merchants registered before the registry kept IBANs: shared IBANs keep working and are logged once", async () => {
    const iban = uniqueIban();
    // Backfilled in id order: the lower id holds the claim.
    const [older, newer] = [`mer_${ulid()}`, `mer_${ulid()}`].sort() as [string, string];
    const ghost = `mer_${ulid()}`;
    for (const id of [older, newer]) {
      const input = { merchantId: id, name: "Legacy GmbH", debtorIban: iban, limits: {}, apiKeyId: `key_${ulid()}`, apiKeyHash: id };
      expect((await merchantStub(id).initialize(input)).ok).toBe(true);
    }
    // Rows as the registry wrote them before it kept status and IBAN.
    const registry = merchantRegistry(env);
    await runInDurableObject(registry, (_instance, state) => {
      for (const id of [older, newer, ghost]) {
        state.storage.sql.exec(`INSERT INTO merchants (id, name, created_at) VALUES (?, 'Legacy GmbH', ?)`, id, Date.now());
      }
    });
    await evictDurableObject(registry);
    const warnings: Array<Record<string, unknown>> = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => {
      if (typeof line === "string") warnings.push(JSON.parse(line) as Record<string, unknown>);
    });

    const listed = (await listAll("limit=100")).pages.flatMap((page) => page.data);
    expect(listed.filter((merchant) => merchant.debtor_iban === iban).map((merchant) => merchant.id)).toEqual([older, newer]);
    expect(listed.map((merchant) => merchant.id)).not.toContain(ghost);
    await listAll("limit=100");
    const shared = warnings.filter((line) => line.event === "debtor_iban_shared");
    expect(shared).toEqual([expect.objectContaining({ merchant_id: newer, shared_with: older, debtor_iban: `****${iban.slice(-4)}` })]);
    expect(warnings.filter((line) => line.event === "registry_row_without_merchant")).toEqual([
      expect.objectContaining({ merchant_id: ghost }),
    ]);
    expect(JSON.stringify(warnings)).not.toContain(iban);

    // Both keep working; a new merchant cannot join them.
    expect((await adminCall(`/admin/v1/merchants/${newer}`)).status).toBe(200);
    const refused = await create(iban);
    expect(refused.status).toBe(409);
    expect((await json<Problem>(refused)).detail).toContain(older);
  });
});
