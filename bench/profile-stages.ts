/**
 * The profile split into the stages of a payment (docs/benchmarks.md, "Where
 * each millisecond goes"). Each sample goes to the innermost stage on its
 * stack, so nested work is counted once, where it happens: a log line
 * written during the bank call counts as logging, the outbox rows written in
 * the admission transaction as outbox. Samples under no stage (HTTP parsing
 * and the object RPC in the runtime, GC, "(program)") form their own row.
 */
import { callTree } from "./call-tree.ts";
import type { CpuProfile, CpuProfileNode } from "./profile.ts";

export interface StageTime {
  stage: string;
  ms: number;
  /** Of the sampled time not idle. */
  share: number;
}

type FrameLocation = { file: string; line: number | undefined };
type Matcher = (functionName: string, location: FrameLocation) => boolean;

const inFile =
  (file: string, ...names: string[]): Matcher =>
  (name, location) =>
    location.file === file && (names.length === 0 || names.includes(name));

/** In payment order; the first match on a frame names its stage. */
const STAGES: Array<{ stage: string; matches: Matcher[] }> = [
  {
    stage: "HTTP + auth (routing, request id, API key hash and check)",
    matches: [
      inFile("src/worker/http/request-context.ts"),
      inFile("src/worker/http/merchant-auth.ts"),
      inFile("src/worker/http/api-keys.ts"),
      inFile("src/merchant-object/authorization.ts"),
      (_name, location) => location.file.startsWith("node_modules/hono/"),
    ],
  },
  {
    // Before validation: the call's closure is defined in the route's file.
    stage: "object RPC (arguments, stub)",
    matches: [
      inFile("src/worker/http/merchant-stub.ts"),
      (name, location) => location.file === "src/worker/routes/payments.ts" && /safeToRetry|stub/.test(name),
    ],
  },
  {
    stage: "validation (body, JSON scan, Zod, fingerprint)",
    matches: [
      inFile("src/worker/routes/payments.ts"),
      inFile("src/worker/http/json-body.ts"),
      inFile("src/worker/http/validate.ts"),
      inFile("src/worker/http/idempotency-key.ts"),
    ],
  },
  { stage: "admission transaction", matches: [inFile("src/payments/admission.ts"), inFile("src/payments/limits.ts")] },
  // lifecycle.ts (writeTransition) is no stage of its own: its UPDATE counts where it is called, dispatch or outcome.
  { stage: "dispatch (sending marker)", matches: [inFile("src/payments/dispatch.ts")] },
  {
    stage: "bank call (mTLS fetch, answer parsed)",
    matches: [
      inFile("src/bank/bank-call.ts"),
      inFile("src/bank/json-adapter.ts"),
      inFile("src/bank/iso20022-adapter.ts"),
      inFile("src/bank/outcome.ts"),
      (_name, location) => location.file.startsWith("src/bank/iso20022/"),
    ],
  },
  { stage: "outcome transaction", matches: [inFile("src/payments/outcomes.ts"), inFile("src/payments/idempotency-expiry.ts")] },
  { stage: "event log (hash chain)", matches: [inFile("src/payments/event-log.ts")] },
  { stage: "webhook outbox", matches: [inFile("src/webhooks/outbox.ts"), inFile("src/webhooks/endpoints.ts")] },
  { stage: "reading payment rows (findPayment)", matches: [inFile("src/payments/payment-row.ts")] },
  { stage: "reply (payment JSON, Response)", matches: [inFile("src/payments/payments.ts"), inFile("src/worker/http/reply.ts")] },
  { stage: "logging (two lines per payment)", matches: [inFile("src/platform/log.ts")] },
];
const UNSTAGED = "runtime outside these (HTTP, RPC, TLS, GC, other)";
const IDLE = "(idle)";

/** `locate` maps a frame to its source file (profile.ts's source-map locator); built-ins have none and go to their caller's stage. */
export function stageBreakdown(profile: CpuProfile, locate: (frame: CpuProfileNode["callFrame"]) => FrameLocation): StageTime[] {
  const { nodes, parentOf, sampleUs } = callTree(profile);
  const stageOfNode = new Map<number, string | null>();
  const ownStage = (node: CpuProfileNode): string | null => {
    const location = locate(node.callFrame);
    const name = node.callFrame.functionName;
    return STAGES.find((s) => s.matches.some((match) => match(name, location)))?.stage ?? null;
  };
  const stageOf = (nodeId: number): string | null => {
    const known = stageOfNode.get(nodeId);
    if (known !== undefined) return known;
    let found: string | null = null;
    for (let id: number | undefined = nodeId; id !== undefined && found === null; id = parentOf.get(id)) {
      const node = nodes.get(id);
      if (node) found = ownStage(node);
    }
    stageOfNode.set(nodeId, found);
    return found;
  };

  const totals = new Map<string, number>();
  let busyUs = 0;
  (profile.samples ?? []).forEach((nodeId, i) => {
    if (nodes.get(nodeId)?.callFrame.functionName === IDLE) return;
    const us = sampleUs[i] ?? 0;
    busyUs += us;
    const stage = stageOf(nodeId) ?? UNSTAGED;
    totals.set(stage, (totals.get(stage) ?? 0) + us);
  });
  return [...STAGES.map((s) => s.stage), UNSTAGED].map((stage) => ({
    stage,
    ms: (totals.get(stage) ?? 0) / 1000,
    share: busyUs > 0 ? (totals.get(stage) ?? 0) / busyUs : 0,
  }));
}
