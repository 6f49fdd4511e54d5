import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from './support/auth.ts';
import { setConfig } from './support/config.ts';
import { errorCode, post } from './support/gateway-requests.ts';
import { acknowledgedSocket, metricValue, type RawSocket } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

/**
 * Low enough that each limit row exceeds exactly its limit, high enough for the allowed rows;
 * set through the config service, so both transports read them live.
 */
const LIMITS = { maxDepth: 4, maxAliases: 10, maxTokens: 300, maxCost: 200 };
const ALL = ['profiles:read', 'activities:read', 'config:read'];

type Caller = readonly string[] | 'anonymous';
/** 'allowed', or the error code; limit refusals also name their limit. */
type Verdict = 'allowed' | { code: string; limit?: string };

interface Case {
  name: string;
  /** The HTTP form: a query selecting the same protected fields and types. */
  query: string;
  /** The WebSocket form. */
  subscription: string;
  caller: Caller;
  expected: Verdict;
}

/** A selection on Profile as `profile(id:)` and as `profileUpdated(id:)`. */
const onProfile = (selection: string, fragments = '') => ({
  query: `query ($id: ID!) { profile(id: $id) ${selection} } ${fragments}`,
  subscription: `subscription ($id: ID!) { profileUpdated(id: $id) ${selection} } ${fragments}`,
});
const onSegment = {
  query: '{ segment(name: "vip") { size } }',
  subscription: 'subscription { segmentMembershipChanged(segment: "vip") { segment kind } }',
};
const onConfig = {
  query: '{ config(application: "gateway") { name } }',
  subscription: 'subscription { configChanged(application: "gateway") { version } }',
};
const tooComplex = (limit: string): Verdict => ({ code: 'QUERY_TOO_COMPLEX', limit });

const CASES: Case[] = [
  {
    name: 'a profile reader',
    ...onProfile('{ id eventCount }'),
    caller: ['profiles:read'],
    expected: 'allowed',
  },
  {
    name: 'an anonymous caller',
    ...onProfile('{ id eventCount }'),
    caller: 'anonymous',
    expected: { code: 'UNAUTHENTICATED' },
  },
  {
    name: 'a token without profiles:read',
    ...onProfile('{ id eventCount }'),
    caller: ['activities:read'],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'a token without scopes',
    ...onProfile('{ id }'),
    caller: [],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'activities without activities:read',
    ...onProfile('{ id activities { edges { cursor } } }'),
    caller: ['profiles:read'],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'activities with activities:read',
    ...onProfile('{ id activities { edges { cursor } } }'),
    caller: ['profiles:read', 'activities:read'],
    expected: 'allowed',
  },
  {
    name: 'activities hidden in a fragment',
    ...onProfile('{ ...P }', 'fragment P on Profile { id activities { edges { cursor } } }'),
    caller: ['profiles:read'],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'a segment without profiles:read',
    ...onSegment,
    caller: ['activities:read'],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'a segment, anonymous',
    ...onSegment,
    caller: 'anonymous',
    expected: { code: 'UNAUTHENTICATED' },
  },
  {
    name: 'configuration without config:read',
    ...onConfig,
    caller: ['profiles:read'],
    expected: { code: 'FORBIDDEN' },
  },
  {
    name: 'over maxDepth',
    ...onProfile('{ activities { edges { node { id } } } }'),
    caller: ALL,
    expected: tooComplex('depth'),
  },
  {
    name: 'over maxDepth, anonymous (access is checked first)',
    ...onProfile('{ activities { edges { node { id } } } }'),
    caller: 'anonymous',
    expected: { code: 'UNAUTHENTICATED' },
  },
  {
    name: 'over maxAliases',
    ...onProfile(`{ ${Array.from({ length: 11 }, (_, i) => `a${i}: id`).join(' ')} }`),
    caller: ALL,
    expected: tooComplex('aliases'),
  },
  {
    name: 'over maxCost',
    // 1 + (1 + 100 × (edges 1 + cursor 1)) = 202
    ...onProfile('{ activities(first: 100) { edges { cursor } } }'),
    caller: ALL,
    expected: tooComplex('cost'),
  },
  {
    name: 'over maxTokens',
    ...onProfile(`{ ${'id '.repeat(LIMITS.maxTokens)}}`),
    caller: ALL,
    expected: tooComplex('tokens'),
  },
];

/**
 * One access policy and one set of limits for both transports: every row gets the same verdict
 * as a query over HTTP POST /graphql and as a subscription over graphql-ws, and a subscribe
 * document that is refused never reaches the query planner.
 */
