/**
 * Worker thread of XsdValidator (xsd-validator.ts): runs libxml2's xmllint
 * (xmllint-wasm) once over thousands of documents, so the schema is parsed
 * once per run instead of once per document.
 *
 * xmllint is a command-line program: its main() parses `--schema`, then
 * validates the files named on its command line, one after the other. Every
 * one of those names is the same device file, /doc.xml, whose read callback
 * blocks (Atomics.wait on shared memory) until the main thread hands over
 * the next document. What xmllint prints to stderr while validating a
 * document is that document's verdict; it is posted back when xmllint starts
 * reading the next one (or exits), which it does right after the verdict.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

/**
 * Documents per xmllint run; then the run exits and a new one parses the
 * schema again. Bounded by the WebAssembly stack, where main()'s argv lives
 * (10,000 names overflow it).
 */
const DOCUMENTS_PER_RUN = 1_000;
const DEVICE_NAME = "doc.xml";
/** The emscripten file system calls a device's output(10) on close when output.buffer is non-empty. */
const NEWLINE = 10;

interface WorkerInput {
  schema: string;
  shared: SharedArrayBuffer;
  initialMemoryPages: number;
  maxMemoryPages: number;
}

/** The options of xmllint-wasm's emscripten module factory that this worker uses. */
interface XmllintModuleOptions {
  inputFiles: { fileName: string; contents: string }[];
  arguments: string[];
  print(text: string): void;
  printErr(text: string): void;
  onRuntimeInitialized(this: { FS_createDevice: CreateDevice }): void;
  onExit(code: number): void;
  onAbort(reason: unknown): void;
  instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  wasmMemory: WebAssembly.Memory;
}
type CreateDevice = (
  parent: string,
  name: string,
  input: () => number | null,
  output: ((byte: number) => void) & { buffer: number[] },
) => void;
type XmllintModule = (options: XmllintModuleOptions) => Promise<unknown>;

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error("xsd-validator-worker.ts runs as a worker thread");

const require = createRequire(import.meta.url);
const xmllint = require("xmllint-wasm/xmllint-node.js") as XmllintModule;
// The project's WebAssembly types are the Workers runtime's, which has no compile(); Node has.
const nodeWebAssembly = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
const compiled = await nodeWebAssembly.compile(readFileSync(require.resolve("xmllint-wasm/xmllint.wasm")));
// [0]: 1 while a document waits in the buffer, [1]: its length in bytes; the document follows.
const control = new Int32Array(input.shared, 0, 2);
const buffer = new Uint8Array(input.shared, 8);

let document: Uint8Array | undefined;
let position = 0;
/** Between documents, reading one, or past its end (xmllint may read again after EOF). */
let phase: "between" | "reading" | "ended" = "between";
let verdict = "";
let documentOpen = false;
/** When the document being judged was taken from the buffer (performance.now()). */
let takenAt = 0;
let announcedReady = false;
/** xmllint goes on without validating when the schema does not compile; this worker must not. */
let schemaFailed = false;

function postVerdict(): void {
  if (documentOpen) port?.postMessage({ kind: "verdict", output: verdict, workerMs: performance.now() - takenAt });
  documentOpen = false;
  verdict = "";
}

function readByte(): number | null {
  if (schemaFailed || phase === "ended") return null;
  if (phase === "between") {
    // xmllint opened the next document: the previous one is done.
    postVerdict();
    if (!announcedReady) port?.postMessage({ kind: "ready" });
    announcedReady = true;
    while (Atomics.load(control, 0) !== 1) Atomics.wait(control, 0, 0);
    const length = Atomics.load(control, 1);
    takenAt = performance.now();
    document = buffer.slice(0, length);
    Atomics.store(control, 0, 0);
    position = 0;
    phase = "reading";
    documentOpen = true;
  }
  if (document && position < document.length) return document[position++] ?? null;
  phase = "ended";
  return null;
}

const closed = Object.assign(
  (byte: number) => {
    if (byte === NEWLINE) phase = "between";
  },
  { buffer: [NEWLINE] },
);

function run(): void {
  const options: XmllintModuleOptions = {
    inputFiles: [{ fileName: "schema.xsd", contents: input.schema }],
    arguments: ["--schema", "schema.xsd", "--noout", ...new Array<string>(DOCUMENTS_PER_RUN).fill(`/${DEVICE_NAME}`)],
    print() {},
    printErr(text) {
      if (documentOpen) verdict += `${text}\n`;
      else if (!announcedReady && !schemaFailed) {
        port?.postMessage({ kind: "schema_error", output: text });
        if (/failed to compile/.test(text)) schemaFailed = true;
      }
    },
    onRuntimeInitialized() {
      this.FS_createDevice("/", DEVICE_NAME, readByte, closed);
    },
    onExit(code) {
      postVerdict();
      phase = "between";
      if (!announcedReady || schemaFailed) {
        port?.postMessage({ kind: "failed", code });
        return;
      }
      run();
    },
    onAbort(reason) {
      port?.postMessage({ kind: "failed", code: -1, reason: String(reason) });
    },
    instantiateWasm(imports, done) {
      void WebAssembly.instantiate(compiled, imports).then((instance) => done(instance, compiled));
      return {};
    },
    wasmMemory: new WebAssembly.Memory({ initial: input.initialMemoryPages, maximum: input.maxMemoryPages }),
  };
  void xmllint(options);
}

run();
