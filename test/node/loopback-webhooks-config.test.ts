/**
 * Loopback webhook endpoints exist for `npm start` only: the Worker variable
 * that allows them is set by tools/local-stack.ts and by nothing that deploys.
 */
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CreateWebhookEndpointRequestAllowingLoopback, isLoopbackWebhookUrl } from "../../schemas/loopback-webhooks.ts";
import { CreateWebhookEndpointRequest } from "../../schemas/webhooks.ts";
import { ConfigurationError, parseConfig } from "../../src/platform/config.ts";

const REQUIRED = { BANK_URL: "https://bank.example", ADMIN_TOKEN: "x".repeat(32) };

/** Every key of every object in a JSON tree, with its path. */
function keysOf(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => keysOf(item, `${path}[${index}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) => [`${path}.${key}`, ...keysOf(item, `${path}.${key}`)]);
}

describe("ALLOW_LOOPBACK_WEBHOOKS", () => {
  it("is never set by wrangler.jsonc, in any environment", () => {
    const parsed = ts.parseConfigFileTextToJson("wrangler.jsonc", readFileSync("wrangler.jsonc", "utf8"));
    expect(parsed.error).toBeUndefined();
    const keys = keysOf(parsed.config);
    // The parse is real: it sees the variables that are set, in the top level and in env.production.
    expect(keys).toContain("$.vars.BANK_URL");
    expect(keys).toContain("$.env.production.vars.BANK_URL");
    expect(keys.filter((key) => key.endsWith(".ALLOW_LOOPBACK_WEBHOOKS"))).toEqual([]);
  });

  it('defaults to false, and only the exact strings "true" and "false" are accepted', () => {
    expect(parseConfig(REQUIRED).ALLOW_LOOPBACK_WEBHOOKS).toBe(false);
    expect(parseConfig({ ...REQUIRED, ALLOW_LOOPBACK_WEBHOOKS: "false" }).ALLOW_LOOPBACK_WEBHOOKS).toBe(false);
    expect(parseConfig({ ...REQUIRED, ALLOW_LOOPBACK_WEBHOOKS: "true" }).ALLOW_LOOPBACK_WEBHOOKS).toBe(true);
    for (const nearMiss of ["TRUE", "True", "1", "yes", "", " true", true]) {
      expect(() => parseConfig({ ...REQUIRED, ALLOW_LOOPBACK_WEBHOOKS: nearMiss }), String(nearMiss)).toThrow(ConfigurationError);
      expect(() => parseConfig({ ...REQUIRED, ALLOW_LOOPBACK_WEBHOOKS: nearMiss })).toThrow(/ALLOW_LOOPBACK_WEBHOOKS/);
    }
  });

  it("widens endpoint URLs to http on 127.0.0.1 and localhost only, and only in the loopback schema", () => {
    const loopback = ["http://127.0.0.1:8790/webhooks", "http://localhost:8790/webhooks", "http://LOCALHOST:1/x", "http://localhost/x"];
    for (const url of loopback) {
      expect(isLoopbackWebhookUrl(url), url).toBe(true);
      expect(CreateWebhookEndpointRequestAllowingLoopback.safeParse({ url }).success, url).toBe(true);
      expect(CreateWebhookEndpointRequest.safeParse({ url }).success, url).toBe(false);
    }
    const refused = [
      "http://hooks.shop.example/x",
      "http://10.0.0.1:8790/x",
      "http://192.168.1.10:8790/x",
      "http://[::1]:8790/x",
      "http://user:pass@localhost:8790/x",
      "http://localhost:8790/x#fragment",
      "http://localhost.evil.example:8790/x",
      "https://localhost:8790/x",
      "ftp://localhost/x",
      "not a url",
    ];
    for (const url of refused) {
      expect(isLoopbackWebhookUrl(url), url).toBe(false);
      expect(CreateWebhookEndpointRequestAllowingLoopback.safeParse({ url }).success, url).toBe(false);
    }
    // Everything else is as strict as without the flag.
    expect(
      CreateWebhookEndpointRequestAllowingLoopback.safeParse({ url: "https://hooks.shop.example/x", events: ["payment.failed"] }),
    ).toMatchObject({
      success: true,
    });
    expect(CreateWebhookEndpointRequestAllowingLoopback.safeParse({ url: "http://127.0.0.1:1/x", extra: 1 }).success).toBe(false);
    expect(CreateWebhookEndpointRequestAllowingLoopback.safeParse({ url: "http://127.0.0.1:1/x", events: [] }).success).toBe(false);
  });
});
