/** The local stack (what `npm start` runs) on free ports, in a temporary directory removed by close(). */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki } from "../../../tools/dev-pki.ts";
import { type LocalStack, startLocalStack } from "../../../tools/local-stack.ts";

export const THROWAWAY_ADMIN_TOKEN = "throwaway-stack-admin-token-0123456789abcdef";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayStack(name: string): Promise<LocalStack> {
  const workDir = mkdtempSync(join(tmpdir(), `connector-${name}-`));
  const pki = ensureDevPki(join(workDir, "pki"));
  const [port, bankPort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const stack = await startLocalStack({
    port,
    stateDir: join(workDir, "state"),
    adminToken: THROWAWAY_ADMIN_TOKEN,
    simulator: { port: bankPort, controlPort, latencyMs: 0 },
    pkiDir: pki.dir,
    bankJournalPath: join(workDir, "bank-ledger.jsonl"),
    logRequests: false,
  });
  return {
    ...stack,
    async close() {
      await stack.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
