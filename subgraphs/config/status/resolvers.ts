import type { SystemStatusService } from './index.ts';
import type { SystemStatus } from './model.ts';

export interface StatusContext {
  status: SystemStatusService;
}

/** The status part of the Config subgraph's schema, all on the process's shared feed. */
export const statusResolvers = {
  Query: {
    systemStatus: (_: unknown, __: unknown, { status }: StatusContext) => status.feed.latest(),
    segments: (_: unknown, __: unknown, { status }: StatusContext) => status.segments(),
  },
  Segment: {
    // The Profile subgraph asks by name; the definition is the processor's configuration.
    __resolveReference: async ({ name }: { name: string }, { status }: StatusContext) =>
      (await status.segments()).find((segment) => segment.name === name) ?? {
        name,
        description: null,
      },
  },
  Subscription: {
    systemStatusChanged: {
      subscribe: (_: unknown, __: unknown, { status }: StatusContext) => status.feed.subscribe(),
      resolve: (value: SystemStatus) => value,
    },
  },
};
