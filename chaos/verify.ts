// Verification after a fault: every profile's counters in Redis and every archived row in
// PostgreSQL against the events ingest acknowledged (the ledger).
import { archiveProbe, type ArchiveProbe } from '../test/support/archive.ts';
import type { Namespace } from '../test/support/namespace.ts';
import { sandboxProfiles } from '../test/support/profiles.ts';
import type { AckLedger } from './ledger.ts';
import type { ChaosContext } from './scenario.ts';
import { sleep } from '../test/support/processor.ts';
import { tallyArchive, tallyCounters, type Tally } from './tally.ts';

export interface Verifier {
  tally(): Promise<Tally>;
  close(): Promise<void>;
}

export function createVerifier(
  namespace: Namespace,
  ledger: AckLedger,
  idPrefix: string,
): Verifier {
  const profiles = sandboxProfiles(namespace);
  const archive: ArchiveProbe = archiveProbe(namespace);
  return {
    async tally() {
      const expected = ledger.expectedCounters();
      const ids = [...expected.keys()];
      const stored = await profiles.store.readMany(ids);
      const rows = await archive.query<{ message_id: string; n: number }>(
        `select message_id, count(*)::int as n from events
         where left(message_id, length($1)) = $1 group by message_id`,
        [`${idPrefix}-`],
      );
      return {
        acknowledged: ledger.acknowledged.size,
        retriedThenAcked: ledger.retriedThenAcked,
        ...tallyCounters(
          expected,
          ids,
          stored.map((entry) => entry?.profile),
        ),
        ...tallyArchive(ledger.acknowledged, new Map(rows.map((row) => [row.message_id, row.n]))),
      };
    },
    async close() {
      profiles.close();
      await archive.close();
    },
  };
}

/**
 * Polls until every event acknowledged so far is counted and archived (`lost` and
 * `archivedMissing` 0; while traffic goes on, events acknowledged after the ledger was read
 * may show as an excess, so `countedTwice` is not looked at here). Resolves the tally then, or
 * the last one with `caughtUp` false once `timeoutMs` passed.
 */
async function awaitCaughtUp(
  verifier: Verifier,
  timeoutMs: number,
): Promise<{ tally: Tally; caughtUp: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tally = await verifier.tally();
    if (tally.lost === 0 && tally.archivedMissing === 0) return { tally, caughtUp: true };
    if (Date.now() > deadline) return { tally, caughtUp: false };
    await sleep(POLL_MS);
  }
}

const POLL_MS = 500;
/** After the final catch-up, a late redelivery that double counts has this long to show. */
const SETTLE_MS = 3_000;
/** Longest wait for recovery after the fault, by size. */
const RECOVERY_TIMEOUT_MS = { full: 300_000, short: 60_000 } as const;

/**
 * Time to recover: from `faultEndedAt` until every event acknowledged so far is counted and
 * archived, measured while the traffic may still go on (so it is the catch-up after the fault,
 * not the rest of the load). Then, once `trafficDone`, the final tally, taken `SETTLE_MS`
 * after everything was caught up.
 */
export async function verifyRecovery(
  context: ChaosContext,
  run: { namespace: Namespace; ledger: AckLedger; idPrefix: string },
  faultEndedAt: number,
  trafficDone: Promise<unknown>,
): Promise<{ tally: Tally; recoverMs: number | null }> {
  const verifier = createVerifier(run.namespace, run.ledger, run.idPrefix);
  try {
    const timeoutMs = RECOVERY_TIMEOUT_MS[context.size];
    const recovery = await awaitCaughtUp(verifier, timeoutMs);
    const recoverMs = recovery.caughtUp ? Math.max(0, Date.now() - faultEndedAt) : null;
    context.log(
      recoverMs === null
        ? `not recovered within ${timeoutMs} ms: ${JSON.stringify(recovery.tally)}`
        : `recovered ${recoverMs} ms after the fault`,
    );
    await trafficDone;
    // A system that did not recover in time gets no second wait: its tally is the finding.
    const final = await awaitCaughtUp(verifier, recoverMs === null ? 0 : timeoutMs);
    if (!final.caughtUp) {
      context.log(`never caught up: ${JSON.stringify(final.tally)}`);
      return { tally: final.tally, recoverMs };
    }
    await sleep(SETTLE_MS);
    return { tally: await verifier.tally(), recoverMs };
  } finally {
    await verifier.close();
  }
}
