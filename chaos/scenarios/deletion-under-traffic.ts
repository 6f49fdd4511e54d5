// "Deletion under traffic": the body of test/support/deletion-under-traffic-scenario.ts against
// `npm start`'s processes, larger than the e2e test's, with the processor frozen (SIGSTOP) over
// the bursts and deletions. Its promise differs from the others' (erased events must be gone
// everywhere), so the scenario's own verdict, a list of violations, is one check; it keeps
// no per-event ledger of lost or doubled counts, so the table shows its acknowledged events and
// the violations' count in the check.
import {
  DELETION_SHORT,
  runDeletionUnderTraffic,
  type DeletionScenarioSize,
} from '../../test/support/deletion-under-traffic-scenario.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem } from '../setup.ts';

const SIZES: Record<ChaosSize, DeletionScenarioSize> = {
  full: {
    ...DELETION_SHORT,
    users: 60,
    deleted: 20,
    returning: 10,
    surge: 100_000,
    streamMs: 3_000,
    settleMs: 180_000,
  },
  short: DELETION_SHORT,
};

const DELETE = `mutation ($id: ID!) { deleteProfile(id: $id) { ok error { code message } } }`;

export const deletionUnderTrafficScenario: ChaosScenario = {
  name: 'deletion-under-traffic',
  summary:
    'profiles deleted right after a burst of their events, the processor frozen meanwhile, under load: nothing erased survives anywhere, returning users start afresh',
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const { namespace, system, idPrefix } = await startScenarioSystem(context, { partitions: 6 });
    context.log(
      `${size.users} users, ${size.deleted} deleted after bursts of ${size.burst}, surge of ${size.surge}`,
    );
    const began = Date.now();
    const outcome = await runDeletionUnderTraffic(
      {
        namespace,
        gatewayUrl: system.gatewayUrl(),
        ingestHeaders: context.auth.ingestHeaders,
        async deleteProfile(id) {
          const response = await fetch(`${system.gatewayUrl()}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...context.auth.gatewayHeaders },
            body: JSON.stringify({ query: DELETE, variables: { id } }),
          });
          const answer = (await response.json()) as { data?: { deleteProfile?: { ok?: boolean } } };
          if (answer.data?.deleteProfile?.ok !== true)
            throw new Error(`deleteProfile(${id}) answered ${JSON.stringify(answer)}`);
        },
        groups: {
          processor: `${namespace.id}-processor`,
          archiver: `${namespace.id}-archiver`,
          snapshots: `${namespace.id}-archiver-snapshots`,
        },
        idPrefix: `${idPrefix}-del`,
        freezeProcessor() {
          const { child } = system.service('processor');
          child.kill('SIGSTOP');
          return Promise.resolve(() => {
            child.kill('SIGCONT');
            return Promise.resolve();
          });
        },
      },
      size,
    );
    context.log(`${outcome.violations.length} violations, settled in ${outcome.settleMs} ms`);
    return {
      tally: {
        acknowledged: outcome.acknowledged,
        retriedThenAcked: 0, // every request must answer 200 for the ledger to be exact
        lost: 0,
        countedTwice: 0,
        profilesWrong: 0,
        archivedMissing: 0,
        archivedTwice: 0,
        archivedUnacknowledged: 0,
      },
      // From the traffic's end until every consumer group committed its topic's end.
      recoverMs: outcome.violations.length === 0 ? outcome.settleMs : null,
      checks: [
        {
          name: 'nothing of an erased event anywhere; everything else exact (counters, archive, segments)',
          ok: outcome.violations.length === 0,
          detail: outcome.violations.slice(0, 5).join('; ') || 'no violations',
        },
        {
          name: 'some acknowledged events were erased',
          ok: outcome.erased > 0,
          detail: `${outcome.erased} erased`,
        },
      ],
      figures: {
        outcome,
        size,
        seconds: (Date.now() - began) / 1_000,
        unexpectedExits: system.unexpectedExits,
      },
    };
  },
};
