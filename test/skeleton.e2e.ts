import { describe, expect, it } from 'vitest';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

describe('walking skeleton: ingest -> Kafka -> processor/archiver -> federated query', () => {
  const { sandbox, system } = useSystem();

  it('shows a tracked event in the profile (Redis) and its activities (PostgreSQL)', async () => {
    const userId = `user-${sandbox().id}`;
    const response = await sendSegment(system().gatewayUrl, 'track', {
      userId,
      event: 'Signed Up',
      properties: { plan: 'pro' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });

    const query = `query ($id: ID!) { profile(id: $id) { id eventCount activities(first: 5) { edges { node { name type properties } } } } }`;
    const profile = await eventually(async () => {
      const answer = await system().query<{
        profile: {
          id: string;
          eventCount: number;
          activities: { edges: Array<{ node: { name: string } }> };
        } | null;
      }>(query, { id: userId });
      expect(answer.errors).toBeUndefined();
      const found = answer.data?.profile;
      return found && found.eventCount === 1 && found.activities.edges.length === 1
        ? found
        : undefined;
    });
    expect(profile).toEqual({
      id: userId,
      eventCount: 1,
      activities: {
        edges: [{ node: { name: 'Signed Up', type: 'track', properties: { plan: 'pro' } } }],
      },
    });
  });

  it('answers a configuration query through the gateway', async () => {
    const answer = await system().query<{
      config: { name: string; propertySources: Array<{ name: string }> };
    }>('{ config(application: "processor") { name propertySources { name } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.config).toEqual({
      name: 'processor',
      propertySources: [{ name: 'application.yml' }, { name: 'processor.yml' }],
    });
  });

  it('serves health and readiness on every service', async () => {
    for (const [name, service] of Object.entries(system().services)) {
      const base = `http://127.0.0.1:${service.http.port()}`;
      expect((await fetch(`${base}/health`)).status, `${name} /health`).toBe(200);
      expect((await fetch(`${base}/ready`)).status, `${name} /ready`).toBe(200);
    }
  });
});
