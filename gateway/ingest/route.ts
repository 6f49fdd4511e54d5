import type http from 'node:http';
import { Counter, type Registry } from 'prom-client';
import {
  ACCEPTED_ENCODINGS,
  CorruptBodyError,
  PayloadTooLargeError,
  readBody,
  UnsupportedEncodingError,
} from '../../lib/http/read-body.ts';
import { sendJson, type RouteHandler } from '../../lib/http/service-server.ts';
import type { FieldError } from '../../events/field-errors.ts';
import type { JunkIdentifiers } from '../../events/junk-identifiers.ts';
import { IngestUnavailableError, type EventProducer } from '../../events/producer.ts';
import { validateCalls } from '../../events/validate.ts';
import {
  EVENT_TYPES,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
} from '../../schema/event.ts';
import type { IngestRateLimiter } from './rate-limit.ts';
import { writeKeyOf } from './write-key.ts';

export interface IngestRouteOptions {
  producer: EventProducer;
  /** Current accepted write keys; a function so a live config reload takes effect at once. */
  writeKeys(): ReadonlySet<string>;
  /** Ids refused as SDK mistakes (`ingest.junkIdentifiers`), a function for the same reason. */
  junkIdentifiers(): JunkIdentifiers;
  /** The `Retry-After` of a 503, in seconds. */
  retryAfterSeconds: number;
  /** Events per write key; a request over its key's rate is refused whole with a 429. */
  rateLimiter: IngestRateLimiter;
  /** Where `pulsehub_ingest_requests_total` is registered (the gateway's registry). */
  metrics: Registry;
}

const SINGLE_PATHS = new Map(EVENT_TYPES.map((type) => [`/v1/${type}`, type]));

/** An answer other than 200, with its exact message (and field errors for a 400). */
class Rejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
    readonly headers: http.OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `{ batch: [...] }` or a single call, typed by the path for the single-call endpoints. */
function callsOf(path: string, body: unknown): unknown[] {
  if (!isObject(body)) throw new Rejection(400, 'the body must be a JSON object');
  if (path !== '/v1/batch') return [{ ...body, type: SINGLE_PATHS.get(path) }];
  const { batch, context, sentAt } = body;
  if (!Array.isArray(batch))
    throw new Rejection(400, 'invalid batch', [{ field: 'batch', message: 'expected an array' }]);
  if (batch.length === 0)
    throw new Rejection(400, 'invalid batch', [{ field: 'batch', message: 'the batch is empty' }]);
  if (batch.length > MAX_BATCH_EVENTS)
    throw new Rejection(413, `a batch holds at most ${MAX_BATCH_EVENTS} events`);
  // Segment lets a batch carry a shared context and sentAt for every call lacking its own.
  return batch.map((call: unknown) =>
    isObject(call)
      ? {
          ...(context !== undefined && !('context' in call) ? { context } : {}),
          ...(sentAt !== undefined && !('sentAt' in call) ? { sentAt } : {}),
          ...call,
        }
      : call,
  );
}

async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  let raw: Buffer;
  try {
    // Some SDKs (rudder-sdk-node by default) gzip; the limits apply to the inflated body.
    raw = await readBody(req, limit, { decode: true });
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw new Rejection(413, `the ${error.message}`);
    if (error instanceof UnsupportedEncodingError)
      // RFC 7694: a 415 for a content coding names the codings the server accepts.
      throw new Rejection(415, error.message, [], {
        'accept-encoding': ACCEPTED_ENCODINGS.join(', '),
      });
    if (error instanceof CorruptBodyError) throw new Rejection(400, error.message);
    throw error;
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new Rejection(400, `malformed JSON: ${(error as Error).message}`);
  }
}

/**
 * The Segment HTTP tracking API (`POST /v1/{track,identify,page,screen,group,alias,batch}`).
 * Answers 200 only after Kafka acknowledged every event of the request, 503 with Retry-After
 * when it could not (in bounded time), and otherwise:
 * 405 not POST · 413 body over 32 KB (single) / 500 KB (batch), an event over 32 KB, or more
 * than 2,500 events · 400 malformed JSON, a corrupt compressed body, or invalid fields (each
 * named) · 401 missing or unknown write key · 415 a Content-Encoding other than gzip, deflate
 * or identity · 429 the write key is over its rate (`Retry-After` from its bucket). The size
 * limits apply to the decompressed body. A request is all or nothing: one invalid call
 * rejects the whole batch, and a 429 is decided before anything is produced.
 */
export function ingestRoute(options: IngestRouteOptions): RouteHandler {
  const requests = ingestRequestCounter(options.metrics);
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/v1/batch' && !SINGLE_PATHS.has(path)) return false;
    try {
      await answer(options, path, req, res);
    } catch (error) {
      // The service server answers what no branch here did with a 500.
      requests.inc({ code: '500' });
      throw error;
    }
    requests.inc({ code: String(res.statusCode) });
    return true;
  };
}

/**
 * Requests by the status code answered: a bounded set (the codes listed above, 500), one
 * counter increment per request. The codes alerts read exist from the start at 0, so a rate
 * over them is defined before the first failure.
 */
function ingestRequestCounter(registry: Registry): Counter<'code'> {
  const counter = new Counter({
    name: 'pulsehub_ingest_requests_total',
    help: 'Segment ingest requests (/v1/*) answered, by HTTP status code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  for (const code of ['200', '500', '503']) counter.inc({ code }, 0);
  return counter;
}

async function answer(
  options: IngestRouteOptions,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    if (req.method !== 'POST') {
      sendJson(res, 405, { success: false, error: 'use POST' }, { allow: 'POST' });
      return;
    }
    const body = await readJson(req, path === '/v1/batch' ? MAX_BATCH_BYTES : MAX_EVENT_BYTES);
    const writeKey = writeKeyOf(req, body);
    if (writeKey === undefined)
      throw new Rejection(401, 'missing write key (HTTP Basic auth user or body writeKey)');
    if (!options.writeKeys().has(writeKey)) throw new Rejection(401, 'unknown write key');
    const calls = callsOf(path, body);
    // Before validation: a key over its rate costs the gateway no per-event work.
    const admission = options.rateLimiter.admit(writeKey, calls.length);
    if (!admission.ok)
      throw new Rejection(429, 'rate limit exceeded for this write key, retry later', [], {
        'retry-after': String(admission.retryAfterSeconds),
      });
    const validated = validateCalls(
      calls,
      new Date(),
      path === '/v1/batch',
      options.junkIdentifiers(),
    );
    if (!validated.ok)
      throw new Rejection(
        validated.tooLarge ? 413 : 400,
        validated.tooLarge ? 'event too large' : 'invalid event',
        validated.errors,
      );
    await options.producer.produce(validated.events);
    sendJson(res, 200, { success: true });
  } catch (error) {
    if (error instanceof Rejection)
      sendJson(
        res,
        error.status,
        {
          success: false,
          error: error.message,
          ...(error.errors.length > 0 ? { errors: error.errors } : {}),
        },
        {
          ...error.headers,
          // A body refused part-way leaves unread bytes on the connection: reusing it would
          // parse them as the next request, so the client must open a new one.
          ...(req.complete ? {} : { connection: 'close' }),
        },
      );
    else if (error instanceof IngestUnavailableError)
      sendJson(
        res,
        503,
        { success: false, error: 'event store unavailable, retry later' },
        { 'retry-after': String(options.retryAfterSeconds) },
      );
    else throw error;
  }
}
