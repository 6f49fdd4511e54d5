import { GraphQLError } from 'graphql';
import type { GraphQLResolverMap } from '../../lib/graphql/subgraph-server.ts';
import type { JunkIdentifiers } from '../../events/junk-identifiers.ts';
import { IngestUnavailableError, type EventProducer } from '../../events/producer.ts';
import { validateCalls } from '../../events/validate.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { EventType } from '../../schema/event.ts';

export interface IngestContext {
  producer: EventProducer;
  /** `ingest.junkIdentifiers` as it is when the request arrives (applied live). */
  junkIdentifiers: JunkIdentifiers;
}

interface IngestResult {
  ok: boolean;
  messageId: string | null;
  errors: Array<{ field: string; message: string }>;
}

/** GraphQL leaves absent optional inputs out, but an explicit null must not reach validation. */
function withoutNulls(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
}

async function ingest(
  type: EventType,
  input: Record<string, unknown>,
  { producer, junkIdentifiers }: IngestContext,
): Promise<IngestResult> {
  const validated = validateCalls(
    [{ ...withoutNulls(input), type }],
    new Date(),
    false,
    junkIdentifiers,
  );
  if (!validated.ok) return { ok: false, messageId: null, errors: validated.errors };
  try {
    await producer.produce(validated.events);
  } catch (error) {
    if (error instanceof IngestUnavailableError)
      throw new GraphQLError('the event store is unavailable, retry later', {
        extensions: { code: ErrorCode.ServiceUnavailable },
      });
    throw error;
  }
  return { ok: true, messageId: validated.events[0]?.messageId ?? null, errors: [] };
}

/** `track`, `identify` and `page`: one implementation with HTTP ingest (events/). */
export const ingestMutationResolvers: GraphQLResolverMap<IngestContext> = {
  Mutation: {
    track: (_: unknown, args: { input: Record<string, unknown> }, context: IngestContext) =>
      ingest('track', args.input, context),
    identify: (_: unknown, args: { input: Record<string, unknown> }, context: IngestContext) =>
      ingest('identify', args.input, context),
    page: (_: unknown, args: { input: Record<string, unknown> }, context: IngestContext) =>
      ingest('page', args.input, context),
  },
};
