// "Subscribers across faults": one graphql-ws subscriber per profile through the gateway while
// ingest updates those profiles, the Profile subgraph kill -9'd and restarted (the gateway
// resubscribes upstream), then the restarted subgraph's Redis connections dropped for a few
// seconds through a TCP proxy of its own (its feeds re-read the watched profiles after
// resubscribing). Every subscriber must see only increasing versions and end on the version
// Redis holds: pub/sub is at-most-once, so a missed message must never leave a silent gap.
import type { Client } from 'graphql-ws';
import { PROFILE_UPDATED } from '../../bench/support/subscriptions.ts';
import { answers200 } from '../../scripts/node-process.ts';
import { wsClient } from '../../test/support/graphql-ws.ts';
import type { Namespace } from '../../test/support/namespace.ts';
import { sleep } from '../../test/support/processor.ts';
import { sandboxProfiles } from '../../test/support/profiles.ts';
import { createTcpProxy } from '../../test/support/tcp-proxy.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';
import { startTraffic, type TrafficPlan } from '../traffic.ts';
import { verifyRecovery } from '../verify.ts';
import { everyBatchAnswered } from '../checks.ts';

interface Size extends Omit<TrafficPlan, 'idPrefix'> {
  /** How long the Profile subgraph's Redis connections stay refused. */
  redisDownMs: number;
}

// One subscriber per user: `users` is the number of subscribers.
const SIZES: Record<ChaosSize, Size> = {
  full: {
    events: 24_000,
    users: 200,
    batchSize: 50,
    concurrency: 4,
    eventsPerSecond: 400,
    giveUpAfterMs: 120_000,
    redisDownMs: 5_000,
  },
  short: {
    events: 4_000,
    users: 20,
    batchSize: 25,
    concurrency: 4,
    eventsPerSecond: 250,
    giveUpAfterMs: 30_000,
    redisDownMs: 3_000,
  },
};
/** "Within a few seconds after the load ends": after the tally settled, subscribers get this. */
const CATCH_UP_MS = 10_000;
/** Longest wait for the restarted Profile subgraph's /ready. */
const RESTART_READY_MS = 60_000;

interface Subscriber {
  profileId: string;
  client: Client;
  connected: boolean;
  versions: number[];
  problems: string[];
}

function subscribe(graphqlUrl: string, token: string, profileId: string): Subscriber {
  const subscriber: Subscriber = {
    profileId,
    connected: false,
    versions: [],
    problems: [],
    client: wsClient(graphqlUrl, {
      token,
      lazy: false,
      on: { connected: () => (subscriber.connected = true) },
      onNonLazyError: (error) => subscriber.problems.push(`connection: ${String(error)}`),
    }),
  };
  subscriber.client.subscribe<{ profileUpdated: { version: number } }>(
    { query: PROFILE_UPDATED, variables: { id: profileId } },
    {
      next: (result) => {
        if (result.errors) subscriber.problems.push(JSON.stringify(result.errors));
        const version = result.data?.profileUpdated.version;
        if (typeof version === 'number') subscriber.versions.push(version);
      },
      error: (error) => subscriber.problems.push(`error: ${JSON.stringify(error)}`),
      complete: () => subscriber.problems.push('completed by the server'),
    },
  );
  return subscriber;
}

/** The version Redis holds for each profile (0: none). */
async function storedVersions(namespace: Namespace, ids: string[]): Promise<number[]> {
  const profiles = sandboxProfiles(namespace);
  try {
    return (await profiles.store.readMany(ids)).map((stored) => stored?.profile.version ?? 0);
  } finally {
    profiles.close();
  }
}

/** Received versions that did not increase on the one before (a duplicate or going back). */
const notIncreasing = (versions: number[]) =>
  versions.filter((version, i) => i > 0 && version <= (versions[i - 1] ?? 0)).length;

