/**
 * wrangler.jsonc declares every variable the Worker reads, with the default
 * schemas/config.ts applies, at the top level and again in env.production
 * (vars are not inherited by environments), so `wrangler types` generates a
 * complete Env and a deploy never runs on a value nobody wrote down.
 */
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ConnectorConfig } from "../../schemas/config.ts";

/** Variables the Worker reads that wrangler.jsonc must not declare: a secret, and one only the local stack sets. */
const NOT_VARS = new Set(["ADMIN_TOKEN", "ALLOW_LOOPBACK_WEBHOOKS"]);
/** No default in the schema: each environment says where its bank is. */
const PER_ENVIRONMENT = new Set(["BANK_URL"]);

const parsed = ts.parseConfigFileTextToJson("wrangler.jsonc", readFileSync("wrangler.jsonc", "utf8"));
const config = parsed.config as {
  vars: Record<string, string>;
  secrets?: { required?: string[] };
  env: Record<string, { vars: Record<string, string>; secrets?: { required?: string[] } }>;
};
const settings = Object.keys(ConnectorConfig.shape).filter((name) => !NOT_VARS.has(name));
/** The schema's default for a setting, as the string wrangler would pass. */
function schemaDefault(name: string): string {
  const parsedDefault = (ConnectorConfig.shape as Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>)[
    name
  ]?.safeParse(undefined);
  return String(parsedDefault?.data);
}

describe("wrangler.jsonc and the configuration schema", () => {
  it("parses", () => expect(parsed.error).toBeUndefined());

  for (const [where, vars] of [
    ["top level", config.vars],
    ["env.production", config.env.production?.vars ?? {}],
  ] as const) {
    it(`${where} declares every variable the Worker reads, with the schema's default`, () => {
      expect(Object.keys(vars).sort()).toEqual([...settings].sort());
      for (const name of settings) {
        if (PER_ENVIRONMENT.has(name)) continue;
        expect(vars[name], name).toBe(schemaDefault(name));
      }
    });
  }

  it("declares ADMIN_TOKEN a required secret everywhere, and never as a plain variable", () => {
    expect(config.secrets?.required).toEqual(["ADMIN_TOKEN"]);
    expect(config.env.production?.secrets?.required).toEqual(["ADMIN_TOKEN"]);
    expect(config.vars.ADMIN_TOKEN).toBeUndefined();
  });
});
