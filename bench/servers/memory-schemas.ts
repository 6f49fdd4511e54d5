// PulseHub's three subgraph schemas (schema/subgraphs/*.graphql, built with @apollo/subgraph)
// resolving over fixed in-memory data (memory-data.ts): every field the benchmark queries,
// including the federation `_entities` fetches a gateway plans for it.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { GraphQLSchema } from 'graphql';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import { SUBGRAPH_NAMES, subgraphTypeDefs, type SubgraphName } from '../../schema/sdl.ts';
import type { MemoryActivity, MemoryData } from './memory-data.ts';

function profileResolvers(data: MemoryData): GraphQLResolverMap<unknown> {
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      profile: (_: unknown, { id }: { id: string }) => data.profiles.get(id) ?? null,
      profiles: (_: unknown, { ids }: { ids: string[] }) =>
        ids.map((id) => data.profiles.get(id) ?? null),
      segment: (_: unknown, { name }: { name: string }) => ({ name }),
      viewer: () => ({ subject: 'bench', scopes: [] }),
    },
    Profile: {
      __resolveReference: ({ id }: { id: string }) => data.profiles.get(id) ?? null,
    },
    Segment: {
      __resolveReference: ({ name }: { name: string }) => ({ name }),
      size: () => 0,
      members: () => ({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } }),
    },
  };
}

/** A profile's activities over all its identifiers, newest first, as the archive lists them. */
function activitiesOf(data: MemoryData, identifiers: readonly string[]): MemoryActivity[] {
  return identifiers
    .flatMap((identifier) => data.activities.get(identifier) ?? [])
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp));
}

function activityResolvers(data: MemoryData): GraphQLResolverMap<unknown> {
  const page = (activities: MemoryActivity[], first: number) => {
    const edges = activities.slice(0, first).map((node) => ({ cursor: node.id, node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: activities.length > first,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  };
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      activities: (_: unknown, { first }: { first: number }) =>
        page([...data.activities.values()].flat(), first),
      eventVolume: () => [],
    },
    Profile: {
      // The representation carries `identifiers` (@requires), as the gateway planned it.
      __resolveReference: (reference: { id: string; identifiers: string[] }) => reference,
      activities: (profile: { identifiers: string[] }, { first }: { first: number }) =>
        page(activitiesOf(data, profile.identifiers), first),
      activitySummary: (profile: { identifiers: string[] }) => {
        const activities = activitiesOf(data, profile.identifiers);
        return {
          total: activities.length,
          firstAt: activities.at(-1)?.timestamp ?? null,
          lastAt: activities[0]?.timestamp ?? null,
          byType: [{ type: 'track', count: activities.length }],
          byName: [],
        };
      },
    },
  };
}

function configResolvers(data: MemoryData): GraphQLResolverMap<unknown> {
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      segments: () => data.segments,
    },
    Segment: {
      __resolveReference: ({ name }: { name: string }) =>
        data.segments.find((segment) => segment.name === name) ?? null,
    },
  };
}

const RESOLVERS: Record<SubgraphName, (data: MemoryData) => GraphQLResolverMap<unknown>> = {
  profile: profileResolvers,
  activity: activityResolvers,
  config: configResolvers,
};
/** Each subgraph's own SDL, built with @apollo/subgraph, resolving over `data`. */
export function memorySubgraphSchemas(data: MemoryData): Record<SubgraphName, GraphQLSchema> {
  const schemas = {} as Record<SubgraphName, GraphQLSchema>;
  for (const name of SUBGRAPH_NAMES)
    schemas[name] = buildSubgraphSchema([
      { typeDefs: subgraphTypeDefs(name), resolvers: RESOLVERS[name](data) },
    ]);
  return schemas;
}