export const subscribersAcrossFaultsScenario: ChaosScenario = {
  name: 'subscribers-across-faults',
  summary:
    "a subscriber per profile through the gateway while the Profile subgraph is kill -9'd and restarted, then its Redis connections dropped: versions only increase and end on Redis's",
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const { namespace, system, idPrefix } = await startScenarioSystem(context, { partitions: 6 });
    const redisUrl = new URL(namespace.redisUrl);
    const proxy = await createTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    context.defer(() => proxy.close());
    const proxiedRedis = new URL(namespace.redisUrl);
    proxiedRedis.host = `127.0.0.1:${proxy.port}`;

    const plan: TrafficPlan = { idPrefix, ...size };
    const profileIds = Array.from({ length: plan.users }, (_, i) => `${idPrefix}-u${i}`);
    const token = (context.auth.gatewayHeaders['authorization'] ?? '').replace(/^Bearer /, '');
    const graphqlUrl = `${system.gatewayUrl()}/graphql`;
    const subscribers = profileIds.map((id) => subscribe(graphqlUrl, token, id));
    context.defer(async () => {
      await Promise.all(
        subscribers.map((s) => Promise.resolve(s.client.dispose()).catch(() => undefined)),
      );
    });
    await until(() => subscribers.every((s) => s.connected || s.problems.length > 0));
    context.log(`${subscribers.length} subscribers connected; ${plan.events} events`);

    const traffic = startTraffic(system.gatewayUrl, context.auth.ingestHeaders, plan);

    // Fault 1. The restart keeps the port (the gateway's SUBGRAPHS_PROFILE points at it) and
    // reaches Redis through the proxy, for fault 2 to break this service's connections only.
    await until(() => traffic.sent() >= 0.25 * plan.events);
    const profilePort = system.service('profile').port;
    await system.kill('profile');
    const killedAt = Date.now();
    context.log(`Profile subgraph kill -9'd at ${traffic.sent()} events sent`);
    await system.restart('profile', {
      HTTP_PORT: String(profilePort),
      REDIS_URL: proxiedRedis.toString(),
    });
    const readyUrl = `http://127.0.0.1:${profilePort}/ready`;
    const deadline = Date.now() + RESTART_READY_MS;
    await until(async () => Date.now() > deadline || (await answers200(readyUrl, 1_000)));
    const restartedMs = Date.now() - killedAt;
    context.log(`Profile subgraph ready again ${restartedMs} ms after the kill`);

    // Fault 2, with the processor writing all along.
    await until(() => traffic.sent() >= 0.6 * plan.events);
    await proxy.refuse();
    context.log(`Profile subgraph's Redis refused at ${traffic.sent()} events sent`);
    await sleep(size.redisDownMs);
    await proxy.accept();
    const faultEndedAt = Date.now();
    context.log(`Profile subgraph's Redis accepted again at ${traffic.sent()} events sent`);

    const { tally, recoverMs } = await verifyRecovery(
      context,
      { namespace, ledger: traffic.ledger, idPrefix },
      faultEndedAt,
      traffic.done,
    );
    const trafficFigures = await traffic.done;
    const loadEndedAt = Date.now();
    const finalVersions = await storedVersions(namespace, profileIds);
    const caughtUpBy = loadEndedAt + CATCH_UP_MS;
    const allOnFinal = () =>
      subscribers.every((s, i) => (s.versions.at(-1) ?? 0) === finalVersions[i]);
    await until(() => allOnFinal() || Date.now() > caughtUpBy);
    const lastCaughtUpMs = Date.now() - loadEndedAt;

    const behind = subscribers.flatMap((s, i) =>
      (s.versions.at(-1) ?? 0) === finalVersions[i]
        ? []
        : [`${s.profileId}: last ${s.versions.at(-1) ?? 'none'}, Redis ${finalVersions[i]}`],
    );
    const backwards = subscribers.flatMap((s) => {
      const count = notIncreasing(s.versions);
      return count === 0 ? [] : [`${s.profileId}: ${count} not increasing`];
    });
    const troubled = subscribers.flatMap((s) =>
      s.problems.length === 0 ? [] : [`${s.profileId}: ${s.problems.slice(0, 3).join('; ')}`],
    );
    const received = subscribers.reduce((sum, s) => sum + s.versions.length, 0);
    return {
      tally,
      recoverMs,
      checks: [
        {
          name: 'the Profile subgraph was ready again after its kill -9',
          ok: restartedMs <= RESTART_READY_MS,
          detail: `${restartedMs} ms`,
        },
        {
          name: 'every subscriber received only increasing versions',
          ok: backwards.length === 0,
          detail: backwards.slice(0, 5).join('; ') || `${received} messages, all increasing`,
        },
        {
          name: `every subscriber's last version is Redis's within ${CATCH_UP_MS} ms of the load's end`,
          ok: behind.length === 0 && finalVersions.every((version) => version > 0),
          detail: behind.slice(0, 5).join('; ') || `all after ${lastCaughtUpMs} ms`,
        },
        {
          name: 'no subscription errored or was completed by the server',
          ok: troubled.length === 0,
          detail: troubled.slice(0, 5).join(' | ') || 'none',
        },
        {
          // The supervisor's restart would lose the kept port and the proxy: it must not happen.
          name: 'the Profile subgraph rode out the Redis drop without exiting',
          ok: !system.unexpectedExits.some((exit) => exit.service === 'profile'),
          detail: `${system.unexpectedExits.length} unexpected exits`,
        },
        everyBatchAnswered(trafficFigures),
      ],
      figures: {
        traffic: trafficFigures,
        subscribers: subscribers.length,
        messagesReceived: received,
        restartedMs,
        redisDownMs: size.redisDownMs,
        lastCaughtUpMs,
        unexpectedExits: system.unexpectedExits,
        ...(recoverMs === null || behind.length > 0 ? { outputs: system.outputs() } : {}),
      },
    };
  },
};
