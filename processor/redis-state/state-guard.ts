import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';
import type { RedisClient } from '../../lib/redis.ts';
import type { VerifiedState } from '../../profiles/profile-store.ts';
import { stateMarkerKeys } from '../../profiles/state-marker-keys.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import type { StateMetrics } from './state-metrics.ts';
import {
  currentEpoch,
  markerIsCurrent,
  readRedisState,
  settleRedisState,
  stateLossReason,
} from './state-marker.ts';
import { restoreFromChangelog } from './restore-from-changelog.ts';

export interface RedisStateGuardDeps {
  redis: RedisClient;
  layout: RedisLayout;
  kafka: Kafka;
  changelogTopic: string;
  /** The processor's consumer group: names the restore's throwaway group after it. */
  groupId: string;
  /** The configured segment names (live): a restored profile leaves the others' sets. */
  knownSegments(): readonly string[];
  /** How often an idle processor checks (a write and a reconnect check at once), ms. */
  checkIntervalMs: number;
  logger: Logger;
  metrics?: StateMetrics;
}

/** Keeps the consumer group membership alive while a round waits (a batch's heartbeat). */
export type KeepAlive = () => Promise<void>;

/**
 * Knows whether Redis still holds the state this processor builds on, and restores it from
 * profile-changelog when it does not. The profile store refuses every write whose state marker
 * is not the verified one (profiles/profile-store.ts), so detection is exact; this decides when to
 * look and what to do:
 * - at start, after every reconnect of the Redis client, and every `checkIntervalMs`, it reads
 *   the marker and Redis's run_id: a missing marker (Redis empty or flushed) or one written
 *   under another run_id (Redis restarted, perhaps from an RDB/AOF older than our writes)
 *   means the state is lost; a current marker with another epoch means another processor
 *   restored it (and may have read the changelog before our last snapshots landed);
 * - a lost state is restored (restoreFromChangelog) while the processor's rounds wait — so
 *   consumption pauses — and then the waiting round is applied again from the batches in hand,
 *   which begin at the committed offsets: each restored profile's watermarks skip what it has
 *   seen, the rest is applied.
 * At start, a current marker is simply adopted: a new process has no snapshot in flight.
 */
export interface RedisStateGuard extends Component {
  /** Shared with the profile store, which stamps every write with it. */
  readonly verified: VerifiedState;
  /** Before a round's work: checks when there is cause, restores if the state is lost. */
  beforeRound(keepAlive: KeepAlive): Promise<void>;
  /** After a write was refused (RedisStateLostError): restores, then the round runs again. */
  recover(reason: string, keepAlive: KeepAlive): Promise<void>;
}

/** Restores in a row that meet Redis restarting again, before giving up (an error). */
const MAX_RESTORE_ATTEMPTS = 5;

export function createRedisStateGuard(deps: RedisStateGuardDeps): RedisStateGuard {
  const { redis, layout, logger, metrics } = deps;
  const markers = stateMarkerKeys(layout, redis);
  const verified: VerifiedState = { epoch: undefined };
  /** A reconnect happened since the last check: Redis may be another process now. */
  let suspect = false;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onClose = () => {
    suspect = true;
  };

  async function restore(trigger: string, reason: string): Promise<void> {
    verified.epoch = undefined;
    logger.warn(
      { trigger, reason },
      'Redis lost the profile state; restoring it from the changelog',
    );
    const started = Date.now();
    for (let attempt = 1; attempt <= MAX_RESTORE_ATTEMPTS; attempt++) {
      const before = await readRedisState(redis, markers);
      const result = await restoreFromChangelog({
        redis,
        layout,
        kafka: deps.kafka,
        changelogTopic: deps.changelogTopic,
        groupPrefix: `${deps.groupId}-restore`,
        knownSegments: deps.knownSegments(),
        // The first restore after the loss (the marker does not vouch for this Redis yet).
        forgetAllTombstoned: !markerIsCurrent(before),
      });
      const settled = await settleRedisState(redis, markers, before, randomUUID());
      if (settled === undefined) {
        logger.warn({ attempt }, 'Redis restarted during the restore; restoring again');
        continue;
      }
      verified.epoch = settled.epoch;
      metrics?.restores.inc({ trigger });
      metrics?.restoredProfiles.inc({ outcome: 'written' }, result.written);
      metrics?.restoredProfiles.inc({ outcome: 'kept' }, result.kept);
      metrics?.restoredProfiles.inc({ outcome: 'forgotten' }, result.forgotten);
      logger.warn(
        { trigger, ...result, epoch: settled.epoch, ms: Date.now() - started },
        'profile state restored from the changelog',
      );
      return;
    }
    throw new Error(`Redis restarted during ${MAX_RESTORE_ATTEMPTS} restores in a row`);
  }

  /** Reads the marker; restores when the state is lost. `adopt`: a current marker is taken as is. */
  async function check(trigger: string, adopt: boolean): Promise<void> {
    suspect = false;
    const state = await readRedisState(redis, markers);
    const epoch = currentEpoch(state);
    if (epoch !== undefined && (adopt || epoch === verified.epoch)) {
      verified.epoch = epoch;
      return;
    }
    const reason =
      stateLossReason(state, verified.epoch) ?? 'the slots disagree on the state epoch';
    await restore(trigger, reason);
  }

  /** One check or restore at a time; callers arriving meanwhile wait for it, then check. */
  async function serialised(work: () => Promise<void>, keepAlive?: KeepAlive): Promise<void> {
    // Another caller's failure is its own: this one checks again once it is over.
    while (inFlight)
      await heartbeating(
        inFlight.catch(() => undefined),
        keepAlive,
      );
    const run = work().finally(() => {
      inFlight = undefined;
    });
    inFlight = run;
    await heartbeating(run, keepAlive);
  }

  /** Waits for `work`, keeping the group membership alive meanwhile (kafkajs throttles it). */
  async function heartbeating(work: Promise<void>, keepAlive?: KeepAlive): Promise<void> {
    const beat = keepAlive && setInterval(() => void keepAlive().catch(() => undefined), 1_000);
    try {
      await work;
    } finally {
      clearInterval(beat);
    }
  }

  return {
    name: 'redis-state',
    verified,
    async start() {
      redis.on('close', onClose);
      await serialised(() => check('start', true));
      timer = setInterval(() => {
        if (inFlight) return;
        void serialised(() => check(suspect ? 'reconnect' : 'periodic', false)).catch(
          (error: unknown) => logger.error({ err: error }, 'Redis state check failed'),
        );
      }, deps.checkIntervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      redis.off('close', onClose);
      await inFlight?.catch(() => undefined);
    },
    // Not ready while it restores, or after a restore failed: no write can land until one succeeds.
    ready: () => Promise.resolve(verified.epoch !== undefined),
    async beforeRound(keepAlive) {
      if (inFlight || suspect || verified.epoch === undefined)
        await serialised(() => check(suspect ? 'reconnect' : 'write', false), keepAlive);
    },
    async recover(reason, keepAlive) {
      logger.warn({ reason }, 'a profile write was refused');
      await serialised(() => check('write', false), keepAlive);
    },
  };
}
