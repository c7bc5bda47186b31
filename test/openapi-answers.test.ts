/**
 * The document against the Worker's real answers. For every documented
 * operation, requests provoke the refusals its declaration says it can meet
 * (credentials, path parameters, body, Idempotency-Key, query); each answer
 * must be the provoked problem type and be documented for that operation.
 * Then every documented success status of every operation is produced,
 * with a body its documented schema accepts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyCreated } from "../schemas/admin-api.ts";
import { MAX_IDEMPOTENCY_KEY_LENGTH, type MerchantCreated, type Payment } from "../schemas/merchant-api.ts";
import type { ProblemSlug } from "../schemas/problem.ts";
import type { ReconciliationReport } from "../schemas/reconciliation.ts";
import type { EventList, WebhookEndpointWithSecret } from "../schemas/webhooks.ts";
import { MAX_STATEMENT_FILE_BYTES } from "../src/bank/statement-file.ts";
import { MAX_BODY_BYTES } from "../src/worker/http/json-body.ts";
import type { Operation } from "../src/worker/openapi/operation.ts";
import { API_ROUTES } from "../src/worker/routes/api-routes.ts";
import statementFile from "./fixtures/iso20022/camt.053.001.02-statement.xml?raw";
import { setMerchantStatus } from "./support/admin.ts";
import { createMerchant, paymentBody, uniqueIban } from "./support/api.ts";
import { TEST_ADMIN_TOKEN } from "./support/constants.ts";
import { expectDocumentedProblem, type OperationRequest, sendOperation } from "./support/operation-requests.ts";
import { setDebtorScenario } from "./support/reconciliation.ts";
import { refuseFirstSubmissions } from "./support/returns.ts";
import { VALID_BODIES } from "./support/valid-bodies.ts";
import { configureReceiver, HOOK_HOST, uniqueHookPath } from "./support/webhooks.ts";

const OPERATIONS = API_ROUTES.map((route) => route.operation);

/** What a path parameter that cannot name anything answers, by parameter name. */
const MALFORMED_PARAM_PROBLEM: Record<string, ProblemSlug> = {
  id: "not-found",
  keyId: "not-found",
  paymentId: "not-found",
  date: "validation-error",
};

interface Merchants {
  live: MerchantCreated;
  disabled: MerchantCreated;
}

interface Probe {
  name: string;
  expected: ProblemSlug;
  request: (merchants: Merchants) => OperationRequest;
}

/** A statement file about `debtorIban` (the committed fixture with that account). */
function statementFor(debtorIban: string): { raw: string; contentType: string } {
  return {
    raw: statementFile.replaceAll("<IBAN>DE02120300000000202051</IBAN>", `<IBAN>${debtorIban}</IBAN>`),
    contentType: "application/xml",
  };
}

function validBody(op: Operation, merchants: Merchants): unknown {
  if (op.xmlBody) return statementFor(merchants.live.debtor_iban);
  if (!op.requestBody) return undefined;
  const body = VALID_BODIES[op.operationId];
  if (!body) throw new Error(`VALID_BODIES has no body for ${op.operationId}`);
  return body();
}

/** A request the operation accepts up to its own lookups (ids are well-formed; only a merchant id of the admin API names a real one). */
function validRequest(op: Operation, merchants: Merchants): OperationRequest {
  const authorization =
    op.security === "admin" ? `Bearer ${TEST_ADMIN_TOKEN}` : op.security === "merchant" ? `Bearer ${merchants.live.api_key}` : null;
  return { authorization, params: op.security === "admin" ? { id: merchants.live.id } : {}, body: validBody(op, merchants) };
}