describe('access policy and limits, over HTTP and WebSocket alike', () => {
  const { sandbox, system } = useSystem();
  let profileId: string;
  const tokens = new Map<string, string | undefined>();
  const sockets = new Map<string, RawSocket>();
  const planned = new Set<string>();
  let nextId = 0;

  const keyOf = (caller: Caller) => (caller === 'anonymous' ? caller : caller.join(' '));
  async function tokenOf(caller: Caller): Promise<string | undefined> {
    const key = keyOf(caller);
    if (!tokens.has(key))
      tokens.set(key, caller === 'anonymous' ? undefined : await system().auth.token(caller));
    return tokens.get(key);
  }
  /** One acknowledged connection per caller, reused by its rows. */
  async function socketOf(caller: Caller): Promise<RawSocket> {
    const key = keyOf(caller);
    let socket = sockets.get(key);
    if (socket === undefined) {
      socket = await acknowledgedSocket(system().graphqlUrl, await tokenOf(caller));
      sockets.set(key, socket);
    }
    return socket;
  }
  const metric = async (name: string, label = '') => {
    const value = await metricValue(system().gatewayUrl, name, label);
    return Number.isNaN(value) ? 0 : value; // a labelled counter appears once it counted
  };

  /** Sets gateway limits in the config service and waits until the running gateway has them. */
  async function setLimits(limits: Record<string, number>): Promise<void> {
    const result = await setConfig(system(), { application: 'gateway', values: { limits } });
    expect(result).toMatchObject({ ok: true });
    await eventually(async () =>
      system().live['gateway']?.version() === result.version ? true : undefined,
    );
  }

  async function overHttp(row: Case): Promise<Verdict> {
    const token = await tokenOf(row.caller);
    const answer = await post(
      system().graphqlUrl,
      { query: row.query, variables: { id: profileId } },
      token === undefined ? {} : bearer(token),
    );
    const code = errorCode(answer);
    if (code === undefined) {
      expect(answer.status).toBe(200);
      return 'allowed';
    }
    const status = { UNAUTHENTICATED: 401, FORBIDDEN: 403 }[code as string] ?? 400;
    expect([row.name, answer.status]).toEqual([row.name, status]);
    const limit = answer.body.errors?.[0]?.extensions?.['limit'];
    return limit === undefined
      ? { code: code as string }
      : { code: code as string, limit: limit as string };
  }

  /** Subscribes and waits for the verdict: the first message (next) or the error. */
  async function overWebSocket(row: Case): Promise<Verdict> {
    const socket = await socketOf(row.caller);
    const id = `s${nextId++}`;
    socket.send({
      id,
      type: 'subscribe',
      payload: { query: row.subscription, variables: { id: profileId } },
    });
    const answer = await eventually(async () =>
      socket.messages.find(
        (m) => m['id'] === id && (m['type'] === 'next' || m['type'] === 'error'),
      ),
    );
    if (answer['type'] === 'next') {
      socket.send({ id, type: 'complete' });
      return 'allowed';
    }
    const [error] = answer['payload'] as Array<{ extensions: Record<string, unknown> }>;
    const { code, limit } = error!.extensions as { code: string; limit?: string };
    return limit === undefined ? { code } : { code, limit };
  }

  beforeAll(async () => {
    await setLimits(LIMITS);
    // The allowed rows subscribe to a profile that exists, so their first message is its state.
    profileId = `policy-${sandbox().id}`;
    const sent = await sendSegment(system().gatewayUrl, 'track', {
      userId: profileId,
      event: 'Signed Up',
    });
    expect(sent.status).toBe(200);
    await eventually(async () => {
      const answer = await system().query<{ profile: { id: string } | null }>(
        'query ($id: ID!) { profile(id: $id) { id } }',
        { id: profileId },
      );
      return answer.data?.profile ?? undefined;
    });
  });
  afterAll(async () => {
    for (const socket of sockets.values()) socket.socket.close();
  });

  it.each(CASES)('$name: the same verdict on both transports', async (row) => {
    const viaHttp = await overHttp(row);
    expect(viaHttp).toEqual(row.expected);

    const plansBefore = await metric('pulsehub_subscription_plans_total');
    const code = row.expected === 'allowed' ? undefined : row.expected.code;
    const rejectedBefore =
      code && (await metric('pulsehub_subscription_rejected_total', `code="${code}"`));
    const viaWebSocket = await overWebSocket(row);
    expect(viaWebSocket).toEqual(viaHttp);

    // Measured: a refused document is never planned; an admitted new one is, once.
    const plansAfter = await metric('pulsehub_subscription_plans_total');
    if (code === undefined) {
      expect(plansAfter - plansBefore).toBe(planned.has(row.subscription) ? 0 : 1);
      planned.add(row.subscription);
    } else {
      expect(plansAfter).toBe(plansBefore);
      expect(await metric('pulsehub_subscription_rejected_total', `code="${code}"`)).toBe(
        (rejectedBefore as number) + 1,
      );
    }
  });

  it('applies a changed limit to the next subscribe, as to the next query', async () => {
    const deep = CASES.find((row) => row.name === 'over maxDepth')!;
    await setLimits({ maxDepth: LIMITS.maxDepth + 1 });
    expect(await overHttp(deep)).toBe('allowed');
    expect(await overWebSocket(deep)).toBe('allowed');
  });
});
