/**
 * The OpenAPI document is generated from the Zod schemas; the committed copy
 * (schemas/openapi.json) must match what the code generates and serves.
 * When this fails after a deliberate change: `npm run openapi` and commit.
 */
import { describe, expect, it } from "vitest";
import committed from "../schemas/openapi.json";
import { buildOpenApiDocument, OPERATIONS } from "../schemas/openapi.ts";
import { app } from "../src/worker/index.ts";
import { call } from "./support/api.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

describe("OpenAPI document", () => {
  it("the committed schemas/openapi.json is what the code generates (run `npm run openapi` after changing a schema)", () => {
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument()))).toEqual(committed);
  });

  it("is served at GET /openapi.json, unauthenticated", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(committed);
  });

  it("documents every route the Worker serves, and no route it does not", () => {
    const served = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path}`)
      .filter((route, index, all) => all.indexOf(route) === index)
      .sort();
    const documented = OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path.replace(/\{(\w+)\}/g, ":$1")}`).sort();
    expect(documented).toEqual(served);
  });

  it("every $ref resolves inside the document", () => {
    const doc = committed as unknown as Json;
    const refs: string[] = [];
    const walk = (value: Json): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
          if (key === "$ref" && typeof item === "string") refs.push(item);
          else walk(item);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<Json | undefined>((node, part) => (node && typeof node === "object" && !Array.isArray(node) ? node[part] : undefined), doc);
      expect(target, ref).toBeDefined();
    }
  });

  it("is OpenAPI 3.1 with the JSON Schema 2020-12 dialect, and says which problem types exist", () => {
    expect(committed).toMatchObject({ openapi: "3.1.0", jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema" });
    expect(JSON.stringify(committed)).not.toContain('"$schema"');
    expect(committed["x-problem-types"]).toContain("urn:payment-connector:problem:merchant-disabled");
  });
});