function probesFor(op: Operation): Probe[] {
  const probes: Probe[] = [];
  const probe = (
    name: string,
    expected: ProblemSlug,
    change: (request: OperationRequest, merchants: Merchants) => Partial<OperationRequest>,
  ) =>
    probes.push({
      name,
      expected,
      request: (merchants) => {
        const request = validRequest(op, merchants);
        return { ...request, ...change(request, merchants) };
      },
    });

  if (op.security === "merchant") {
    probe("no API key", "unauthorized", () => ({ authorization: null }));
    probe("a malformed API key", "unauthorized", () => ({ authorization: "Bearer not-a-key" }));
    probe("a forged key naming a real merchant", "unauthorized", (_, { live }) => ({ authorization: `Bearer ${forged(live.api_key)}` }));
    probe("a disabled merchant's key", "merchant-disabled", (_, { disabled }) => ({ authorization: `Bearer ${disabled.api_key}` }));
  }
  if (op.security === "admin") {
    probe("no admin token", "unauthorized", () => ({ authorization: null }));
    probe("a wrong admin token", "unauthorized", () => ({ authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }));
  }
  for (const name of Object.keys(op.pathParams ?? {})) {
    const malformed = MALFORMED_PARAM_PROBLEM[name];
    if (!malformed) throw new Error(`MALFORMED_PARAM_PROBLEM has no entry for path parameter ${name}`);
    probe(`a well-formed ${name} that names nothing`, "not-found", ({ params }) => ({ params: without(params ?? {}, name) }));
    probe(`a malformed ${name}`, malformed, ({ params }) => ({ params: { ...params, [name]: "nope" } }));
  }
  if (op.requestBody) {
    probe("a body that is not JSON", "unsupported-media-type", ({ body }) => ({
      body: { raw: JSON.stringify(body), contentType: "text/plain" },
    }));
    probe("malformed JSON", "malformed-json", () => ({ body: { raw: '{"a":', contentType: "application/json" } }));
    probe("JSON of the wrong shape", "validation-error", () => ({ body: [] }));
    probe("a body over the size limit", "payload-too-large", () => ({
      body: { raw: JSON.stringify("x".repeat(MAX_BODY_BYTES)), contentType: "application/json" },
    }));
  }
  if (op.xmlBody) {
    probe("a body that is not XML", "unsupported-media-type", () => ({ body: { raw: "{}", contentType: "application/json" } }));
    probe("malformed XML", "malformed-xml", () => ({ body: { raw: "<Document", contentType: "application/xml" } }));
    probe("a body over the size limit", "payload-too-large", () => ({
      body: { raw: " ".repeat(MAX_STATEMENT_FILE_BYTES + 1), contentType: "application/xml" },
    }));
    probe("a statement about another account", "statement-account-mismatch", () => ({ body: statementFor(uniqueIban()) }));
  }
  if (op.idempotencyKey) {
    probe("no Idempotency-Key", "idempotency-key-missing", () => ({ idempotencyKey: null }));
    probe("an Idempotency-Key too long", "idempotency-key-invalid", () => ({ idempotencyKey: "k".repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1) }));
  }
  const firstQueryParam = Object.keys(op.query?.shape ?? {})[0];
  if (firstQueryParam) {
    probe("a query parameter given twice", "validation-error", () => ({ query: `${firstQueryParam}=1&${firstQueryParam}=1` }));
    probe("an unknown query parameter", "validation-error", () => ({ query: "no_such_parameter=1" }));
  }
  return probes;
}

/** The same key with another secret: well-formed, names a real merchant, matches none of its keys. */
function forged(apiKey: string): string {
  return apiKey.slice(0, -4) + (apiKey.endsWith("AAAA") ? "BBBB" : "AAAA");
}

function without(params: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _, ...rest } = params;
  return rest;
}

describe("every refusal an operation can meet is one it documents", () => {
  const merchants = {} as Merchants;
  beforeAll(async () => {
    [merchants.live, merchants.disabled] = await Promise.all([createMerchant(), createMerchant()]);
    expect((await setMerchantStatus(merchants.disabled.id, "disabled")).status).toBe(200);
  });

  for (const op of OPERATIONS) {
    const probes = probesFor(op);
    if (probes.length === 0) continue;
    describe(`${op.method.toUpperCase()} ${op.path}`, () => {
      for (const { name, expected, request } of probes) {
        it(`${name}: ${expected}`, async () => {
          await expectDocumentedProblem(op, await sendOperation(op, request(merchants)), expected);
        });
      }
    });
  }
});

