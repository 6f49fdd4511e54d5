import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The gateway signs every subgraph request with a secret it shares with the subgraphs:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256>` over the timestamp, the identity headers and the
 * exact body bytes. A subgraph serves only requests whose signature matches and is recent, so
 * neither a request around the gateway nor an edited identity or query gets through.
 */
export interface SignedParts {
  subject: string;
  scopes: string;
  body: string | Buffer;
}

function mac(secret: string, timestamp: number, parts: SignedParts): Buffer {
  return createHmac('sha256', secret)
    .update(`${timestamp}\n${parts.subject}\n${parts.scopes}\n`)
    .update(parts.body)
    .digest();
}

export function signGatewayRequest(
  secret: string,
  parts: SignedParts,
  nowMs: number = Date.now(),
): string {
  const timestamp = Math.floor(nowMs / 1_000);
  return `t=${timestamp},v1=${mac(secret, timestamp, parts).toString('hex')}`;
}

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

const SIGNATURE_PATTERN = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/;

export function verifyGatewayRequest(
  secret: string,
  signature: string | undefined,
  parts: SignedParts,
  maxAgeSeconds: number,
  nowMs: number = Date.now(),
): SignatureCheck {
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing' };
  const match = SIGNATURE_PATTERN.exec(signature);
  if (match === null) return { ok: false, reason: 'malformed' };
  const timestamp = Number(match[1]);
  if (Math.abs(nowMs / 1_000 - timestamp) > maxAgeSeconds) return { ok: false, reason: 'expired' };
  const expected = mac(secret, timestamp, parts);
  const given = Buffer.from(match[2] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
