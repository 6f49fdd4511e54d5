import type http from 'node:http';

/**
 * The page's Content-Security-Policy: its own scripts, styles and API only. No inline script
 * or style element, no framing, no plugins; WebSockets only to this host (graphql-ws).
 */
export function contentSecurityPolicy(host: string | undefined): string {
  // The Host header is only echoed back to the client that sent it; a malformed one gets
  // 'self' alone (which CSP 3 browsers extend to same-host WebSockets anyway).
  const sameHost = host !== undefined && /^[A-Za-z0-9.\-[\]:]+$/.test(host);
  const sockets = sameHost ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Headers every dashboard answer carries. */
export function pageHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  return {
    'content-security-policy': contentSecurityPolicy(req.headers.host),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/** The index is checked on every load (it names the current assets), assets never change. */
export const INDEX_CACHE = 'no-cache';
export const ASSET_CACHE = 'public, max-age=31536000, immutable';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
