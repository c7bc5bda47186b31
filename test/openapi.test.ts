/**
 * The OpenAPI document is built from the operations the routes declare; the
 * committed copy (schemas/openapi.json) must match what the code generates
 * and serves. When this fails after a deliberate change: `npm run openapi`
 * and commit. What the routes really answer is checked against it in
 * openapi-answers.test.ts.
 */
import { describe, expect, it } from "vitest";
import committed from "../schemas/openapi.json";
import { app } from "../src/worker/index.ts";
import { honoPath } from "../src/worker/openapi/define-route.ts";
import { buildOpenApiDocument } from "../src/worker/openapi/document.ts";
import { API_ROUTES } from "../src/worker/routes/api-routes.ts";
import { call } from "./support/api.ts";
import { pathParamExample } from "./support/operation-requests.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const OPERATIONS = API_ROUTES.map((route) => route.operation);

describe("OpenAPI document", () => {
  it("the committed schemas/openapi.json is what the code generates (run `npm run openapi` after changing a route or schema)", () => {
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument(OPERATIONS)))).toEqual(committed);
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
    const documented = OPERATIONS.map((op) => `${op.method.toUpperCase()} ${honoPath(op.path)}`).sort();
    expect(documented).toEqual(served);
  });

  it("names each operation once, and declares admin security exactly for the paths the /admin/* gate covers", () => {
    const ids = OPERATIONS.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of OPERATIONS) expect(op.security === "admin", op.operationId).toBe(op.path.startsWith("/admin/"));
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

  it("describes each path parameter with the schema its handler validates it with: the same values match", () => {
    for (const op of OPERATIONS) {
      for (const [name, schema] of Object.entries(op.pathParams ?? {})) {
        const documented = documentedPathParam(op.path, op.method, name);
        expect(documented.description, `${op.operationId} ${name}`).toBe(schema.meta()?.description);
        const example = pathParamExample(op, name);
        for (const sample of [example, example.toLowerCase(), `${example}0`, example.slice(1), "nope", ""]) {
          expect(new RegExp(documented.schema.pattern).test(sample), `${op.operationId} ${name}=${sample}`).toBe(
            schema.safeParse(sample).success,
          );
        }
      }
    }
  });
});

interface DocumentedParameter {
  name?: string;
  in?: string;
  description?: string;
  schema: { pattern: string };
}

function documentedPathParam(path: string, method: string, name: string): DocumentedParameter {
  const paths = committed.paths as unknown as Record<string, Record<string, { parameters: DocumentedParameter[] }>>;
  const parameter = paths[path]?.[method]?.parameters.find((p) => p.in === "path" && p.name === name);
  if (!parameter) throw new Error(`${method} ${path}: no path parameter ${name} in schemas/openapi.json`);
  return parameter;
}

describe("GET /docs", () => {
  it("serves an interactive reference (Scalar) of the same document, unauthenticated", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await response.text();
    // The page fetches the document this Worker serves, not a copy.
    expect(page).toContain("/openapi.json");
    expect(page).toMatch(/@scalar\/api-reference/);
    expect(page).toContain("<title>mTLS payment connector API</title>");
  });

  it("describes where the API answers: the local stack and the production placeholder", () => {
    expect(committed.servers.map((server) => server.url)).toEqual(["http://127.0.0.1:8787", "https://{host}"]);
  });
});
