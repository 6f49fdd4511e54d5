import type http from 'node:http';
import type { Admission } from '../http/graphql-route.ts';
import { signGatewayRequest, verifyGatewayRequest } from './gateway-signature.ts';
import { IDENTITY_HEADERS, callerFromHeaders, type Caller } from './identity-headers.ts';
import { ErrorCode } from '../../schema/errors.ts';

export interface GatewaySignatureSettings {
  /** The HMAC key shared by the gateway and the subgraphs. */
  secret: string;
  /** How old a signature may be, in seconds (clock skew plus transit). */
  maxAgeSeconds: number;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A subgraph serves a request only when the gateway signed it: 401 without a signature (the
 * request went around the gateway), 403 with a wrong or stale one.
 */
export function admitGatewayRequest(
  settings: GatewaySignatureSettings,
  req: http.IncomingMessage,
  body: Buffer,
): Admission<Caller> {
  const subject = header(req, IDENTITY_HEADERS.subject) ?? '';
  const scopes = header(req, IDENTITY_HEADERS.scopes) ?? '';
  const check = verifyGatewayRequest(
    settings.secret,
    header(req, IDENTITY_HEADERS.signature),
    { subject, scopes, body },
    settings.maxAgeSeconds,
  );
  if (check.ok) return { ok: true, caller: callerFromHeaders(subject, scopes) };
  return check.reason === 'missing'
    ? {
        ok: false,
        status: 401,
        code: ErrorCode.Unauthenticated,
        message: 'this subgraph serves only the gateway: send GraphQL requests to the gateway',
      }
    : {
        ok: false,
        status: 403,
        code: ErrorCode.Forbidden,
        message: `the gateway signature is ${check.reason === 'expired' ? 'too old' : 'invalid'}`,
      };
}

/**
 * What the gateway signs for its graphql-ws connection to a subgraph: the connection carries
 * no body and no caller (each subscription names its caller), so the signature covers this
 * fixed text and proves the connection is the gateway's. It is renewed at every reconnect.
 */
export const GATEWAY_CONNECTION_BODY = 'graphql-ws connection';

export function signGatewayConnection(secret: string): Record<string, string> {
  return {
    [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, {
      subject: '',
      scopes: '',
      body: GATEWAY_CONNECTION_BODY,
    }),
  };
}

/** A subgraph accepts a graphql-ws connection only from the gateway (see signGatewayConnection). */
export function admitGatewayConnection(
  settings: GatewaySignatureSettings,
  headers: Record<string, string>,
): boolean {
  return verifyGatewayRequest(
    settings.secret,
    headers[IDENTITY_HEADERS.signature],
    { subject: '', scopes: '', body: GATEWAY_CONNECTION_BODY },
    settings.maxAgeSeconds,
  ).ok;
}
