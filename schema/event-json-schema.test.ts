import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVENT_JSON_SCHEMA_PATH,
  eventJsonSchema,
  eventJsonSchemaText,
} from './event-json-schema.ts';

describe('event JSON Schema', () => {
  it('matches the checked-in schema/event.schema.json (run `npm run schema:event`)', () => {
    expect(readFileSync(EVENT_JSON_SCHEMA_PATH, 'utf8')).toBe(eventJsonSchemaText());
  });

  it('has one branch per call type and requires an identity', () => {
    const schema = eventJsonSchema() as {
      oneOf: Array<{ properties: { type: { const: string } }; required: string[] }>;
      anyOf: unknown;
    };
    expect(schema.oneOf.map((branch) => branch.properties.type.const)).toEqual([
      'track',
      'identify',
      'page',
      'screen',
      'group',
      'alias',
    ]);
    expect(schema.oneOf[0]?.required).toEqual(['type', 'event']);
    expect(schema.anyOf).toEqual([{ required: ['userId'] }, { required: ['anonymousId'] }]);
  });
});
