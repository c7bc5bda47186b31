import { describe, expect, it } from "vitest";
import { BankCircuit } from "../src/bank/bank-circuit.ts";
import { recoveryDelayMs } from "../src/payments/recovery-schedule.ts";

describe("bank circuit (store and forward)", () => {
  it("opens on a transport failure or gateway error, lets a probe through after the cool-down, closes on any other answer", () => {
    const circuit = new BankCircuit(1_000);
    expect(circuit.state(0)).toBe("closed");
    circuit.observe(null, 10_000);
    expect(circuit.state(10_500)).toBe("open");
    expect(circuit.probeAt()).toBe(11_000);
    expect(circuit.state(11_000)).toBe("suspect");
    circuit.observe(404, 11_001);
    expect(circuit.state(11_002)).toBe("closed");
    circuit.observe(503, 12_000);
    expect(circuit.state(12_001)).toBe("open");
    circuit.observe(500, 12_002); // the bank itself answered
    expect(circuit.state(12_003)).toBe("closed");
  });
});

describe("bank circuit (what a call means for the bank's health)", () => {
  it("reports healed once, for the first answer below 500 after failures; a 500 closes the circuit but heals nothing", () => {
    const circuit = new BankCircuit(1_000);
    expect(circuit.observe(200, 0)).toBe("unchanged");
    expect(circuit.observe(null, 10)).toBe("failed");
    expect(circuit.observe(504, 20)).toBe("failed");
    expect(circuit.observe(500, 30)).toBe("unchanged");
    expect(circuit.state(31)).toBe("closed");
    expect(circuit.observe(404, 40)).toBe("healed");
    expect(circuit.observe(201, 50)).toBe("unchanged");
  });

  it("lets one probe through per cool-down, and asks for the next only once it answered", () => {
    const circuit = new BankCircuit(1_000);
    expect(circuit.nextProbeAt()).toBeNull();
    circuit.observe(null, 0);
    expect(circuit.nextProbeAt()).toBe(1_000);
    expect(circuit.claimProbe(999)).toBe(false);
    expect(circuit.claimProbe(1_000)).toBe(true);
    expect(circuit.claimProbe(1_001)).toBe(false);
    expect(circuit.nextProbeAt()).toBeNull();
    circuit.observe(null, 1_500);
    expect(circuit.nextProbeAt()).toBe(2_500);
  });
});

describe("bank circuit (news from other merchant objects)", () => {
  it('"down" opens a closed circuit as of the given failure time; answers to calls sent before the news prove nothing', () => {
    const circuit = new BankCircuit(1_000);
    expect(circuit.hearFailing(9_600, 10_000)).toBe(true);
    // Failing, but not by its own calls: the registry counts it as told, not towards the quorum.
    expect(circuit.failingByOwnCalls).toBe(false);
    expect(circuit.hearFailing(9_700, 10_001)).toBe(false);
    expect(circuit.state(10_100)).toBe("open");
    expect(circuit.probeAt()).toBe(10_600);
    // A call in flight when the news came: its answer may predate the outage.
    expect(circuit.observe(201, 10_050, 9_990)).toBe("unchanged");
    expect(circuit.state(10_100)).toBe("open");
    expect(circuit.isFailing).toBe(true);
    // A call sent after the news (the probe): the object's own evidence.
    expect(circuit.claimProbe(10_600)).toBe(true);
    expect(circuit.observe(404, 10_620, 10_600)).toBe("healed");
    expect(circuit.state(10_621)).toBe("closed");
  });

  it('"back" makes the probe due now, only while the circuit is open or suspect with no probe out', () => {
    const circuit = new BankCircuit(1_000);
    expect(circuit.probeNow(0)).toBe(false);
    circuit.observe(null, 10_000);
    expect(circuit.probeNow(10_200)).toBe(true);
    expect(circuit.state(10_200)).toBe("suspect");
    expect(circuit.claimProbe(10_200)).toBe(true);
    expect(circuit.probeNow(10_300)).toBe(false);
    circuit.observe(null, 10_400);
    // A 500 leaves the bank counted as failing but the circuit closed: nothing to bring forward.
    circuit.observe(500, 10_500);
    expect(circuit.isFailing).toBe(true);
    expect(circuit.probeNow(10_600)).toBe(false);
    expect(circuit.state(10_600)).toBe("closed");
  });
});

describe("bank circuit (a new instance)", () => {
  it("restored as failing since the stored time: the probe is due a cool-down after it, at once if that has passed", () => {
    const circuit = new BankCircuit(1_000);
    circuit.restoreFailing(5_000);
    expect(circuit.isFailing).toBe(true);
    expect(circuit.failingByOwnCalls).toBe(true);
    expect(circuit.state(5_500)).toBe("open");
    expect(circuit.state(60_000)).toBe("suspect");
    expect(circuit.observe(200, 60_010)).toBe("healed");
  });
});

describe("recovery backoff", () => {
  it("grows exponentially with equal jitter up to the configured ceiling", () => {
    const settings = { baseMs: 100, maxMs: 1_000 };
    expect(recoveryDelayMs(1, () => 0, settings)).toBe(50);
    expect(recoveryDelayMs(1, () => 1, settings)).toBe(100);
    expect(recoveryDelayMs(3, () => 1, settings)).toBe(400);
    expect(recoveryDelayMs(30, () => 0, settings)).toBe(500);
    expect(recoveryDelayMs(30, () => 1, settings)).toBe(1_000);
  });
});
