/**
 * The OpenAPI 3.1 description of the connector, assembled from the
 * operations the routes declare beside their handlers (defineRoute) and the
 * Zod schemas they name. Served at GET /openapi.json and committed as
 * schemas/openapi.json (`npm run openapi`); test/openapi.test.ts fails when
 * the two drift or when an answer is not what its operation documents.
 */
import { PROBLEM_SLUGS, PROBLEM_TYPE_PREFIX, Problem } from "../../../schemas/problem.ts";
import { CONNECTOR_VERSION } from "../../platform/version.ts";
import type { Operation } from "./operation.ts";
import { problemsByStatus } from "./problem-groups.ts";
import { ComponentCollector, type Json, type JsonObject, parameterSchema } from "./schema-components.ts";
import { RESPONSE_HEADERS, SECURITY_SCHEME_OF, SECURITY_SCHEMES, SERVERS, SHARED_PARAMETERS, TAGS } from "./shared-components.ts";
import { webhooksSection } from "./webhooks-section.ts";

export function buildOpenApiDocument(operations: readonly Operation[]): JsonObject {
  const components = new ComponentCollector();
  const paths: Record<string, JsonObject> = {};
  for (const operation of operations) {
    paths[operation.path] = { ...(paths[operation.path] ?? {}), [operation.method]: operationObject(operation, components) };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "mTLS payment connector",
      version: CONNECTOR_VERSION,
      description:
        "Sends merchants' payments to a bank over mutual TLS, idempotently. Errors are RFC 9457 problem details; `type` values are stable. docs/api.md is the prose companion of this document; GET /docs renders this document.",
    },
    servers: SERVERS,
    tags: TAGS,
    paths,
    webhooks: webhooksSection(components),
    components: {
      schemas: components.schemas(),
      parameters: SHARED_PARAMETERS,
      headers: RESPONSE_HEADERS,
      securitySchemes: SECURITY_SCHEMES,
    },
    "x-problem-types": PROBLEM_SLUGS.map((slug) => PROBLEM_TYPE_PREFIX + slug),
  };
}

function operationObject(operation: Operation, components: ComponentCollector): JsonObject {
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: operation.security === "none" ? [] : [{ [SECURITY_SCHEME_OF[operation.security]]: [] }],
    parameters: parameters(operation),
    ...(operation.requestBody
      ? {
          requestBody: {
            required: !operation.requestBodyOptional,
            content: { "application/json": { schema: components.ref(operation.requestBody, "input") } },
          },
        }
      : {}),
    ...(operation.xmlBody
      ? {
          requestBody: {
            required: true,
            description: operation.xmlBody,
            content: { "application/xml": { schema: { type: "string" } }, "text/xml": { schema: { type: "string" } } },
          },
        }
      : {}),
    responses: { ...successResponses(operation, components), ...problemResponses(operation, components) },
  };
}

function parameters(operation: Operation): Json[] {
  const list: Json[] = [{ $ref: "#/components/parameters/XRequestId" }];
  for (const [name, schema] of Object.entries(operation.pathParams ?? {})) {
    const { description, schema: json } = parameterSchema(schema);
    if (!description) throw new Error(`${operation.operationId}: the schema of path parameter ${name} needs .meta({ description })`);
    list.push({ name, in: "path", required: true, description, schema: json });
  }
  if (operation.idempotencyKey) list.push({ $ref: "#/components/parameters/IdempotencyKey" });
  for (const [name, field] of Object.entries(operation.query?.shape ?? {})) {
    const { description, schema } = parameterSchema(field);
    const optional = field.safeParse(undefined).success;
    list.push({ name, in: "query", required: !optional, ...(description ? { description } : {}), schema });
  }
  return list;
}

function successResponses(operation: Operation, components: ComponentCollector): JsonObject {
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const headers: JsonObject = { "X-Request-Id": headerRef("X-Request-Id") };
    for (const name of response.headers ?? []) headers[name] = headerRef(name);
    if (response.html) {
      responses[status] = { description: response.description, headers, content: { "text/html": { schema: { type: "string" } } } };
      continue;
    }
    if (!response.schema) {
      responses[status] = { description: response.description, headers };
      continue;
    }
    const content: JsonObject = { "application/json": { schema: components.ref(response.schema, "output") } };
    if (response.csv) content["text/csv"] = { schema: { type: "string", description: "The same report, one row per item." } };
    responses[status] = { description: response.description, headers, content };
  }
  return responses;
}

function problemResponses(operation: Operation, components: ComponentCollector): JsonObject {
  const responses: JsonObject = {};
  for (const [status, slugs] of problemsByStatus(operation)) {
    const headers: JsonObject = { "X-Request-Id": headerRef("X-Request-Id") };
    if (status === 401) headers["WWW-Authenticate"] = headerRef("WWW-Authenticate");
    if (status === 502 || status === 503) headers["Retry-After"] = headerRef("Retry-After");
    responses[status] = {
      description: `Problem details; \`type\` is one of: ${slugs.map((slug) => `\`${PROBLEM_TYPE_PREFIX}${slug}\``).join(", ")}.`,
      headers,
      content: { "application/problem+json": { schema: components.ref(Problem, "output") } },
    };
  }
  return responses;
}

function headerRef(name: keyof typeof RESPONSE_HEADERS): JsonObject {
  return { $ref: `#/components/headers/${name}` };
}
