import { composeServices } from '@apollo/composition';
import { SUBGRAPH_NAMES, subgraphTypeDefs } from './sdl.ts';

/** The default subgraph URLs baked into the supergraph; the gateway's config can override them. */
const DEFAULT_PORTS: Record<(typeof SUBGRAPH_NAMES)[number], number> = {
  profile: 4001,
  activity: 4002,
  config: 4003,
};

/** Composes the subgraphs' SDL into the supergraph; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: `http://127.0.0.1:${DEFAULT_PORTS[name]}/graphql`,
      typeDefs: subgraphTypeDefs(name),
    })),
  );
  if (result.errors !== undefined)
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  return result.supergraphSdl;
}
