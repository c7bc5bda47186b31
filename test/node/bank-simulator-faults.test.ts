/**
 * The simulator's fault rules for the money-safety work, in both profiles:
 * lagging_replica, duplicate_refusal, offset_timestamps, stalled_body,
 * not_found_everything, contradiction; and rules on statement reads.
 */
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  jsonTransfer,
  list,
  pain001,
  readDocument,
  startTestBank,
  type TestBank,
  text,
  today,
  uniqueIban,
  uniqueId,
} from "./support/bank-simulator.ts";

let bank: TestBank;

beforeAll(async () => {
  bank = await startTestBank();
});
afterAll(async () => {
  await bank?.close();
});

type Profile = "json" | "iso20022";
const PROFILES: Profile[] = ["json", "iso20022"];

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** What the answer says of the transfer, whatever the profile. */
  transfer?: { status?: string; reason?: string; reference?: string; timestamps: string[] };
}

function describeTransfer(profile: Profile, body: string): Answer["transfer"] {
  try {
    if (profile === "json") {
      const json = JSON.parse(body) as Record<string, string>;
      return {
        status: json.status,
        reason: json.reason_code,
        reference: json.transfer_id,
        timestamps: [json.status_at, json.booked_at].filter((t): t is string => t !== undefined),
      };
    }
    const { message } = readDocument(body);
    const tx = list(message, "OrgnlPmtInfAndSts.TxInfAndSts")[0];
    return {
      status: text(tx, "TxSts"),
      reason: text(list(tx, "StsRsnInf")[0], "Rsn.Cd") ?? text(list(message, "OrgnlGrpInfAndSts.StsRsnInf")[0], "Rsn.Cd"),
      reference: text(tx, "AcctSvcrRef"),
      timestamps: [text(message, "GrpHdr.CreDtTm"), text(tx, "AccptncDtTm")].filter((t): t is string => t !== undefined),
    };
  } catch {
    return undefined;
  }
}

async function submit(profile: Profile, id: string, debtor: string): Promise<Answer> {
  const answer =
    profile === "json"
      ? await bank.call("POST", "/v1/credit-transfers", jsonTransfer(id, debtor), { "content-type": "application/json" })
      : await bank.call("POST", "/iso20022/payments", pain001({ endToEndId: id, debtorIban: debtor }));
  return { ...answer, transfer: describeTransfer(profile, answer.text) };
}

async function inquire(profile: Profile, id: string): Promise<Answer> {
  const answer = await bank.call("GET", profile === "json" ? `/v1/credit-transfers/${id}` : `/iso20022/payments/${id}`);
  return { ...answer, transfer: describeTransfer(profile, answer.text) };
}

