/** Installs and removes bank simulator faults through its control plane (tools/bank-simulator/faults.ts). */
import { env } from "cloudflare:workers";
import type { FaultRuleInput } from "../../tools/bank-simulator/faults.ts";

type FaultRuleRequest = Omit<FaultRuleInput, "action"> & { action: Record<string, unknown> & { kind: FaultRuleInput["action"]["kind"] } };

export async function addFault(rule: FaultRuleRequest): Promise<string> {
  const response = await env.BANK_CONTROL.fetch("http://bank-control/control/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  if (response.status !== 201) throw new Error(`fault rule refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export async function setDrillDoor(open: boolean): Promise<void> {
  const response = await env.BANK_CONTROL.fetch("http://bank-control/control/doors/drill", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ open }),
  });
  if (response.status !== 200) throw new Error(`door change refused: ${response.status}`);
}

/** Removes every rule of one debtor (the chaos test's "faults cleared"). */
export async function clearFaults(debtorIban: string): Promise<void> {
  const response = await env.BANK_CONTROL.fetch(`http://bank-control/control/faults?debtor_iban=${encodeURIComponent(debtorIban)}`, {
    method: "DELETE",
  });
  if (response.status !== 200) throw new Error(`fault rules not removed: ${response.status}`);
}
