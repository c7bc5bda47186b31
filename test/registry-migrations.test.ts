/**
 * The registry's migrations: recorded in registry_migrations (no description
 * column, as it first shipped), and migrations 3 and 4 apply cleanly on a
 * registry whose constructor had already created their tables.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyRegistryMigrations } from "../src/registry/registry-migrations.ts";

const freshRegistry = () => env.REGISTRY.get(env.REGISTRY.idFromName(`registry-migrations-${crypto.randomUUID()}`));

describe("registry migrations", () => {
  it("records every migration in registry_migrations, whose columns are unchanged", async () => {
    await runInDurableObject(freshRegistry(), (_instance, state) => {
      const sql = state.storage.sql;
      expect(sql.exec<{ id: number }>(`SELECT id FROM registry_migrations ORDER BY id`).toArray()).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
        { id: 4 },
        { id: 5 },
      ]);
      expect(sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('registry_migrations') ORDER BY cid`).toArray()).toEqual([
        { name: "id" },
        { name: "applied_at" },
      ]);
      expect(sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'`).toArray()).toEqual([]);
    });
  });

  it("applies 3 and 4 on a registry that already has their tables, keeping their rows", async () => {
    await runInDurableObject(freshRegistry(), (instance, state) => {
      const sql = state.storage.sql;
      instance.recordBankCall({ at: 1_000, answered: true, http_status: 201, outcome: "accepted" });
      const schema = () => sql.exec(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).toArray();
      const before = schema();
      // As a registry left by the version that created these tables in its constructor.
      sql.exec(`DELETE FROM registry_migrations WHERE id IN (3, 4)`);
      applyRegistryMigrations(state.storage);
      expect(sql.exec<{ id: number }>(`SELECT id FROM registry_migrations WHERE id IN (3, 4) ORDER BY id`).toArray()).toEqual([
        { id: 3 },
        { id: 4 },
      ]);
      expect(schema()).toEqual(before);
      expect(instance.healthReport().bank).toMatchObject({ at: 1_000, answered: true });
    });
  });
});
