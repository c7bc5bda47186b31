/**
 * Setup file of the workers-iso20022 project (vitest.config.ts): after each
 * test file, every pain.001 the connector actually sent must have been valid
 * against the EPC schema. The simulator validates each one with libxml2
 * (xmllint-wasm) and logs the verdict (`xsd_valid`; an invalid document is
 * answered 400 RJCT FF01), so a connector that ever sent a bad document
 * fails here, whichever test made it send it.
 */
import { env } from "cloudflare:workers";
import { afterAll, expect } from "vitest";

interface LoggedRequest {
  method: string;
  path: string;
  profile: string;
  end_to_end_id?: string;
  xsd_valid?: boolean;
}

afterAll(async () => {
  const response = await env.BANK_CONTROL.fetch("http://bank-control/control/requests");
  const { requests } = (await response.json()) as { requests: LoggedRequest[] };
  const submissions = requests.filter((r) => r.method === "POST" && r.path === "/iso20022/payments");
  // The verdict is logged for every document the simulator validated; none may be missing or false.
  expect(submissions.filter((r) => r.xsd_valid !== true).map((r) => r.end_to_end_id ?? "(no EndToEndId)")).toEqual([]);
  expect(requests.filter((r) => r.profile === "json")).toEqual([]);
});
