/**
 * Messages a person can act on (issue 17, item 6). Every field of every
 * request body the document describes is sent missing (when required) and
 * with a value of the wrong JSON type; every query parameter with a value
 * it cannot take. Each answer must name the field and say in plain words
 * what is expected; none may carry Zod's generic wording. Known paths with
 * a method they do not serve answer 405 with `Allow`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { MerchantCreated } from "../schemas/merchant-api.ts";
import committed from "../schemas/openapi.json";
import type { Problem } from "../schemas/problem.ts";
import type { Operation } from "../src/worker/openapi/operation.ts";
import { API_ROUTES } from "../src/worker/routes/api-routes.ts";
import { call, createMerchant } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";
import { type OperationRequest, sendOperation } from "./support/operation-requests.ts";
import { VALID_BODIES } from "./support/valid-bodies.ts";

type JsonSchema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
};

/** What Zod says when nobody told it better. */
const GENERIC_WORDING = /Invalid input|Invalid option|expected \w+, received|Invalid string|Invalid number/i;

const BODY_OPERATIONS = API_ROUTES.map((route) => route.operation).filter((op) => op.requestBody);
const QUERY_OPERATIONS = API_ROUTES.map((route) => route.operation).filter((op) => op.query);

function resolve(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = (committed.components.schemas as unknown as Record<string, JsonSchema>)[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(target);
}

function requestSchema(op: Operation): JsonSchema {
  const paths = committed.paths as unknown as Record<
    string,
    Record<string, { requestBody: { content: { "application/json": { schema: JsonSchema } } } }>
  >;
  const documented = paths[op.path]?.[op.method]?.requestBody.content["application/json"].schema;
  if (!documented) throw new Error(`${op.operationId}: no request body in schemas/openapi.json`);
  return resolve(documented);
}

interface FieldCase {
  path: string[];
  required: boolean;
  schema: JsonSchema;
}

/** Every field, nested objects and a sample key of string maps included, depth first. */
function fields(schema: JsonSchema, prefix: string[] = []): FieldCase[] {
  const out: FieldCase[] = [];
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const field = resolve(raw);
    const path = [...prefix, name];
    out.push({ path, required: schema.required?.includes(name) ?? false, schema: field });
    if (field.type === "object" && field.properties) out.push(...fields(field, path));
    if (field.type === "object" && typeof field.additionalProperties === "object") {
      out.push({ path: [...path, "sample"], required: false, schema: resolve(field.additionalProperties) });
    }
  }
  return out;
}

/** A JSON value whose type the field does not take. */
function wrongTyped(schema: JsonSchema): unknown {
  if (schema.enum) return 7;
  switch (schema.type) {
    case "string":
      return 12345;
    case "integer":
    case "number":
      return "12";
    case "boolean":
      return "yes";
    default:
      return "not this";
  }
}

function withField(body: unknown, path: string[], value: unknown | typeof MISSING): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node = copy;
  for (const part of path.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  const leaf = path.at(-1) as string;
  if (value === MISSING) delete node[leaf];
  else node[leaf] = value;
  return copy;
}
const MISSING = Symbol("missing");

let merchant: MerchantCreated;
beforeAll(async () => {
  merchant = await createMerchant();
});

function request(op: Operation, extra: Partial<OperationRequest>): OperationRequest {
  const authorization =
    op.security === "admin" ? `Bearer ${TEST_ADMIN_TOKEN}` : op.security === "merchant" ? `Bearer ${merchant.api_key}` : null;
  return { authorization, params: op.security === "admin" ? { id: merchant.id } : {}, ...extra };
}

async function expectPlainRefusal(response: Response, field: string, context: string): Promise<Problem> {
  const text = await response.text();
  expect(response.status, `${context}: ${text}`).toBe(400);
  const problem = JSON.parse(text) as Problem;
  expect(problem.type, context).toBe("urn:payment-connector:problem:validation-error");
  const param = problem.invalid_params?.find((p) => p.name === field);
  expect(param, `${context}: invalid_params names ${field}: ${text}`).toBeDefined();
  expect(problem.detail, context).toContain(`${field === "(body)" ? "the body" : field} ${param?.reason}`);
  expect(text, context).not.toMatch(GENERIC_WORDING);
  for (const p of problem.invalid_params ?? []) expect(p.reason, context).toMatch(/^(is|must|has|does) /);
  return problem;
}

