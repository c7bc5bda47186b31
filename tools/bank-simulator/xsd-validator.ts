/**
 * Validates XML documents against one XSD with libxml2 (xmllint-wasm),
 * keeping the parsed schema loaded between documents.
 *
 * xmllint-wasm's own validateXML() starts a worker thread, compiles the
 * WebAssembly and parses the schema for every call: ~130-200 ms per
 * document with the EPC pain.001 schema on this machine, most of it
 * start-up. Here one worker stays up and feeds documents to a single
 * long xmllint run (see xsd-validator-worker.ts): well under a millisecond
 * per document once the schema is parsed.
 */
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";

/** Largest document accepted (the bank reads at most 64 KiB bodies). */
const MAX_DOCUMENT_BYTES = 64 * 1024;
/** A document xmllint has not judged by then fails validation and the worker is replaced. */
const VALIDATION_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 30_000;
/** WebAssembly pages of 64 KiB: 16 MiB to start, 64 MiB at most. */
const INITIAL_MEMORY_PAGES = 256;
const MAX_MEMORY_PAGES = 1024;
/** Error lines kept per document. */
const MAX_ERRORS = 5;

export interface XsdVerdict {
  valid: boolean;
  /** libxml2's messages, without the file name and with quoted values elided (they may hold account numbers). */
  errors: string[];
  /** Wall time from the call to the verdict: queueing, hand-offs between threads and libxml2's work. */
  ms: number;
  /** libxml2's part: from the worker taking the document to its verdict (0 when no worker was asked). */
  workerMs: number;
}

/** What the bank needs of a validator; tests substitute slow or failing ones. */
export interface DocumentValidator {
  validate(xml: string): Promise<XsdVerdict>;
  close(): Promise<void>;
}

interface Pending {
  bytes: Uint8Array;
  startedAt: number;
  resolve(verdict: XsdVerdict): void;
  reject(error: Error): void;
}

type WorkerMessage =
  | { kind: "ready" }
  | { kind: "verdict"; output: string; workerMs: number }
  | { kind: "schema_error"; output: string }
  | { kind: "failed"; code: number; reason?: string };

export class XsdValidator implements DocumentValidator {
  private readonly schema: string;
  private readonly shared = new SharedArrayBuffer(8 + MAX_DOCUMENT_BYTES);
  private readonly control = new Int32Array(this.shared, 0, 2);
  private readonly buffer = new Uint8Array(this.shared, 8);
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  // No parameter properties: Node runs this file with type stripping only (npm start).
  private constructor(schema: string) {
    this.schema = schema;
  }

  /** Loads the schema (a file path) and resolves once it is parsed and the first document can be taken. */
  static async start(schemaPath: string): Promise<XsdValidator> {
    const validator = new XsdValidator(readFileSync(schemaPath, "utf8"));
    await validator.spawn();
    return validator;
  }

  validate(xml: string): Promise<XsdVerdict> {
    const startedAt = performance.now();
    const bytes = new TextEncoder().encode(xml);
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      return Promise.resolve({ valid: false, errors: ["document too large"], ms: performance.now() - startedAt, workerMs: 0 });
    }
    if (this.closed) return Promise.reject(new Error("validator closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, startedAt, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error("validator closed"));
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private spawn(): Promise<void> {
    Atomics.store(this.control, 0, 0);
    const worker = new Worker(new URL("./xsd-validator-worker.ts", import.meta.url), {
      workerData: { schema: this.schema, shared: this.shared, initialMemoryPages: INITIAL_MEMORY_PAGES, maxMemoryPages: MAX_MEMORY_PAGES },
    });
    worker.unref();
    this.worker = worker;
    let schemaErrors = "";
    let started = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        reject(new Error("xmllint did not start"));
        void worker.terminate();
      }, START_TIMEOUT_MS);
      startTimer.unref();
      // Before "ready" a failure means the schema or xmllint itself is broken: no point in starting again.
      const failStart = (error: Error) => {
        clearTimeout(startTimer);
        reject(error);
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      };
      worker.on("message", (message: WorkerMessage) => {
        switch (message.kind) {
          case "ready":
            started = true;
            clearTimeout(startTimer);
            resolve();
            this.pump();
            return;
          case "verdict":
            this.settle(message.output, message.workerMs);
            return;
          case "schema_error":
            schemaErrors += `${message.output}\n`;
            return;
          case "failed": {
            const error = new Error(`xmllint failed (${message.code}): ${message.reason ?? schemaErrors.trim()}`);
            if (started) this.replace(worker, error);
            else failStart(error);
            return;
          }
          default:
            message satisfies never;
        }
      });
      worker.on("error", (error) => {
        if (started) this.replace(worker, error);
        else failStart(error);
      });
    });
    return this.ready;
  }

  /** Hands the next queued document to the worker if none is being validated. */
  private pump(): void {
    if (this.inFlight || !this.worker) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.buffer.set(next.bytes);
    Atomics.store(this.control, 1, next.bytes.length);
    Atomics.store(this.control, 0, 1);
    Atomics.notify(this.control, 0);
    this.timer = setTimeout(() => this.replace(this.worker, new Error("validation timed out")), VALIDATION_TIMEOUT_MS);
    this.timer.unref();
  }

  private settle(output: string, workerMs: number): void {
    const pending = this.inFlight;
    this.inFlight = undefined;
    clearTimeout(this.timer);
    if (pending) pending.resolve({ ...verdictOf(output), ms: performance.now() - pending.startedAt, workerMs });
    this.pump();
  }

  /** A crashed or stuck worker: fail what it held and start a fresh one for the rest of the queue. */
  private replace(worker: Worker | undefined, error: Error): void {
    if (!worker || worker !== this.worker) return;
    this.worker = undefined;
    clearTimeout(this.timer);
    const pending = this.inFlight;
    this.inFlight = undefined;
    pending?.reject(error);
    void worker.terminate();
    if (this.closed) return;
    this.spawn().catch((spawnError: unknown) => this.failAll(spawnError instanceof Error ? spawnError : new Error(String(spawnError))));
  }

  private failAll(error: Error): void {
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const item of pending) item.reject(error);
  }
}

/** xmllint prints "<file> validates" for a valid document; anything else is a failure (schema or well-formedness). */
function verdictOf(output: string): { valid: boolean; errors: string[] } {
  const lines = output.split("\n").filter((line) => line.trim() !== "");
  const valid = lines.some((line) => /^\/doc\.xml validates$/.test(line));
  if (valid) return { valid, errors: [] };
  const errors = lines
    // Keep libxml2's located messages; drop the echoed source lines and caret markers of parser errors.
    .filter((line) => /^\/doc\.xml:\d+:/.test(line))
    .map((line) => line.replace(/^\/doc\.xml:/, "line ").replace(/'[^']*'/g, (quoted) => (quoted.includes("}") ? quoted : "'…'")))
    .slice(0, MAX_ERRORS);
  return { valid: false, errors: errors.length > 0 ? errors : ["not a valid document"] };
}
