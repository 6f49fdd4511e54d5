import type http from 'node:http';
import type { Admission, Refusal } from '../http/graphql-route.ts';
import {
  signGatewayRequest,
  verifyGatewayRequest,
  type SignedParts,
  type SignatureFailure,
} from './gateway-signature.ts';
import { IDENTITY_HEADERS, callerFromHeaders, type Caller } from './identity-headers.ts';
import { createReplayCache, type ReplayCache } from './replay-cache.ts';
import { ErrorCode } from '../../schema/errors.ts';
import { canonicalJson } from './canonical-json.ts';

export interface GatewaySignatureSettings {
  /** The HMAC key shared by the gateway and the subgraphs. */
  secret: string;
  /** Secrets still accepted, never used to sign, while the secret rotates. */
  previousSecrets?: readonly string[];
  /** How old a signature may be, in seconds (clock skew plus transit). */
  maxAgeSeconds: number;
  /** Most signatures a subgraph process remembers at once to refuse their replay. */
  replayCacheMaxEntries: number;
}

/**
 * One replay cache per settings object, i.e. per subgraph process: its HTTP route and its
 * WebSocket endpoint are handed the same `config.gatewaySignature` and so share the cache
 * without every subgraph having to wire one through.
 */
const replayCaches = new WeakMap<GatewaySignatureSettings, ReplayCache>();

function replayCacheOf(settings: GatewaySignatureSettings): ReplayCache {
  let cache = replayCaches.get(settings);
  if (cache === undefined) {
    cache = createReplayCache({
      windowSeconds: settings.maxAgeSeconds,
      maxEntries: settings.replayCacheMaxEntries,
    });
    replayCaches.set(settings, cache);
  }
  return cache;
}

/** Why a request is refused, beyond "unsigned" (401): each with a stable `extensions.reason`. */
export type TrustFailure = Exclude<SignatureFailure, 'missing'> | 'replayed' | 'full';

const FAILURE_MESSAGES: Record<Exclude<TrustFailure, 'full'>, string> = {
  malformed: 'the gateway signature is malformed',
  outdated: 'the gateway signature is of an old version (v1): gateway and subgraphs must match',
  expired: 'the gateway signature is too old',
  mismatch: 'the gateway signature is invalid',
  replayed: 'the gateway signature was already used: a request is served once',
};

