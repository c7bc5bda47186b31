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
