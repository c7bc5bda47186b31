/**
 * Runs in Node before the workerd test pool starts: makes a throw-away dev
 * PKI and starts the bank simulator with real mTLS. vitest.config.ts reads
 * what is provided here to wire BANK (with the client certificate),
 * BANK_WITHOUT_CERT and BANK_CONTROL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startBankSimulator } from "../tools/bank-simulator/simulator.ts";
import { ensureDevPki } from "../tools/dev-pki.ts";
import { startWebhookReceiver } from "../tools/webhook-receiver/receiver.ts";

export interface TestBank {
  port: number;
  controlPort: number;
  /** The simulator's second door, which fault tests close to refuse connections. */
  drillPort: number;
  /** A port nothing listens on: connecting to it is refused. */
  unreachablePort: number;
  url: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

declare module "vitest" {
  interface ProvidedContext {
    bank: TestBank;
    /** Port of the local webhook receiver (tools/webhook-receiver/), wired as WEBHOOK_FETCH. */
    webhookReceiverPort: number;
  }
}

/** A port that was free a moment ago and that nothing in this run listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "connector-test-pki-"));
  const pki = ensureDevPki(dir);
  const simulator = await startBankSimulator({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert } });
  const receiver = await startWebhookReceiver();
  project.provide("webhookReceiverPort", receiver.port);
  project.provide("bank", {
    port: Number(new URL(simulator.url).port),
    controlPort: Number(new URL(simulator.controlUrl).port),
    drillPort: Number(new URL(simulator.drillUrl).port),
    unreachablePort: await freePort(),
    url: simulator.url,
    caCert: pki.caCert,
    clientCert: pki.clientCert,
    clientKey: pki.clientKey,
  });
  return async () => {
    await simulator.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