/** Checks a signature and accepts it once; `undefined` when the request may be served. */
function checkOnce(
  settings: GatewaySignatureSettings,
  signature: string | undefined,
  parts: SignedParts,
): SignatureFailure | 'replayed' | 'full' | undefined {
  const check = verifyGatewayRequest(
    [settings.secret, ...(settings.previousSecrets ?? [])],
    signature,
    parts,
    settings.maxAgeSeconds,
  );
  if (!check.ok) return check.reason;
  const verdict = replayCacheOf(settings).admit(check.timestamp, check.nonce);
  return verdict === 'fresh' ? undefined : verdict;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refusal(failure: SignatureFailure | 'replayed' | 'full'): Refusal {
  switch (failure) {
    case 'missing':
      return {
        status: 401,
        code: ErrorCode.Unauthenticated,
        message: 'this subgraph serves only the gateway: send GraphQL requests to the gateway',
      };
    case 'full':
      return {
        status: 503,
        code: ErrorCode.ServiceUnavailable,
        message: 'too many gateway requests inside the signature window, retry later',
        extensions: { reason: failure },
        headers: { 'retry-after': '1' },
      };
    case 'malformed':
    case 'outdated':
    case 'expired':
    case 'mismatch':
    case 'replayed':
      return {
        status: 403,
        code: ErrorCode.Forbidden,
        message: FAILURE_MESSAGES[failure],
        extensions: { reason: failure },
      };
    default: {
      const unreachable: never = failure;
      throw new Error(`unknown signature failure ${String(unreachable)}`);
    }
  }
}

/** Checks a signature over `parts` and accepts it once: the caller it names, or why not. */
function admitSigned(
  settings: GatewaySignatureSettings,
  signature: string | undefined,
  parts: SignedParts,
): Admission<Caller> {
  const failure = checkOnce(settings, signature, parts);
  if (failure === undefined)
    return { ok: true, caller: callerFromHeaders(parts.subject, parts.scopes) };
  return { ok: false, ...refusal(failure) };
}

/**
 * A subgraph serves a request only when the gateway signed exactly this request, once: 405
 * for anything but POST (the gateway only POSTs; a GET would put the operation in the URL),
 * 401 without a signature (the request went around the gateway), 403 with a wrong, stale or
 * already used one.
 */
export function admitGatewayRequest(
  settings: GatewaySignatureSettings,
  req: http.IncomingMessage,
  body: Buffer,
): Admission<Caller> {
  if (req.method !== 'POST')
    return {
      ok: false,
      status: 405,
      code: ErrorCode.MethodNotAllowed,
      message: 'this subgraph takes GraphQL operations by POST from the gateway only',
      headers: { allow: 'POST' },
    };
  return admitSigned(settings, header(req, IDENTITY_HEADERS.signature), {
    method: req.method,
    target: req.url ?? '',
    subject: header(req, IDENTITY_HEADERS.subject) ?? '',
    scopes: header(req, IDENTITY_HEADERS.scopes) ?? '',
    body,
  });
}

/**
 * What the gateway signs for its graphql-ws connection to a subgraph: the connection carries
 * no body and no caller (each subscription names and signs its own), so the signature covers
 * this fixed text under a pseudo-method no HTTP request has, and proves the connection is the
 * gateway's. It is made anew, with a new nonce, at every (re)connect.
 */
export const GATEWAY_CONNECTION_BODY = 'graphql-ws connection';
const CONNECTION_PARTS: SignedParts = {
  method: 'GRAPHQL-WS',
  target: '',
  subject: '',
  scopes: '',
  body: GATEWAY_CONNECTION_BODY,
};

export function signGatewayConnection(secret: string): Record<string, string> {
  return { [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, CONNECTION_PARTS) };
}

/** A subgraph accepts a graphql-ws connection only from the gateway, each signature once. */
export function admitGatewayConnection(
  settings: GatewaySignatureSettings,
  headers: Record<string, string>,
): boolean {
  return checkOnce(settings, headers[IDENTITY_HEADERS.signature], CONNECTION_PARTS) === undefined;
}

/** What a subgraph executes of a graphql-ws subscribe payload: all its signature covers. */
export interface SubscribeOperation {
  query: string;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
}

/**
 * One subscribe on the gateway's connection, signed like an HTTP request under its own
 * pseudo-method: its caller (subject, scopes) and the operation (query, operation name,
 * variables as canonical JSON, since the subgraph only sees them parsed). The connection's
 * signature proves the socket is the gateway's, this one that the gateway sent this caller
 * with this operation, so a subscribe injected on the socket can pick neither.
 */
export const GATEWAY_SUBSCRIBE_METHOD = 'GRAPHQL-WS-SUBSCRIBE';

function subscribeParts(
  operation: SubscribeOperation,
  subject: string,
  scopes: string,
): SignedParts {
  return {
    method: GATEWAY_SUBSCRIBE_METHOD,
    target: '',
    subject,
    scopes,
    // Absent and null mean the same to graphql-ws and GraphQL, so they are signed the same.
    body: canonicalJson({
      query: operation.query,
      operationName: operation.operationName ?? null,
      variables: operation.variables ?? {},
    }),
  };
}

/**
 * The `extensions.headers` of one subscribe as sent now: the caller's identity headers and a
 * signature of this moment with a new nonce. Made at every send of the subscribe, including
 * graphql-ws's re-sends after a reconnect, which a signature made once would make expired or
 * replayed.
 */
export function signGatewaySubscribe(
  secret: string,
  operation: SubscribeOperation,
  identity: Record<string, string>,
): Record<string, string> {
  const parts = subscribeParts(
    operation,
    identity[IDENTITY_HEADERS.subject] ?? '',
    identity[IDENTITY_HEADERS.scopes] ?? '',
  );
  return { ...identity, [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, parts) };
}

/**
 * A subgraph executes a subscribe only when the gateway signed exactly this caller and
 * operation, once: the same refusals as HTTP (the status is for HTTP only).
 */
export function admitGatewaySubscribe(
  settings: GatewaySignatureSettings,
  operation: SubscribeOperation,
  headers: Record<string, string>,
): Admission<Caller> {
  return admitSigned(
    settings,
    headers[IDENTITY_HEADERS.signature],
    subscribeParts(
      operation,
      headers[IDENTITY_HEADERS.subject] ?? '',
      headers[IDENTITY_HEADERS.scopes] ?? '',
    ),
  );
}
