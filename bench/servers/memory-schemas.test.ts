import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supergraphForGateway } from '../../gateway/auth/supergraph-security.ts';
import { supergraphSdl, type SubgraphName } from '../../schema/sdl.ts';
import { OVERHEAD_QUERY } from '../scenarios/gateway-overhead.ts';
import { memoryData, memoryProfileId } from './memory-data.ts';
import { memorySubgraphSchemas } from './memory-schemas.ts';

// A stock gateway over the checked-in supergraph plans the benchmark's query and runs every
// fetch of its plan (the profile, the activities entity with its @requires, the segments)
// against the in-memory schemas: what the benchmark's gateways will ask, answered in full.
describe('in-memory subgraph schemas', () => {
  const schemas = memorySubgraphSchemas(memoryData(3));
  const server = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: supergraphForGateway(supergraphSdl()),
      buildService: ({ name }) => new LocalGraphQLDataSource(schemas[name as SubgraphName]),
    }),
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const query = async (id: string) => {
    const response = await server.executeOperation({
      query: OVERHEAD_QUERY,
      variables: { id },
    });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return response.body.singleResult;
  };

  it("answers the benchmark's query with a profile, its newest activities and the segments", async () => {
    const id = memoryProfileId(2);
    const result = await query(id);
    expect(result.errors).toBeUndefined();
    const data = result.data as {
      profile: {
        id: string;
        eventCount: number;
        activities: { edges: Array<{ node: { id: string; timestamp: string } }> };
      };
      segments: Array<{ name: string; description: string }>;
    };
    expect(data.profile.id).toBe(id);
    expect(data.profile.eventCount).toBe(10);
    const timestamps = data.profile.activities.edges.map((edge) => edge.node.timestamp);
    expect(timestamps).toHaveLength(5);
    expect([...timestamps].sort().reverse()).toEqual(timestamps);
    expect(data.profile.activities.edges[0]?.node.id).toBe(`${id}-m0`);
    expect(data.segments.map((segment) => segment.name)).toContain('pro-users');
  });

  it('answers null for a profile it does not hold', async () => {
    const result = await query('nobody');
    expect(result.errors).toBeUndefined();
    expect((result.data as { profile: unknown }).profile).toBeNull();
  });
});
