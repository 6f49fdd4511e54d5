import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import { mergeTrees } from '../../config/client/merge.ts';
import { readLocalSources } from '../../config/client/sources.ts';
import { JSONScalar } from '../../schema/scalars.ts';

export interface ConfigContext {
  configDir: string;
}

export const configResolvers: GraphQLResolverMap<ConfigContext> = {
  JSON: JSONScalar,
  Query: {
    config: async (
      _: unknown,
      args: { application: string; profile: string },
      { configDir }: ConfigContext,
    ) => {
      const profiles = args.profile
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '' && p !== 'default');
      const propertySources = await readLocalSources(configDir, args.application, profiles);
      return {
        name: args.application,
        profiles: profiles.length === 0 ? ['default'] : profiles,
        propertySources,
        values: mergeTrees(...propertySources.map((s) => s.source)),
      };
    },
  },
};