async function addRule(debtor: string, action: Record<string, unknown>, operation?: string): Promise<string> {
  const answer = await bank.control("POST", "/control/faults", {
    match: { debtor_iban: debtor, ...(operation ? { operation } : {}) },
    action,
  });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

const created = (profile: Profile) => (profile === "json" ? 201 : 200);

describe.each(PROFILES)("fault rules, %s profile", (profile) => {
  it("lagging_replica: booked and answered, then inquiries miss it for the first N", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "lagging_replica", inquiries: 2 });
    const id = uniqueId();
    expect((await submit(profile, id, debtor)).transfer?.status).toBe("ACSC");
    expect(bank.simulator.ledger.get(id)?.status).toBe("ACSC");
    expect([(await inquire(profile, id)).status, (await inquire(profile, id)).status, (await inquire(profile, id)).status]).toEqual([
      404, 404, 200,
    ]);
  });

  it("lagging_replica with a lost answer: booked, answered 503, then inquiries miss it", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "lagging_replica", inquiries: 1, answer: "server_error" });
    const id = uniqueId();
    expect((await submit(profile, id, debtor)).status).toBe(503);
    expect(bank.simulator.ledger.get(id)?.status).toBe("ACSC");
    expect([(await inquire(profile, id)).status, (await inquire(profile, id)).status]).toEqual([404, 200]);
  });

  it("lagging_replica: or for for_ms after booking", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "lagging_replica", for_ms: 300 });
    const id = uniqueId();
    await submit(profile, id, debtor);
    expect((await inquire(profile, id)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await inquire(profile, id)).status).toBe(200);
  });

  it("duplicate_refusal 422: only a repeated submission is refused; the original stays booked", async () => {
    const debtor = uniqueIban();
    const rule = await addRule(debtor, { kind: "duplicate_refusal", style: "422" });
    const id = uniqueId();
    const first = await submit(profile, id, debtor);
    expect([first.status, first.transfer?.status]).toEqual([created(profile), "ACSC"]);
    expect((await bank.control("GET", "/control/faults")).body).toMatchObject({
      rules: expect.arrayContaining([expect.objectContaining({ id: rule, hits: 0 })]),
    });
    const again = await submit(profile, id, debtor);
    expect(again.status).toBe(422);
    if (profile === "json") expect(JSON.parse(again.text)).toMatchObject({ code: "DUPLICATE" });
    else expect(again.transfer).toMatchObject({ status: "RJCT", reason: "DUPL" });
    expect(bank.simulator.ledger.get(id)).toMatchObject({ status: "ACSC", submissions: 2 });
    expect((await inquire(profile, id)).transfer?.status).toBe("ACSC");
  });

  it("duplicate_refusal rjct_dupl: a repeated submission is answered RJCT DUPL under its own reference", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "duplicate_refusal", style: "rjct_dupl" });
    const id = uniqueId();
    const first = await submit(profile, id, debtor);
    const again = await submit(profile, id, debtor);
    expect(again.status).toBe(created(profile));
    expect(again.transfer).toMatchObject({ status: "RJCT", reason: "DUPL" });
    expect(again.transfer?.reference).not.toBe(first.transfer?.reference);
    expect(bank.simulator.ledger.get(id)?.status).toBe("ACSC");
  });

  it("offset_timestamps: the same instants, written with the rule's offset", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "offset_timestamps", offset: "+01:00" });
    const id = uniqueId();
    const answer = await submit(profile, id, debtor);
    const booked = bank.simulator.ledger.get(id)?.booked_at ?? "";
    expect(answer.transfer?.timestamps.length).toBe(2);
    for (const stamp of answer.transfer?.timestamps ?? []) expect(stamp).toMatch(/\+01:00$/);
    expect(Date.parse(answer.transfer?.timestamps[1] ?? "")).toBe(Date.parse(booked));
    await bank.control("DELETE", `/control/faults?debtor_iban=${debtor}`);
    await addRule(debtor, { kind: "offset_timestamps", offset: "+00:00" });
    for (const stamp of (await inquire(profile, id)).transfer?.timestamps ?? []) expect(stamp).toMatch(/\+00:00$/);
  });

  it("not_found_everything: a gateway's 404 for submissions and inquiries, nothing booked", async () => {
    const debtor = uniqueIban();
    const id = uniqueId();
    await addRule(debtor, { kind: "not_found_everything" });
    const answer = await submit(profile, id, debtor);
    expect([answer.status, answer.contentType]).toEqual([404, "text/html; charset=utf-8"]);
    expect(bank.simulator.ledger.get(id)).toBeUndefined();
    expect((await inquire(profile, id)).status).toBe(404);
  });

  it("contradiction: answered RJCT AC04, booked ACSC (inquiries and statements say ACSC)", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "contradiction" });
    const id = uniqueId();
    const answer = await submit(profile, id, debtor);
    expect(answer.status).toBe(created(profile));
    expect(answer.transfer).toMatchObject({ status: "RJCT", reason: "AC04" });
    expect(bank.simulator.ledger.get(id)?.status).toBe("ACSC");
    expect((await inquire(profile, id)).transfer?.status).toBe("ACSC");
    const statement = JSON.parse((await bank.call("GET", `/v1/statements?debtor_iban=${debtor}&date=${today()}`)).text) as {
      entries: unknown[];
    };
    expect(statement.entries).toEqual([expect.objectContaining({ end_to_end_id: id, status: "ACSC" })]);
  });

  it("stalled_body: headers, then a byte per interval until the client gives up; record books first", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "stalled_body", record: true, interval_ms: 50 });
    const id = uniqueId();
    const body = profile === "json" ? jsonTransfer(id, debtor) : pain001({ endToEndId: id, debtorIban: debtor });
    const path = profile === "json" ? "/v1/credit-transfers" : "/iso20022/payments";
    const contentType = profile === "json" ? "application/json" : "application/xml; charset=utf-8";
    const { status, received } = await readForAWhile(path, body, contentType, 400);
    expect(status).toBe(created(profile));
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received.trim()).toBe("");
    expect(bank.simulator.ledger.get(id)?.status).toBe("ACSC");
  });

  it("malformed_json and contract_violation: a cut-off body and a well-formed wrong one, both after booking", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "malformed_json" }, "submit");
    const cut = uniqueId();
    const broken = await submit(profile, cut, debtor);
    expect(broken.status).toBe(created(profile));
    expect(broken.transfer?.status).toBeUndefined();
    expect(bank.simulator.ledger.get(cut)).toBeDefined();
    await bank.control("DELETE", `/control/faults?debtor_iban=${debtor}`);
    await addRule(debtor, { kind: "contract_violation" }, "submit");
    const wrong = uniqueId();
    const violated = await submit(profile, wrong, debtor);
    expect(violated.transfer?.status).toBe(profile === "json" ? "SETTLED" : "DONE");
    expect(bank.simulator.ledger.get(wrong)).toBeDefined();
  });
});

