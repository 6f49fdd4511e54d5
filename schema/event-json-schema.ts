import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  EVENT_TIME_WINDOW,
  MAX_STORED_EVENT_BYTES,
  MAX_TIMESTAMP_AHEAD_MS,
  topicEventSchema,
} from './event.ts';
import { repoPath } from './repo-root.ts';

/** Where the generated schema is checked in; `npm run schema:event` writes it. */
export const EVENT_JSON_SCHEMA_PATH = pathToFileURL(repoPath('schema', 'event.schema.json'));

const TIME_RULE =
  `ISO 8601 date-time within [${EVENT_TIME_WINDOW.from}, ${EVENT_TIME_WINDOW.to}); ` +
  `the (corrected) timestamp at most ${MAX_TIMESTAMP_AHEAD_MS / 3_600_000} hours after receivedAt.`;

/** What JSON Schema cannot say about a field, said in words (docs/ingest.md has the rest). */
const DESCRIPTIONS: Record<string, string> = {
  type: 'The Segment call type.',
  messageId: 'Dedupe key. Default: kafka:<partition>:<offset> of the record.',
  userId: 'The profile id (with anonymousId, userId wins); the record key should be this id.',
  anonymousId: 'The profile id when there is no userId; the record key should then be this id.',
  timestamp:
    'When the event happened. Default: corrected for clock skew, receivedAt − (sentAt − ' +
    'originalTimestamp), originalTimestamp defaulting to this field; without either, receivedAt. ' +
    'Kept as sent when receivedAt is present. ' +
    TIME_RULE,
  originalTimestamp: `When the event happened by the client's clock. ${TIME_RULE}`,
  sentAt: `When the client sent the event by its clock. ${TIME_RULE}`,
  receivedAt: `When PulseHub received the event. Default: the Kafka record's timestamp. ${TIME_RULE}`,
};

/**
 * The topic's wire contract as JSON Schema (draft 2020-12), generated from topicEventSchema so
 * it cannot drift from what the consumers accept. The schema's refinement (userId or
 * anonymousId) becomes an `anyOf`; rules JSON Schema cannot express (characters PostgreSQL
 * cannot store, the size limit, the time window) are in `description`s.
 */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(topicEventSchema, {
    io: 'input',
    override: ({ jsonSchema }) => {
      const properties = jsonSchema.properties;
      if (properties === undefined) return;
      for (const [name, property] of Object.entries(properties)) {
        const description = DESCRIPTIONS[name];
        if (description !== undefined && typeof property === 'object')
          property.description = description;
      }
    },
  });
  return {
    $schema: schema.$schema,
    $id: 'https://pulsehub.dev/schema/event.schema.json',
    title: 'PulseHub user-activity event',
    description:
      'One Segment-spec event as a record value on the user-activity-events topic (UTF-8 JSON, ' +
      `at most ${MAX_STORED_EVENT_BYTES} bytes), keyed by its profile id (userId, else ` +
      'anonymousId). No key or string anywhere may contain U+0000 or an unpaired UTF-16 ' +
      'surrogate. Unknown fields are ignored. See docs/ingest.md.',
    oneOf: schema.oneOf,
    anyOf: [{ required: ['userId'] }, { required: ['anonymousId'] }],
  };
}

/** The file's exact text: what the script writes and the test compares. */
export const eventJsonSchemaText = (): string => `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;
