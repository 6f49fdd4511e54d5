import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { ASSET_DIR, DASHBOARD_BUILD_DIR } from '../../dashboard/build.ts';
import type { RouteHandler } from '../../lib/http/service-server.ts';
import { ASSET_CACHE, CONTENT_TYPES, INDEX_CACHE, pageHeaders } from './headers.ts';

export interface DashboardRouteOptions {
  /** The built page (default .cache/dashboard). */
  buildDir?: string;
  /** POST /dashboard/session, present only when development sign-in is on. */
  devSession?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

/** Built asset names: esbuild's `[name]-[hash].ext`, never a path. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(?:js|css)(?:\.map)?$/;

/** The page's marker telling its script whether POST /dashboard/session exists. */
const SIGN_IN_MARKER = '<meta name="pulsehub-sign-in" content="token" />';
const DEV_SIGN_IN_MARKER = '<meta name="pulsehub-sign-in" content="development" />';

async function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  cacheControl: string,
  transform: (body: Buffer) => Buffer = (body) => body,
): Promise<boolean> {
  let body: Buffer;
  try {
    body = transform(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  res.writeHead(200, {
    ...pageHeaders(req),
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': cacheControl,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** GET /dashboard (and /dashboard/), its hashed assets, and the development sign-in. */
export function dashboardRoute(options: DashboardRouteOptions = {}): RouteHandler {
  const buildDir = options.buildDir ?? DASHBOARD_BUILD_DIR;
  return async (req, res) => {
    const url = (req.url ?? '/').split('?')[0] ?? '/';
    if (url !== '/dashboard' && !url.startsWith('/dashboard/')) return false;
    if (url === '/dashboard/session' && req.method === 'POST' && options.devSession) {
      await options.devSession(req, res);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url === '/dashboard' || url === '/dashboard/')
      return sendFile(req, res, path.join(buildDir, 'index.html'), INDEX_CACHE, (body) =>
        options.devSession
          ? Buffer.from(body.toString('utf8').replace(SIGN_IN_MARKER, DEV_SIGN_IN_MARKER))
          : body,
      );
    const assetPrefix = `/dashboard/${ASSET_DIR}/`;
    if (!url.startsWith(assetPrefix)) return false;
    const name = url.slice(assetPrefix.length);
    if (!ASSET_NAME.test(name)) return false;
    return sendFile(req, res, path.join(buildDir, ASSET_DIR, name), ASSET_CACHE);
  };
}