describe("fault rules on reads and timestamp scenarios", () => {
  it("hits statements only when the rule names the operation", async () => {
    const debtor = uniqueIban();
    await addRule(debtor, { kind: "server_error", status: 503, record: false });
    const statementPath = `/iso20022/statements?account=${debtor}&date=${today()}`;
    expect((await bank.call("GET", statementPath)).status).toBe(200);
    await bank.control("DELETE", `/control/faults?debtor_iban=${debtor}`);
    await addRule(debtor, { kind: "server_error", status: 503, record: false }, "statement");
    expect((await bank.call("GET", statementPath)).status).toBe(503);
    expect((await bank.call("GET", `/v1/statements?debtor_iban=${debtor}&date=${today()}`)).status).toBe(503);
    expect((await bank.call("GET", `/v1/notifications?debtor_iban=${debtor}&since=2026-01-01T00:00:00Z`)).status).toBe(200);
    await bank.control("DELETE", `/control/faults?debtor_iban=${debtor}`);
    await addRule(debtor, { kind: "not_found_everything" }, "notification");
    expect((await bank.call("GET", `/iso20022/notifications?account=${debtor}&since=2026-01-01T00:00:00Z`)).status).toBe(404);
  });

  it("writes every timestamp about a debtor with its scenario's offset, JSON statements included", async () => {
    const debtor = uniqueIban();
    await bank.control("PUT", `/control/debtors/${debtor}`, { timestamp_offset: "-05:00" });
    const id = uniqueId();
    const answer = await submit("json", id, debtor);
    for (const stamp of answer.transfer?.timestamps ?? []) expect(stamp).toMatch(/-05:00$/);
    const statement = JSON.parse((await bank.call("GET", `/v1/statements?debtor_iban=${debtor}&date=${today()}`)).text) as {
      entries: { booked_at: string }[];
    };
    expect(statement.entries[0]?.booked_at).toMatch(/-05:00$/);
    expect(Date.parse(statement.entries[0]?.booked_at ?? "")).toBe(Date.parse(bank.simulator.ledger.get(id)?.booked_at ?? ""));
    expect((await bank.control("PUT", `/control/debtors/${debtor}`, { timestamp_offset: "+25:00" })).status).toBe(400);
  });
});

/** POSTs and reads for `ms`, then gives up like a client whose timeout fired. */
function readForAWhile(path: string, body: string, contentType: string, ms: number): Promise<{ status: number; received: string }> {
  const base = new URL(bank.simulator.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: base.port,
        servername: "localhost",
        method: "POST",
        path,
        ca: bank.pki.caCert,
        cert: bank.pki.clientCert,
        key: bank.pki.clientKey,
        agent: false,
        headers: { "content-type": contentType },
      },
      (res) => {
        let received = "";
        res.on("data", (chunk: Buffer) => {
          received += chunk.toString("utf8");
        });
        res.on("error", () => {});
        setTimeout(() => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, received });
        }, ms);
      },
    );
    req.on("error", (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end(body);
  });
}
