/**
 * What a route says about itself: the OpenAPI operation declared beside its
 * handler (defineRoute). The document (document.ts) is assembled from these
 * and nothing else, so a route cannot be served without being described.
 */
import type { z } from "zod";
import type { ProblemSlug } from "../../../schemas/problem.ts";

type HttpMethod = "get" | "post" | "patch" | "delete";
export type OperationTag = "payments" | "webhooks" | "admin" | "operations";
/** Who may call: a merchant API key, the ADMIN_TOKEN, or anyone. */
export type Security = "merchant" | "admin" | "none";

export type ResponseHeader =
  | "X-Request-Id"
  | "Location"
  | "Idempotent-Replayed"
  | "Idempotency-Key-Expires-At"
  | "WWW-Authenticate"
  | "Retry-After"
  | "Content-Disposition";

interface SuccessResponse {
  description: string;
  /** Absent for an empty body (204). Needs a `.meta({ id })`: it becomes a named component. */
  schema?: z.ZodType;
  headers?: ResponseHeader[];
  /** Also available as CSV (chosen with `Accept: text/csv`). */
  csv?: boolean;
  /** An HTML page (no `schema`): a page for people, not data for programs. */
  html?: boolean;
}

export interface Operation {
  method: HttpMethod;
  /** OpenAPI form, `{name}` per parameter; the Hono path is derived from it. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: OperationTag;
  security: Security;
  /**
   * The schema each `{name}` of the path is validated with: the document takes
   * the parameter's pattern and description from it.
   */
  pathParams?: Readonly<Record<string, z.ZodType>>;
  /** Each field of this object schema becomes a query parameter (described as input). */
  query?: z.ZodObject;
  idempotencyKey?: boolean;
  /** Needs a `.meta({ id })`: it becomes a named component. */
  requestBody?: z.ZodType;
  /** The body may be left out (an empty POST). */
  requestBodyOptional?: boolean;
  /** An XML document as the body (application/xml or text/xml) instead of JSON: what it must be. */
  xmlBody?: string;
  responses: Readonly<Record<number, SuccessResponse>>;
  /**
   * Problem types this operation can answer (internal-error is implied).
   * Their statuses come from PROBLEMS, so a documented status cannot
   * disagree with its type.
   */
  problems: readonly ProblemSlug[];
}

/** The names of the `{name}` placeholders in an OpenAPI path, as a union. */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParamNames<Rest>
  : never;

/** Exactly one schema per placeholder, or none when the path has no placeholder. */
type PathParamsFor<Path extends string> = [PathParamNames<Path>] extends [never]
  ? { pathParams?: undefined }
  : { pathParams: Readonly<Record<PathParamNames<Path>, z.ZodType>> };

/** An operation whose pathParams name exactly the placeholders of its path (checked by the compiler). */
export type OperationFor<Path extends string> = Omit<Operation, "path" | "pathParams"> & { path: Path } & PathParamsFor<Path>;
