// One person across identifiers (docs/identity.md): anonymous browsing, sign-up, a second
// device, a backend alias; their profile must be what the same events under one id give.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessorConfig } from '../processor/config.ts';
import { createProfileStore } from '../profiles/profile-store.ts';
import { collect, wsClient, type Received } from './support/graphql-ws.ts';
import { eventually } from './support/http.ts';
import { setConfig } from './support/config.ts';
import {
  mergeRefusalsOf,
  metricSum,
  sendCalls,
  underOneId,
  type SegmentCall,
} from './support/identity-calls.ts';
import {
  expectSameCounters,
  profileOf,
  profileWhen,
  type ApiProfile,
} from './support/identity-profiles.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { useSystem } from './support/use-system.ts';

const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148';
const T0 = Date.UTC(2026, 10, 20, 9);
const MINUTE = 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const REFUSED_METRIC = 'pulsehub_processor_merges_refused_total';

interface Update {
  profileUpdated: Pick<ApiProfile, 'id' | 'identifiers' | 'mergedFrom' | 'eventCount' | 'version'>;
}

const SUBSCRIPTION = `subscription ($id: ID!) {
  profileUpdated(id: $id) { id identifiers mergedFrom eventCount version }
}`;

describe('identity resolution: one person across devices and systems', () => {
  const { sandbox, system } = useSystem({ partitions: 3 });
  let ids: { a: string; b: string; u: string; old: string };
  let clients: Client[] = [];
  let watchingA: Received<Update>;
  const sent: SegmentCall[] = [];
  let control: ApiProfile;

  const message = (name: string) => `${sandbox().id}-${name}`;
  /** Sends a phase of the story and keeps it for the control person. */
  const send = async (calls: SegmentCall[]) => {
    sent.push(...calls);
    await sendCalls(system().gatewayUrl, calls);
  };
  const processorUrl = () => `http://127.0.0.1:${system().services['processor']?.http.port()}`;

  // The story's phases, each a function of the ids so the control gets the very same calls.
  const crmHistory = (): SegmentCall[] => [
    {
      type: 'identify',
      anonymousId: ids.old,
      messageId: message('crm-0'),
      traits: { crmTier: 'gold', plan: 'legacy' },
      timestamp: at(-30 * 24 * 60 * MINUTE),
    },
    ...[1, 2].map((n) => ({
      type: 'track',
      anonymousId: ids.old,
      event: 'CRM Imported',
      messageId: message(`crm-${n}`),
      timestamp: at(-30 * 24 * 60 * MINUTE + n * MINUTE),
    })),
  ];
  /** 40 page views in two sessions two hours apart. */
  const anonymousBrowsing = (): SegmentCall[] =>
    Array.from({ length: 40 }, (_, n) => ({
      type: 'page',
      anonymousId: ids.a,
      name: n % 2 === 0 ? 'Home' : 'Pricing',
      messageId: message(`a-${n}`),
      context: { userAgent: DESKTOP },
      timestamp: at((n < 20 ? n : 120 + n) * MINUTE),
    }));
  const signUp = (): SegmentCall[] => [
    {
      type: 'identify',
      userId: ids.u,
      anonymousId: ids.a,
      messageId: message('signup'),
      traits: { email: 'ada@example.com', plan: 'free' },
      context: { userAgent: DESKTOP },
      timestamp: at(180 * MINUTE),
    },
  ];
  const afterSignUp = (): SegmentCall[] => [
    {
      type: 'track',
      userId: ids.u,
      event: 'Plan Chosen',
      messageId: message('plan'),
      properties: { plan: 'pro' },
      timestamp: at(185 * MINUTE),
    },
  ];
  const secondDevice = (): SegmentCall[] =>
    Array.from({ length: 5 }, (_, n) => ({
      type: 'page',
      anonymousId: ids.b,
      name: 'Docs',
      messageId: message(`b-${n}`),
      context: { userAgent: PHONE },
      timestamp: at((24 * 60 + n) * MINUTE),
    }));
  const loginOnSecondDevice = (): SegmentCall[] => [
    {
      type: 'track',
      userId: ids.u,
      anonymousId: ids.b,
      event: 'Logged In',
      messageId: message('login-b'),
      context: { userAgent: PHONE },
      timestamp: at((24 * 60 + 10) * MINUTE),
    },
  ];
  const backendAlias = (): SegmentCall[] => [
    {
      type: 'alias',
      userId: ids.u,
      previousId: ids.old,
      messageId: message('alias-crm'),
      timestamp: at((24 * 60 + 20) * MINUTE),
    },
  ];

  beforeAll(async () => {
    const tag = sandbox().id;
    ids = { a: `${tag}-anon-a`, b: `${tag}-anon-b`, u: `${tag}-user-u`, old: `${tag}-old-crm-id` };
    const reader = await system().auth.token(['profiles:read', 'activities:read']);
    clients = [wsClient(system().graphqlUrl, { token: reader })];
    // Opened before anything is known of a: it must follow a into the person's profile.
    watchingA = collect<Update>(clients[0] as Client, SUBSCRIPTION, { id: ids.a });
  });
  afterAll(async () => {
    watchingA?.stop();
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('merges anonymous browsing, sign-up, a second device and a CRM alias into one profile', async () => {
    await send(crmHistory());
    await profileWhen(system(), ids.old, (p) => p.eventCount === 3);
    await send(anonymousBrowsing());
    await profileWhen(system(), ids.a, (p) => p.eventCount === 40);

    await send(signUp());
    const signedUp = await eventually(async () =>
      watchingA.data.find((m) => m.profileUpdated.id === ids.u),
    );
    expect(signedUp.profileUpdated.identifiers).toContain(ids.a);
    expect(signedUp.profileUpdated.mergedFrom).toContain(ids.a);
    expect(signedUp.profileUpdated.eventCount).toBe(41);
    // The subscription goes on with u's own changes.
    await send(afterSignUp());
    await eventually(async () =>
      watchingA.data.find(
        (m) => m.profileUpdated.id === ids.u && m.profileUpdated.eventCount === 42,
      ),
    );

    await send(secondDevice());
    await profileWhen(system(), ids.b, (p) => p.id === ids.b && p.eventCount === 5);
    await send(loginOnSecondDevice());
    await profileWhen(system(), ids.u, (p) => p.eventCount === 48);
    await send(backendAlias());
    const merged = await profileWhen(system(), ids.u, (p) => p.eventCount === 52);

    // The control person: the same events under one fresh id, through the same pipeline.
    const controlId = `${sandbox().id}-control`;
    await sendCalls(system().gatewayUrl, underOneId(sent, controlId, 'control-'));
    control = await profileWhen(system(), controlId, (p) => p.eventCount === sent.length);
    expect(control.eventCount).toBe(52);
    expectSameCounters(merged, control);
    expect(merged.userId).toBe(ids.u);
    expect(merged.traits).toMatchObject({ crmTier: 'gold', plan: 'free' });
    expect(merged.device?.type).toBe('MOBILE');
    expect(merged.sessionCount).toBeGreaterThanOrEqual(4);
  });

  it('answers the same profile for each of the identifiers', async () => {
    const all = [ids.a, ids.b, ids.old, ids.u].sort();
    const byId = await Promise.all(all.map((id) => profileOf(system(), id)));
    for (const [index, profile] of byId.entries()) {
      expect(profile, `profile(${all[index]})`).toEqual(byId[0]);
      expect(profile?.id).toBe(ids.u);
      expect(profile?.identifiers).toEqual(all);
      expect(profile?.mergedFrom).toEqual([ids.a, ids.b, ids.old].sort());
    }
    // In Redis: one document, and every other identifier resolving to it in one hop.
    const profiles = sandboxProfiles(sandbox());
    try {
      const { redis, layout } = profiles;
      const docs = await Promise.all(all.map((id) => redis.exists(layout.profile(id))));
      expect(Object.fromEntries(all.map((id, i) => [id, docs[i]]))).toEqual(
        Object.fromEntries(all.map((id) => [id, id === ids.u ? 1 : 0])),
      );
      // One GET per identity key: on a cluster they lie in different slots.
      const targets = [ids.a, ids.b, ids.old].map((id) => redis.get(layout.identity(id)));
      expect(await Promise.all(targets)).toEqual([ids.u, ids.u, ids.u]);
      expect(await redis.exists(layout.identity(ids.u))).toBe(0);
      const stored = await createProfileStore(redis, layout).readMany([ids.u]);
      expect(stored[0]?.profile.identifiers).toEqual(all);
    } finally {
      profiles.close();
    }
  });

  it('lists the activities of every identifier on the profile', async () => {
    const expected = sent.map((call) => call.messageId).sort();
    for (const id of [ids.a, ids.u]) {
      const activities = await eventually(async () => {
        const answer = await system().query<{
          profile: { activities: { edges: Array<{ node: { id: string } }> } } | null;
        }>(
          'query ($id: ID!) { profile(id: $id) { activities(first: 100) { edges { node { id } } } } }',
          { id },
        );
        const listed = answer.data?.profile?.activities.edges.map((edge) => edge.node.id) ?? [];
        return listed.length >= expected.length ? listed : undefined;
      }, 60_000);
      expect([...activities].sort(), `activities by ${id}`).toEqual(expected);
    }
  });

  it('refuses to merge a second user into the person, and says so', async () => {
    const v = `${sandbox().id}-user-v`;
    const before = await profileOf(system(), ids.u);
    const refusedBefore = await metricSum(processorUrl(), REFUSED_METRIC);
    await sendCalls(system().gatewayUrl, [
      {
        type: 'identify',
        userId: v,
        anonymousId: ids.a,
        messageId: message('v-claims-a'),
        traits: { plan: 'stolen' },
        timestamp: at(2 * 24 * 60 * MINUTE),
      },
    ]);
    const ofV = await profileWhen(system(), v, (p) => p.eventCount === 1);
    expect(ofV.id).toBe(v);
    expect(ofV.identifiers).toEqual([v]);
    expect(ofV.traits).toEqual({ plan: 'stolen' });
    expect(await profileOf(system(), ids.u)).toEqual(before);
    expect((await profileOf(system(), ids.a))?.id).toBe(ids.u);

    const [letter] = await mergeRefusalsOf(sandbox(), v);
    expect(letter?.reason).toContain(v);
    expect(letter?.reason).toMatch(new RegExp(`${ids.u}|${ids.a}`));
    expect(letter?.value).toMatchObject({ type: 'identify', userId: v, anonymousId: ids.a });
    await eventually(async () =>
      (await metricSum(processorUrl(), REFUSED_METRIC)) > refusedBefore ? true : undefined,
    );
  });

  it('refuses a merge that would give a profile more than identity.maxIdentifiers', async () => {
    const tag = `${sandbox().id}-capped`;
    const [w, p1, p2] = [`${tag}-user`, `${tag}-device1`, `${tag}-device2`];
    const configured = (system().live['processor']?.current() as ProcessorConfig).identity
      .maxIdentifiers;
    const lowered = await setConfig(system(), {
      application: 'processor',
      values: { identity: { maxIdentifiers: 2 } },
    });
    expect(lowered).toMatchObject({ ok: true, changed: ['identity.maxIdentifiers'] });
    await eventually(async () =>
      system().live['processor']?.version() === lowered.version ? true : undefined,
    );
    try {
      const refusedBefore = await metricSum(processorUrl(), REFUSED_METRIC);
      await sendCalls(system().gatewayUrl, [
        { type: 'track', anonymousId: p1, event: 'Opened', messageId: `${tag}-m1` },
        { type: 'identify', userId: w, anonymousId: p1, messageId: `${tag}-m2` },
      ]);
      await profileWhen(system(), p1, (p) => p.id === w && p.eventCount === 2);
      await sendCalls(system().gatewayUrl, [
        { type: 'track', anonymousId: p2, event: 'Opened', messageId: `${tag}-m3` },
      ]);
      await profileWhen(system(), p2, (p) => p.id === p2 && p.eventCount === 1);
      // The third identifier: beyond the bound of 2.
      await sendCalls(system().gatewayUrl, [
        { type: 'track', userId: w, anonymousId: p2, event: 'Logged In', messageId: `${tag}-m4` },
      ]);
      const ofW = await profileWhen(system(), w, (p) => p.eventCount === 3);
      expect(ofW.identifiers).toEqual([p1, w].sort());
      const ofP2 = await profileOf(system(), p2);
      expect(ofP2).toMatchObject({ id: p2, eventCount: 1, identifiers: [p2] });
      const [letter] = await mergeRefusalsOf(sandbox(), w);
      expect(letter?.reason).toMatch(/maxIdentifiers|identifiers/);
      await eventually(async () =>
        (await metricSum(processorUrl(), REFUSED_METRIC)) > refusedBefore ? true : undefined,
      );
    } finally {
      await setConfig(system(), {
        application: 'processor',
        values: { identity: { maxIdentifiers: configured } },
      });
    }
  });
});
