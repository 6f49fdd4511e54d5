import type http from 'node:http';
import path from 'node:path';
import { sendJson } from '../../lib/http/service-server.ts';
import { DEV_PUBLIC_KEY_FILE, ensureDevKeyPair, mintToken } from '../auth/dev-keys.ts';
import type { AuthSettings } from '../config.ts';
import { REPO_ROOT } from '../repo-root.ts';

/** What a development sign-in grants: reading, never writing or deleting. */
export const DASHBOARD_SCOPES = [
  'profiles:read',
  'activities:read',
  'config:read',
  'system:read',
] as const;
export const DASHBOARD_SUBJECT = 'dashboard-dev';
export const DASHBOARD_TOKEN_SECONDS = 3_600; // 1 hour

/**
 * Whether the gateway verifies tokens with the development key `npm start` creates (and
 * nothing else): only then can a token minted with its private key be checked by this gateway.
 */
export function trustsDevelopmentKey(auth: AuthSettings): boolean {
  return (
    auth.jwksUrl === '' &&
    auth.publicKey === '' &&
    auth.publicKeyFile !== '' &&
    path.resolve(REPO_ROOT, auth.publicKeyFile) === DEV_PUBLIC_KEY_FILE
  );
}

/** A browser on another site may POST here too; it must not obtain a token (CSRF). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * POST /dashboard/session: a short-lived read-only token signed with the development key, so
 * the page signs itself in during development. Production refuses `dashboard.devSignIn`.
 */
export function devSessionHandler(auth: AuthSettings) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!sameOrigin(req)) return sendJson(res, 403, { error: 'cross-origin sign-in refused' });
    const { privateKey } = await ensureDevKeyPair();
    const token = await mintToken(privateKey, {
      subject: DASHBOARD_SUBJECT,
      scopes: DASHBOARD_SCOPES,
      expiresInSeconds: DASHBOARD_TOKEN_SECONDS,
      issuer: auth.issuer,
      audience: auth.audience,
    });
    sendJson(
      res,
      200,
      { token, scopes: DASHBOARD_SCOPES, expiresInSeconds: DASHBOARD_TOKEN_SECONDS },
      { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    );
  };
}
