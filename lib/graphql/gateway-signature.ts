import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * The gateway signs every subgraph request with a secret it shares with the subgraphs:
 * `t=<unix seconds>,n=<nonce>,v2=<hex HMAC-SHA256>` over the method, the request target (path
 * and query string), the timestamp, the identity headers, the nonce and the exact body bytes.
 * A subgraph serves only requests whose signature matches and is recent, so neither a request
 * around the gateway nor an edited identity, query, method or path gets through; the nonce
 * makes two identical legitimate requests differ, so the subgraph's replay cache
 * (replay-cache.ts) can accept each signature once.
 */
export interface SignedParts {
  /**
   * The HTTP method as sent (`POST`), or a pseudo-method no HTTP request has for a non-HTTP use:
   * `GRAPHQL-WS` (the gateway's graphql-ws connection), `GRAPHQL-WS-SUBSCRIBE` (each subscribe
   * on it), so no signature works as another kind.
   */
  method: string;
  /** The request target as sent on the request line: path and query string (`/graphql?a=1`). */
  target: string;
  subject: string;
  scopes: string;
  body: string | Buffer;
}

/** The version this code signs and accepts; `v1` (no method, target or nonce) is refused. */
const VERSION = 'v2';

/**
 * 122 random bits: unique per request with overwhelming probability. A random UUID, because
 * Node serves it from a cached pool of CSPRNG bytes (~0.3 µs) where `randomBytes(16)` is a
 * call into OpenSSL per request (~5 µs), on the gateway's hot path.
 */
export function newNonce(): string {
  return randomUUID();
}

function mac(secret: string, timestamp: number, nonce: string, parts: SignedParts): Buffer {
  // Every field but the body is a header value or request-line part, which cannot hold a
  // newline, so the joined text is unambiguous; the body comes last and may hold anything.
  return createHmac('sha256', secret)
    .update(
      `${VERSION}\n${parts.method}\n${parts.target}\n${timestamp}\n${parts.subject}\n${parts.scopes}\n${nonce}\n`,
    )
    .update(parts.body)
    .digest();
}

export function signGatewayRequest(
  secret: string,
  parts: SignedParts,
  nowMs: number = Date.now(),
  nonce: string = newNonce(),
): string {
  const timestamp = Math.floor(nowMs / 1_000);
  return `t=${timestamp},n=${nonce},${VERSION}=${mac(secret, timestamp, nonce, parts).toString('hex')}`;
}

export type SignatureFailure = 'missing' | 'malformed' | 'outdated' | 'expired' | 'mismatch';

/** A valid signature names its timestamp and nonce, for the replay cache. */
export type SignatureCheck =
  { ok: true; timestamp: number; nonce: string } | { ok: false; reason: SignatureFailure };

const SIGNATURE_PATTERN = /^t=(\d{1,12}),n=([0-9a-f-]{36}),v2=([0-9a-f]{64})$/;
/** A signature of the previous version: refused, but named, so a mixed deployment is obvious. */
const V1_PATTERN = /^t=\d{1,12},v1=[0-9a-f]{64}$/;

/**
 * Checks a signature against the current secret and any previous ones still accepted during a
 * rotation (`gatewaySignature.previousSecrets`): the gateway signs with one, subgraphs accept
 * either, so gateways and subgraphs need not switch at the same instant.
 */
export function verifyGatewayRequest(
  secrets: string | readonly string[],
  signature: string | undefined,
  parts: SignedParts,
  maxAgeSeconds: number,
  nowMs: number = Date.now(),
): SignatureCheck {
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing' };
  const match = SIGNATURE_PATTERN.exec(signature);
  if (match === null)
    return { ok: false, reason: V1_PATTERN.test(signature) ? 'outdated' : 'malformed' };
  const timestamp = Number(match[1]);
  const nonce = match[2] ?? '';
  if (Math.abs(nowMs / 1_000 - timestamp) > maxAgeSeconds) return { ok: false, reason: 'expired' };
  const given = Buffer.from(match[3] ?? '', 'hex');
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = mac(secret, timestamp, nonce, parts);
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, timestamp, nonce };
  }
  return { ok: false, reason: 'mismatch' };
}
