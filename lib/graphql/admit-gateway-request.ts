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

export interface GatewaySignatureSettings {
  /** The HMAC key shared by the gateway and the subgraphs. */
  secret: string;
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
  const check = verifyGatewayRequest(settings.secret, signature, parts, settings.maxAgeSeconds);
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
  const subject = header(req, IDENTITY_HEADERS.subject) ?? '';
  const scopes = header(req, IDENTITY_HEADERS.scopes) ?? '';
  const failure = checkOnce(settings, header(req, IDENTITY_HEADERS.signature), {
    method: req.method,
    target: req.url ?? '',
    subject,
    scopes,
    body,
  });
  if (failure === undefined) return { ok: true, caller: callerFromHeaders(subject, scopes) };
  return { ok: false, ...refusal(failure) };
}

/**
 * What the gateway signs for its graphql-ws connection to a subgraph: the connection carries
 * no body and no caller (each subscription names its caller), so the signature covers this
 * fixed text under a pseudo-method no HTTP request has, and proves the connection is the
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