describe("every field of every request body", () => {
  for (const op of BODY_OPERATIONS) {
    it(`${op.operationId}: missing and wrong-typed fields are named, in plain words`, async () => {
      const valid = VALID_BODIES[op.operationId];
      if (!valid) throw new Error(`VALID_BODIES has no body for ${op.operationId}`);
      const cases = fields(requestSchema(op));
      expect(cases.length).toBeGreaterThan(0);
      for (const field of cases) {
        const name = field.path.join(".");
        if (field.required) {
          const response = await sendOperation(op, request(op, { body: withField(valid(), field.path, MISSING) }));
          const problem = await expectPlainRefusal(response, name, `${op.operationId} without ${name}`);
          expect(problem.invalid_params?.find((p) => p.name === name)?.reason).toBe("is required");
        }
        const response = await sendOperation(op, request(op, { body: withField(valid(), field.path, wrongTyped(field.schema)) }));
        await expectPlainRefusal(response, name, `${op.operationId} with ${name} of the wrong type`);
      }
    });

    it(`${op.operationId}: a body that is not a JSON object says so`, async () => {
      for (const body of [[], "text", 5, null]) {
        const response = await sendOperation(op, request(op, { body }));
        const problem = await expectPlainRefusal(response, "(body)", `${op.operationId} with ${JSON.stringify(body)}`);
        expect(problem.detail).toMatch(/the body must be a JSON object\.$/);
      }
    });
  }

  it("reads as a sentence: the payment's missing reference", async () => {
    const op = BODY_OPERATIONS.find((candidate) => candidate.operationId === "createPayment") as Operation;
    const body = withField(VALID_BODIES.createPayment?.(), ["reference"], MISSING);
    const problem = (await (await sendOperation(op, request(op, { body }))).json()) as Problem;
    expect(problem.detail).toBe("The payment request is invalid: reference is required.");
    expect(problem.invalid_params).toEqual([{ name: "reference", reason: "is required" }]);
  });
});

describe("every query parameter", () => {
  for (const op of QUERY_OPERATIONS) {
    it(`${op.operationId}: a value it cannot take is named, in plain words`, async () => {
      for (const name of Object.keys(op.query?.shape ?? {})) {
        for (const value of ["", "%20", "not-a-value", "99999999999"]) {
          const response = await sendOperation(op, request(op, { query: `${name}=${value}` }));
          if (response.status === 200) continue;
          await expectPlainRefusal(response, name, `${op.operationId} ?${name}=${value}`);
        }
      }
    });
  }
});

describe("a known path with a method it does not serve", () => {
  it("answers 405 with Allow listing the methods it does serve", async () => {
    const cases: Array<[string, string, string]> = [
      ["PUT", "/v1/payments", "GET, HEAD, POST"],
      ["DELETE", "/v1/payments/pay_01JD5Z8Q9X4R7M2K3N6P8T0V1W", "GET, HEAD"],
      ["POST", "/health", "GET, HEAD"],
      ["PATCH", "/v1/webhook-endpoints", "GET, HEAD, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(path, { method, headers: { authorization: `Bearer ${merchant.api_key}` } });
      const text = await response.text();
      expect(response.status, `${method} ${path}: ${text}`).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(JSON.parse(text)).toMatchObject({ type: "urn:payment-connector:problem:method-not-allowed", status: 405 });
    }
  });

  it("keeps 404 for a path no route has, and the admin gate before either", async () => {
    expect((await call("/v1/paymentz", { method: "PUT" })).status).toBe(404);
    expect((await call("/admin/v1/merchants", { method: "PUT" })).status).toBe(401);
    const admin = await call("/admin/v1/merchants", { method: "PUT", headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(admin.status).toBe(405);
    expect(admin.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  it("serves HEAD wherever it serves GET, as Allow says", async () => {
    const response = await call("/health", { method: "HEAD" });
    expect(response.status).toBe(200);
  });
});
