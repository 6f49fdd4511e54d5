// Fault-injection point for the chaos suite (docs/reliability.md), off unless its environment
// variable is set. It lets a test land a crash exactly where a random kill -9 rarely does.

/**
 * `PULSEHUB_FAULT_KILL_BEFORE_CHANGELOG=<n>`: in its n-th round that wrote to Redis, the
 * processor SIGKILLs itself after the Redis write and before the changelog send, so that Redis
 * holds profiles (and watermarks) whose snapshots never reached the changelog and whose offsets
 * were never committed. Unset, empty or not a positive integer: never.
 */
export const KILL_BEFORE_CHANGELOG_ENV = 'PULSEHUB_FAULT_KILL_BEFORE_CHANGELOG';

/** The line written to stderr just before the kill, so a harness can tell it from a crash. */
export const KILL_BEFORE_CHANGELOG_LINE =
  'fault injection: SIGKILL between Redis write and changelog';

// Deliberately not a setting (config/client): no config file, config service or live reload can
// turn it on; only the environment of the one process a harness starts.
// eslint-disable-next-line no-restricted-properties
const killOnRound = Number(process.env[KILL_BEFORE_CHANGELOG_ENV] ?? '');
let roundsWritten = 0;

/** Called once per round after its Redis write; kills the process on the configured round. */
export function afterRedisWrite(eventsApplied: number): void {
  if (!Number.isInteger(killOnRound) || killOnRound < 1 || eventsApplied === 0) return;
  roundsWritten += 1;
  if (roundsWritten !== killOnRound) return;
  process.stderr.write(`${KILL_BEFORE_CHANGELOG_LINE} (round ${roundsWritten})\n`);
  process.kill(process.pid, 'SIGKILL');
}
