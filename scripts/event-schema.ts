import { writeFileSync } from 'node:fs';
import { EVENT_JSON_SCHEMA_PATH, eventJsonSchemaText } from '../schema/event-json-schema.ts';

writeFileSync(EVENT_JSON_SCHEMA_PATH, eventJsonSchemaText());
console.log(`wrote ${EVENT_JSON_SCHEMA_PATH.pathname}`);
