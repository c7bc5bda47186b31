/**
 * Misbehaviour below the bank's wording: connections held open, reset,
 * bodies that never finish, a gateway's 404 page. The same for every profile.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { sendJson } from "../node-http.ts";
import { sendText } from "./answers.ts";
import { MAX_HANG_MS } from "./faults.ts";

/** What an HTTP gateway in front of the bank answers for a path it does not know. */
const GATEWAY_NOT_FOUND_PAGE = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n";

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
}

/** Holds the request open until the client gives up (or MAX_HANG_MS passes), then drops it. */
export async function hangUp({ req, res }: Exchange): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, MAX_HANG_MS);
    timer.unref();
    res.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  req.socket.destroy();
}

/** A TCP RST where the platform allows it (what a crashing load balancer sends), else an abrupt close. */
export function resetConnection(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Headers now, then one space per interval (valid leading whitespace in JSON and XML) until the client leaves or MAX_HANG_MS. */
export async function trickleForever({ req, res }: Exchange, status: number, contentType: string, intervalMs: number): Promise<void> {
  res.writeHead(status, { "content-type": contentType });
  res.flushHeaders();
  const deadline = Date.now() + MAX_HANG_MS;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (Date.now() >= deadline) {
        clearInterval(timer);
        resolve();
        return;
      }
      res.write(" ");
    }, intervalMs);
    timer.unref();
    res.once("close", () => {
      clearInterval(timer);
      resolve();
    });
  });
  req.socket.destroy();
}

export function sendServerError(res: ServerResponse, status: number): void {
  sendJson(res, status, { code: "INTERNAL", message: "Temporary failure, please retry." });
}

export function sendGatewayNotFound(res: ServerResponse): void {
  sendText(res, 404, "text/html; charset=utf-8", GATEWAY_NOT_FOUND_PAGE);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