describe("every documented success status", () => {
  it("is produced by its operation, with a body its documented schema accepts", async () => {
    const produced = new Set<string>();
    const send = (operationId: string, request: OperationRequest) => sendOperation(operation(operationId), request);
    const expectSuccess = async <T>(operationId: string, response: Response): Promise<T> => {
      const text = await response.text();
      const documented = operation(operationId).responses[response.status];
      expect(documented, `${operationId} answered ${response.status}: ${text}`).toBeDefined();
      produced.add(`${operationId} ${response.status}`);
      if (documented?.headers?.includes("Location")) expect(response.headers.get("location"), operationId).toBeTruthy();
      if (documented?.html) {
        expect(response.headers.get("content-type"), operationId).toMatch(/^text\/html/);
        return undefined as T;
      }
      if (!documented?.schema) {
        expect(text, operationId).toBe("");
        return undefined as T;
      }
      const parsed = documented.schema.safeParse(JSON.parse(text));
      expect(parsed.error?.message, `${operationId} ${response.status}`).toBeUndefined();
      return parsed.data as T;
    };

    await expectSuccess("getHealth", await send("getHealth", { authorization: null }));
    await expectSuccess("getOpenApiDocument", await send("getOpenApiDocument", { authorization: null }));
    await expectSuccess("getApiReference", await send("getApiReference", { authorization: null }));

    const admin = `Bearer ${TEST_ADMIN_TOKEN}`;
    const merchant = await expectSuccess<MerchantCreated>(
      "createMerchant",
      await send("createMerchant", { authorization: admin, body: VALID_BODIES.createMerchant?.() }),
    );
    await expectSuccess("listMerchants", await send("listMerchants", { authorization: admin }));
    const ofMerchant = { authorization: admin, params: { id: merchant.id } };
    await expectSuccess("getMerchant", await send("getMerchant", ofMerchant));
    await expectSuccess("updateMerchant", await send("updateMerchant", { ...ofMerchant, body: { status: "active" } }));
    await expectSuccess("listApiKeys", await send("listApiKeys", ofMerchant));
    const key = await expectSuccess<ApiKeyCreated>("createApiKey", await send("createApiKey", ofMerchant));
    await expectSuccess("revokeApiKey", await send("revokeApiKey", { ...ofMerchant, params: { id: merchant.id, keyId: key.id } }));

    const asMerchant = { authorization: `Bearer ${merchant.api_key}` };
    const hookPath = uniqueHookPath();
    const endpoint = await expectSuccess<WebhookEndpointWithSecret>(
      "createWebhookEndpoint",
      await send("createWebhookEndpoint", { ...asMerchant, body: { url: HOOK_HOST + hookPath } }),
    );
    await configureReceiver(hookPath, { secrets: [endpoint.secret] });
    await expectSuccess("listWebhookEndpoints", await send("listWebhookEndpoints", asMerchant));

    // The simulator settles at once by default (201); ACSP keeps the next payment pending (202).
    const settled = await expectSuccess<Payment>("createPayment", await send("createPayment", { ...asMerchant, body: paymentBody() }));
    await setDebtorScenario(merchant.debtor_iban, { booking_status: "ACSP" });
    await expectSuccess("createPayment", await send("createPayment", { ...asMerchant, body: paymentBody() }));
    const ofPayment = { ...asMerchant, params: { id: settled.id } };
    await expectSuccess("getPayment", await send("getPayment", ofPayment));
    // A payment refused at the bank's door is provably never sent: it can be canceled.
    await refuseFirstSubmissions(merchant.id);
    const neverSent = (await (await send("createPayment", { ...asMerchant, body: paymentBody() })).json()) as Payment;
    await expectSuccess("cancelPayment", await send("cancelPayment", { ...asMerchant, params: { id: neverSent.id } }));
    await expectSuccess("getPaymentEvents", await send("getPaymentEvents", ofPayment));
    await expectSuccess("listPayments", await send("listPayments", asMerchant));

    await expectSuccess("listAttentionPayments", await send("listAttentionPayments", { authorization: admin, query: "attention=true" }));
    const ofFlag = { authorization: admin, params: { id: merchant.id, paymentId: settled.id } };
    await expectSuccess("clearPaymentAttention", await send("clearPaymentAttention", ofFlag));

    const events = await expectSuccess<EventList>("listEvents", await send("listEvents", asMerchant));
    const event = events.data[0];
    if (!event) throw new Error("no webhook event after two payments");
    await expectSuccess("redeliverEvent", await send("redeliverEvent", { ...asMerchant, params: { id: event.id } }));
    const ofEndpoint = { ...asMerchant, params: { id: endpoint.id } };
    await expectSuccess("rotateWebhookSecret", await send("rotateWebhookSecret", ofEndpoint));
    await expectSuccess("deleteWebhookEndpoint", await send("deleteWebhookEndpoint", ofEndpoint));

    const reconciliation = await expectSuccess<ReconciliationReport>(
      "reconcile",
      await send("reconcile", { ...asMerchant, body: VALID_BODIES.reconcile?.() }),
    );
    await expectSuccess("getReconciliation", await send("getReconciliation", { ...asMerchant, params: { date: reconciliation.date } }));

    const statement = statementFor(merchant.debtor_iban);
    await expectSuccess("importStatement", await send("importStatement", { ...asMerchant, body: statement }));
    await expectSuccess("importStatement", await send("importStatement", { ...asMerchant, body: statement }));
    await expectSuccess("listStatements", await send("listStatements", asMerchant));

    const documented = OPERATIONS.flatMap((op) => Object.keys(op.responses).map((status) => `${op.operationId} ${status}`));
    expect([...produced].sort()).toEqual(documented.sort());
  });
});

function operation(operationId: string): Operation {
  const found = OPERATIONS.find((op) => op.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  return found;
}
