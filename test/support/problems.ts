/** Assertions every error answer must satisfy: problem+json, a request id, a stable type, no internals. */
import { expect } from "vitest";
import { PROBLEM_TYPE_PREFIX, type Problem } from "../../schemas/problem.ts";

/** What a stack trace or an internal error message looks like in a body. */
export const INTERNALS = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|TypeError|ReferenceError|SyntaxError|stack/;

export async function expectProblem(response: Response, status: number, slug: string, param?: string): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toBeTruthy();
  expect(text).not.toMatch(INTERNALS);
  const body = JSON.parse(text) as Problem;
  expect(body.type).toBe(PROBLEM_TYPE_PREFIX + slug);
  expect(body.status).toBe(status);
  expect(body.request_id).toBe(requestId);
  if (param !== undefined)
    expect(
      body.invalid_params?.map((p) => p.name),
      text,
    ).toContain(param);
  return body;
}
