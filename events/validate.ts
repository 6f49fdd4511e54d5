import { MAX_EVENT_BYTES, type ActivityEvent } from '../schema/event.ts';
import type { FieldError } from './field-errors.ts';
import { DEFAULT_JUNK, type JunkIdentifiers } from './junk-identifiers.ts';
import { normalizeEvent } from './normalize.ts';

export type Validated =
  { ok: true; events: ActivityEvent[] } | { ok: false; tooLarge: boolean; errors: FieldError[] };

/**
 * Validates and stamps the calls of one request, all or nothing: a request is accepted only
 * if every call in it is valid. Field names are prefixed with `batch[i].` when `batched`.
 * The one validation shared by HTTP ingest and the GraphQL ingest mutations; `junk` is the
 * service's live `ingest.junkIdentifiers`.
 */
export function validateCalls(
  calls: readonly unknown[],
  receivedAt: Date,
  batched: boolean,
  junk: JunkIdentifiers = DEFAULT_JUNK,
): Validated {
  const events: ActivityEvent[] = [];
  const errors: FieldError[] = [];
  let tooLarge = false;
  calls.forEach((call, index) => {
    const prefix = batched ? `batch[${index}]` : '';
    const field = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
    const json = JSON.stringify(call) ?? '';
    if (Buffer.byteLength(json) > MAX_EVENT_BYTES) {
      tooLarge = true;
      errors.push({
        field: prefix === '' ? '(event)' : prefix,
        message: `an event is at most ${MAX_EVENT_BYTES} bytes`,
      });
      return;
    }
    const normalized = normalizeEvent(call, receivedAt, json, junk);
    if (normalized.ok) events.push(normalized.event);
    else
      errors.push(...normalized.errors.map((e) => ({ field: field(e.field), message: e.message })));
  });
  return errors.length > 0 ? { ok: false, tooLarge, errors } : { ok: true, events };
}
