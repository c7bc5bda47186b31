/**
 * Requests shaped by a route's declared operation (its path parameters,
 * credentials, Idempotency-Key, body), and the check that an answer is one
 * the committed OpenAPI document gives that operation.
 */
import { expect } from "vitest";
import committed from "../../schemas/openapi.json";
import { PROBLEM_TYPE_PREFIX, PROBLEMS, type Problem, type ProblemSlug } from "../../schemas/problem.ts";
import type { Operation } from "../../src/worker/openapi/operation.ts";
import { call } from "./api.ts";

/** A body sent as is, with its own content type. */
interface RawBody {
  raw: string;
  contentType: string;
}

export interface OperationRequest {
  /** `Bearer …` or null for none. */
  authorization: string | null;
  /** Path parameter values; the others take their schema's example (well-formed, naming nothing). */
  params?: Record<string, string>;
  /** Raw query string, without `?`. */
  query?: string;
  /** Sent as JSON unless raw; undefined sends no body. */
  body?: unknown;
  /** Idempotency-Key header for operations that take one; null leaves it out. */
  idempotencyKey?: string | null;
}

function isRawBody(body: unknown): body is RawBody {
  return typeof body === "object" && body !== null && "raw" in body && "contentType" in body;
}

/** The operation's path with each `{name}` filled in. */
function operationPath(operation: Operation, params: Record<string, string> = {}): string {
  return operation.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? pathParamExample(operation, name));
}

export function pathParamExample(operation: Operation, name: string): string {
  const example = operation.pathParams?.[name]?.meta()?.example;
  if (typeof example !== "string") throw new Error(`${operation.operationId}: path parameter ${name} has no example in its schema`);
  return example;
}

export function sendOperation(operation: Operation, request: OperationRequest): Promise<Response> {
  const headers = new Headers();
  if (request.authorization !== null) headers.set("authorization", request.authorization);
  if (operation.idempotencyKey && request.idempotencyKey !== null)
    headers.set("idempotency-key", request.idempotencyKey ?? crypto.randomUUID());
  let body: string | undefined;
  if (isRawBody(request.body)) {
    headers.set("content-type", request.body.contentType);
    body = request.body.raw;
  } else if (request.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(request.body);
  }
  const query = request.query ? `?${request.query}` : "";
  return call(operationPath(operation, request.params) + query, {
    method: operation.method.toUpperCase(),
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

type DocumentedResponses = Record<string, { description: string }>;

/** The responses the committed schemas/openapi.json gives this operation. */
function documentedResponses(operation: Operation): DocumentedResponses {
  const paths = committed.paths as unknown as Record<string, Record<string, { responses: DocumentedResponses }>>;
  const documented = paths[operation.path]?.[operation.method]?.responses;
  if (!documented) throw new Error(`${operation.method.toUpperCase()} ${operation.path} is not in schemas/openapi.json`);
  return documented;
}

/**
 * The answer is the problem the probe provokes (a probe that gets a 500
 * instead proves nothing), and the document lists that status for the
 * operation with that type among the ones it may carry.
 */
export async function expectDocumentedProblem(operation: Operation, response: Response, expected: ProblemSlug): Promise<void> {
  const text = await response.text();
  expect(response.headers.get("content-type"), text).toBe("application/problem+json");
  const slug = (JSON.parse(text) as Problem).type.replace(PROBLEM_TYPE_PREFIX, "");
  expect({ status: response.status, slug }, text).toEqual({ status: PROBLEMS[expected].status, slug: expected });
  const documented = documentedResponses(operation)[String(response.status)];
  expect(documented?.description ?? "", `${operation.operationId} does not document ${response.status} ${slug}`).toContain(
    `\`${PROBLEM_TYPE_PREFIX}${slug}\``,
  );
}
