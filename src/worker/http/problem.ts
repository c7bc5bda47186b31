import type { z } from "zod";
import { type InvalidParam, PROBLEM_TYPE_PREFIX, PROBLEMS, type Problem, type ProblemSlug } from "../../../schemas/problem.ts";

/** A problem+json body; its status and title come from the slug's row in PROBLEMS. */
export function problem(slug: ProblemSlug, detail: string, invalidParams?: InvalidParam[]): Problem {
  const { status, title } = PROBLEMS[slug];
  const body: Problem = { type: PROBLEM_TYPE_PREFIX + slug, title, status, detail };
  if (invalidParams && invalidParams.length > 0) {
    body.invalid_params = invalidParams.map((param) => ({ ...param, name: echoable(param.name) }));
  }
  return body;
}

const ECHOABLE_CHARS = /[^A-Za-z0-9_.,:()/-]/g;

/**
 * A caller-chosen name (a JSON key, a query parameter, a path) made fit to be
 * echoed in an error: only characters that cannot carry markup, control
 * sequences or log-injection payloads, and bounded, so an error never
 * reflects an attacker's text at length.
 */
export function echoable(text: string, max = 64): string {
  const safe = text.replace(ECHOABLE_CHARS, "?");
  return safe.length > max ? `${safe.slice(0, max)}...` : safe;
}

/** Thrown by request parsing helpers; the app's error handler renders it. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

export function problemResponse(body: Problem, requestId: string | undefined, headers: Record<string, string> = {}): Response {
  const withId = requestId ? { ...body, request_id: requestId } : body;
  return new Response(JSON.stringify(withId), {
    status: body.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

/**
 * Zod issues → invalid_params. Messages come from our schemas and
 * plain-words.ts, not from the input, so a bad IBAN is named but never
 * echoed back. A missing field is "is required" whatever its schema says
 * about wrong values (a schema's own message is about a value that is there).
 */
export function invalidParamsFromZod(error: z.ZodError, prefix = ""): InvalidParam[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const name = echoable(prefix + (issue.code === "unrecognized_keys" ? joinPath(path, issue.keys.join(",")) : path));
    return { name: name || "(body)", reason: reasonOf(issue) };
  });
}

function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return "is not a known field";
  if (isMissing(issue)) return "is required";
  return issue.message;
}

/** A field that is absent (Zod reports absence as a wrong type, or as no allowed value for an enum). */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return (issue.code === "invalid_type" || issue.code === "invalid_value") && "input" in issue && issue.input === undefined;
}

function joinPath(base: string, leaf: string): string {
  return base ? `${base}.${leaf}` : leaf;
}
