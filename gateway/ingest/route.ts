import type http from 'node:http';
import { PayloadTooLargeError, readBody } from '../../lib/http/read-body.ts';
import { sendJson, type RouteHandler } from '../../lib/http/service-server.ts';
import { normalizeEvent, type FieldError } from '../../lib/ingest/normalize.ts';
import { IngestUnavailableError, type EventProducer } from '../../lib/ingest/producer.ts';
import {
  EVENT_TYPES,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  type ActivityEvent,
} from '../../schema/event.ts';
import { writeKeyOf } from './write-key.ts';

export interface IngestRouteOptions {
  producer: EventProducer;
  /** Current accepted write keys; a function so a live config reload takes effect at once. */
  writeKeys(): ReadonlySet<string>;
}

const SINGLE_PATHS = new Map(EVENT_TYPES.map((type) => [`/v1/${type}`, type]));

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Reads `{ batch: [...] }` or a single call, typed by the path for the single-call endpoints. */
function callsOf(path: string, body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest(400, 'the body must be a JSON object');
  if (path === '/v1/batch') {
    const batch = (body as { batch?: unknown }).batch;
    if (!Array.isArray(batch))
      throw new BadRequest(400, 'batch must be an array of events', [
        { field: 'batch', message: 'expected an array' },
      ]);
    if (batch.length > MAX_BATCH_EVENTS)
      throw new BadRequest(413, `a batch holds at most ${MAX_BATCH_EVENTS} events`);
    const context = (body as { context?: unknown }).context;
    // Segment lets a batch carry a shared context that applies to every call lacking one.
    return batch.map((call: unknown) =>
      context !== undefined && typeof call === 'object' && call !== null && !('context' in call)
        ? { ...call, context }
        : call,
    );
  }
  const type = SINGLE_PATHS.get(path);
  return [{ ...body, type }];
}

function validateAll(calls: unknown[], receivedAt: Date): ActivityEvent[] {
  const events: ActivityEvent[] = [];
  const errors: FieldError[] = [];
  calls.forEach((call, index) => {
    const prefix = calls.length > 1 || typeof call === 'object' ? `batch[${index}].` : '';
    if (Buffer.byteLength(JSON.stringify(call)) > MAX_EVENT_BYTES) {
      errors.push({
        field: prefix.replace(/\.$/, '') || '(event)',
        message: `an event is at most ${MAX_EVENT_BYTES} bytes`,
      });
      return;
    }
    const normalized = normalizeEvent(call, receivedAt);
    if (normalized.ok) events.push(normalized.event);
    else
      errors.push(
        ...normalized.errors.map((e) => ({
          field: calls.length > 1 ? `${prefix}${e.field}` : e.field,
          message: e.message,
        })),
      );
  });
  if (errors.some((e) => e.message.includes('at most')))
    throw new BadRequest(413, 'event too large', errors);
  if (errors.length > 0) throw new BadRequest(400, 'invalid event', errors);
  return events;
}

/**
 * The Segment HTTP tracking API (`POST /v1/{track,identify,page,screen,group,alias,batch}`).
 * Answers 200 only after Kafka acknowledged every event of the request, 503 when it could not.
 */
export function ingestRoute(options: IngestRouteOptions): RouteHandler {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/v1/batch' && !SINGLE_PATHS.has(path)) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return true;
    }
    try {
      const limit = path === '/v1/batch' ? MAX_BATCH_BYTES : MAX_EVENT_BYTES;
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, limit)).toString('utf8'));
      } catch (error) {
        if (error instanceof PayloadTooLargeError)
          throw new BadRequest(413, `request body exceeds ${limit} bytes`);
        throw new BadRequest(400, `malformed JSON: ${(error as Error).message}`);
      }
      const writeKey = writeKeyOf(req, body);
      if (writeKey === undefined)
        throw new BadRequest(401, 'missing write key (HTTP Basic auth user or body writeKey)');
      if (!options.writeKeys().has(writeKey)) throw new BadRequest(401, 'unknown write key');
      const events = validateAll(callsOf(path, body), new Date());
      await options.producer.produce(events);
      sendJson(res, 200, { success: true });
    } catch (error) {
      if (error instanceof BadRequest)
        sendJson(res, error.status, {
          success: false,
          error: error.message,
          ...(error.errors.length > 0 ? { errors: error.errors } : {}),
        });
      else if (error instanceof IngestUnavailableError)
        sendJson(
          res,
          503,
          { success: false, error: 'event store unavailable, retry later' },
          { 'retry-after': '1' },
        );
      else throw error;
    }
    return true;
  };
}
