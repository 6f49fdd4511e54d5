import { describe, expect, it } from 'vitest';
import { cpuUsed, readCpu, coresPerThousandEvents } from './cpu.ts';

describe('CPU readings from /proc', () => {
  it("counts this process's own work and the machine's, in cores", () => {
    const before = readCpu({ self: process.pid, gone: 2 ** 22 + 1 });
    const until = performance.now() + 300;
    let spin = 0;
    while (performance.now() < until) spin += Math.sqrt(spin + 1);
    const used = cpuUsed(before, readCpu({ self: process.pid, gone: 2 ** 22 + 1 }));
    expect(spin).toBeGreaterThan(0);
    // A busy loop keeps about one core busy; 10 ms ticks and a busy host blur the figure.
    expect(used.processes['self']).toBeGreaterThan(0.2);
    expect(used.processes['self']).toBeLessThan(1.3);
    expect(used.processes['gone']).toBe(0);
    expect(used.machineBusy).toBeGreaterThanOrEqual((used.processes['self'] ?? 0) - 0.2);
    expect(used.machineStolen).toBeGreaterThanOrEqual(0);
  });
});

describe('coresPerThousandEvents', () => {
  it('is CPU seconds per 1,000 events: 0.3 cores at 500 events/s is 0.6', () => {
    // 10 s at 0.3 cores = 3 CPU seconds for 5,000 events.
    expect(coresPerThousandEvents(3, 5_000)).toBeCloseTo(0.6);
  });
});
