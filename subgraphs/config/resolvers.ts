import { GraphQLError } from 'graphql';
import { noticeConcerns, type ConfigNotice } from '../../config/client/bus.ts';
import { parseProfiles } from '../../config/client/sources.ts';
import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import { ErrorCode } from '../../schema/errors.ts';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.ts';
import { diffSettings } from './changes/diff.ts';
import type { ConfigStore } from './config-store.ts';
import { EnvironmentRequestError, isValidName, mergedValues } from './environment.ts';
import type { GitIdentity } from './git/git-output.ts';
import { maskSecrets } from './secrets/mask.ts';
import { statusResolvers, type StatusContext } from './status/resolvers.ts';
import type { NoticeFeed } from './subscriptions/notice-feed.ts';

export interface ConfigContext extends StatusContext {
  store: ConfigStore;
  feed: NoticeFeed;
  /** The caller as the gateway forwarded it, else the service's own identity. */
  caller: GitIdentity;
}

/** Longest secret encryptValue accepts: configuration values, not files. */
const MAX_SECRET_CHARS = 64 * 1024; // 64 KiB

/** A bad argument is the caller's mistake: BAD_USER_INPUT with the reason. */
async function asUserInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EnvironmentRequestError)
      throw new GraphQLError(error.message, { extensions: { code: ErrorCode.BadUserInput } });
    throw error;
  }
}

function requireName(name: string): void {
  if (!isValidName(name))
    throw new GraphQLError(`invalid application name "${name}"`, {
      extensions: { code: ErrorCode.BadUserInput },
    });
}

export const configResolvers: GraphQLResolverMap<ConfigContext> = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Segment: statusResolvers.Segment,
  Query: {
    ...statusResolvers.Query,
    config: (
      _: unknown,
      args: { application: string; profile: string; label?: string | null },
      { store }: ConfigContext,
    ) =>
      asUserInput(async () => {
        const environment = await store.environment(
          args.application,
          parseProfiles(args.profile),
          args.label ?? undefined,
        );
        // Secrets never leave through GraphQL: people read these answers.
        const propertySources = environment.sources.map(({ name, source }) => ({
          name,
          source: maskSecrets(source),
        }));
        return {
          name: environment.name,
          profiles: environment.profiles,
          label: environment.label,
          version: environment.version,
          propertySources,
          values: maskSecrets(mergedValues(environment.sources)),
        };
      }),
    configHistory: async (
      _: unknown,
      args: { application: string; first: number },
      { store }: ConfigContext,
    ) => {
      requireName(args.application);
      const commits = await store.history(args.application, args.first);
      return commits.map((c) => ({
        version: c.version,
        message: c.message,
        author: c.authorName,
        authorEmail: c.authorEmail,
        date: c.date,
        files: c.files,
      }));
    },
    configDiff: (
      _: unknown,
      args: { application: string; from: string; to: string; profile: string },
      { store }: ConfigContext,
    ) =>
      asUserInput(async () => {
        const profiles = parseProfiles(args.profile);
        const [from, to] = await Promise.all([
          store.environment(args.application, profiles, args.from),
          store.environment(args.application, profiles, args.to),
        ]);
        return {
          application: args.application,
          profiles: from.profiles,
          from: from.version,
          to: to.version,
          changes: diffSettings(mergedValues(from.sources), mergedValues(to.sources)),
        };
      }),
  },
  Mutation: {
    setConfig: (
      _: unknown,
      args: { application: string; profile: string; values: unknown; message?: string | null },
      { store, caller }: ConfigContext,
    ) =>
      store.setConfig({
        application: args.application,
        profile: args.profile,
        values: args.values,
        message: args.message ?? undefined,
        author: caller,
      }),
    refreshConfig: (_: unknown, __: unknown, { store }: ConfigContext) =>
      store.refresh('refreshConfig'),
    encryptValue: (_: unknown, args: { value: string }, { store }: ConfigContext) => {
      if (args.value.length > MAX_SECRET_CHARS)
        throw new GraphQLError(`value longer than ${MAX_SECRET_CHARS} characters`, {
          extensions: { code: ErrorCode.BadUserInput },
        });
      return store.cipher().encrypt(args.value);
    },
  },
  Subscription: {
    ...statusResolvers.Subscription,
    configChanged: {
      subscribe: (_: unknown, args: { application: string }, { feed }: ConfigContext) => {
        requireName(args.application);
        return feed.subscribe((notice) => noticeConcerns(notice, args.application));
      },
      resolve: (notice: ConfigNotice) => notice,
    },
  },
};
