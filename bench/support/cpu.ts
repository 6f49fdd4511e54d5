import { readFileSync } from 'node:fs';

/**
 * Clock ticks per second of /proc's CPU counters (USER_HZ): 100 on the Linux builds this runs
 * on; Node.js cannot ask sysconf for it.
 */
const TICKS_PER_SECOND = 100;

/** CPU time used so far, seconds: by each watched process and by the whole machine. */
export interface CpuReading {
  atMs: number;
  processes: Record<string, number>;
  /** Time the cores spent working (user, nice, system, interrupts). */
  machineBusy: number;
  /** Time the hypervisor gave the cores to other machines. */
  machineStolen: number;
}

/** CPU used between two readings, in cores (1 = one core fully busy). */
export interface CpuUse {
  processes: Record<string, number>;
  machineBusy: number;
  machineStolen: number;
}

/** utime + stime of a process; 0 once it is gone. */
function processSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name may hold spaces: the fields that follow start after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Machine-wide counters from the first line of /proc/stat. */
function machineSeconds(): { busy: number; stolen: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
    stolen: steal / TICKS_PER_SECOND,
  };
}

/** Reads the counters now; synchronous, so it can run inside a load generator's tick. */
export function readCpu(pids: Record<string, number>): CpuReading {
  const machine = machineSeconds();
  return {
    atMs: performance.now(),
    processes: Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, processSeconds(pid)]),
    ),
    machineBusy: machine.busy,
    machineStolen: machine.stolen,
  };
}

export function cpuUsed(before: CpuReading, after: CpuReading): CpuUse {
  const seconds = (after.atMs - before.atMs) / 1_000;
  const cores = (from: number, to: number) => (seconds > 0 ? (to - from) / seconds : 0);
  return {
    processes: Object.fromEntries(
      Object.entries(after.processes).map(([name, used]) => [
        name,
        cores(before.processes[name] ?? used, used),
      ]),
    ),
    machineBusy: cores(before.machineBusy, after.machineBusy),
    machineStolen: cores(before.machineStolen, after.machineStolen),
  };
}

/** One line for progress output: the machine, then each process, busiest first. */
export function describeCpu(use: CpuUse): string {
  const processes = Object.entries(use.processes)
    .sort(([, a], [, b]) => b - a)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
  return `CPU cores: machine ${use.machineBusy.toFixed(2)} busy + ${use.machineStolen.toFixed(2)} stolen (${processes})`;
}

/**
 * Cores per 1,000 events/s from CPU time and the events it handled: cores ÷ (events/s ÷ 1,000)
 * is the same as CPU seconds per 1,000 events, whatever the rate was.
 */
export function coresPerThousandEvents(cpuSeconds: number, events: number): number {
  return events > 0 ? (cpuSeconds * 1_000) / events : Number.POSITIVE_INFINITY;
}
