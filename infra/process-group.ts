// Several processes that make up one piece of infrastructure (the nodes of a cluster), handed
// to ensureInfrastructure as one: it stops them together, in the same place of its stop order.
import type { ManagedProcess } from './process.ts';

export function processGroup(name: string, members: readonly ManagedProcess[]): ManagedProcess {
  const [first] = members;
  if (first === undefined) throw new Error(`${name}: a process group needs at least one process`);
  return {
    name,
    pid: first.pid,
    logFile: first.logFile,
    // The first member to exit: a cluster with a node gone is no longer the one we started.
    exited: Promise.race(members.map((member) => member.exited)),
    isRunning: () => members.every((member) => member.isRunning()),
    stop: async () => {
      await Promise.all(members.map((member) => member.stop()));
    },
  };
}
