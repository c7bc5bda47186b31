/** The Worker retries a failed Durable Object call only when the error is retryable AND the operation is safe to repeat. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callMerchant, MAX_OBJECT_CALL_ATTEMPTS } from "../src/worker/http/merchant-stub.ts";
import { ProblemError } from "../src/worker/http/problem.ts";

function failing(errors: unknown[], result = "done") {
  let calls = 0;
  const operation = async () => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
    return result;
  };
  return { operation, calls: () => calls };
}

function objectError(flags: { retryable?: boolean; overloaded?: boolean }): Error {
  return Object.assign(new Error("Durable Object reset because its code was updated."), flags);
}

async function serviceUnavailable(promise: Promise<unknown>): Promise<ProblemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemError);
  const problem = error as ProblemError;
  expect(problem.problem).toMatchObject({ status: 503, type: "urn:payment-connector:problem:service-unavailable" });
  expect(problem.headers).toMatchObject({ "retry-after": "1" });
  return problem;
}

describe("callMerchant retries", () => {
  it("retries a retryable failure of a safe operation until it succeeds", async () => {
    const op = failing([objectError({ retryable: true }), objectError({ retryable: true })]);
    expect(await callMerchant(env, "mer_stub_test", op.operation, { safeToRetry: true })).toBe("done");
    expect(op.calls()).toBe(3);
  });

  it("gives up after MAX_OBJECT_CALL_ATTEMPTS with 503 and Retry-After", async () => {
    const op = failing(Array.from({ length: 10 }, () => objectError({ retryable: true })));
    await serviceUnavailable(callMerchant(env, "mer_stub_test", op.operation, { safeToRetry: true }));
    expect(op.calls()).toBe(MAX_OBJECT_CALL_ATTEMPTS);
  });

  it("never retries an operation that is not safe to repeat, even on a retryable error", async () => {
    const op = failing([objectError({ retryable: true })]);
    await serviceUnavailable(callMerchant(env, "mer_stub_test", op.operation, { safeToRetry: false }));
    expect(op.calls()).toBe(1);
  });

  it("does not retry an overloaded object or a non-retryable error", async () => {
    for (const error of [objectError({ retryable: true, overloaded: true }), objectError({}), new TypeError("bug")]) {
      const op = failing([error]);
      await serviceUnavailable(callMerchant(env, "mer_stub_test", op.operation, { safeToRetry: true }));
      expect(op.calls()).toBe(1);
    }
  });
});
