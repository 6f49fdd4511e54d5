import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { parseProfiles } from '../../../config/client/sources.ts';
import { sendJson, type RouteHandler } from '../../../lib/http/service-server.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { ConfigStore } from '../config-store.ts';
import { EnvironmentRequestError } from '../environment.ts';
import { decryptSecrets } from '../secrets/mask.ts';
import { toSpringEnvironment } from '../spring-environment.ts';

export interface EnvironmentRouteOptions {
  store: ConfigStore;
  /** Shared secret (configServer.token); empty: only loopback callers are answered. */
  token: string;
  logger: Logger;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Why a caller may not read decrypted configuration, or undefined when it may. With a token
 * configured every caller must present it; without one only this machine is answered.
 */
export function refusal(
  req: Pick<http.IncomingMessage, 'headers' | 'socket'>,
  token: string,
): { status: number; error: string } | undefined {
  if (token === '')
    return LOOPBACK.has(req.socket.remoteAddress ?? '')
      ? undefined
      : {
          status: 403,
          error: 'configuration is served to loopback callers only (set configServer.token)',
        };
  const header = req.headers.authorization ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return presented !== '' && timingSafeEqual(digest(presented), digest(token))
    ? undefined
    : { status: 401, error: 'missing or wrong bearer token' };
}

/**
 * `GET /config/{application}/{profile}[/{label}]`: Spring Cloud Config's environment endpoint,
 * secrets decrypted, for the services loading their configuration. `(_)` in a label stands for
 * `/`, as in Spring. `?nested=true` keeps each source's YAML structure.
 */
export function environmentRoute(options: EnvironmentRouteOptions): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://config');
    const parts = url.pathname.split('/').slice(1);
    if (parts[0] !== 'config') return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
      return true;
    }
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === '')) {
      sendJson(res, 404, { error: 'use /config/{application}/{profile}[/{label}]' });
      return true;
    }
    const denied = refusal(req, options.token);
    if (denied) {
      sendJson(res, denied.status, { error: denied.error });
      return true;
    }
    const [application = '', profile = '', label] = parts.slice(1).map(decodeURIComponent);
    try {
      const environment = await options.store.environment(
        application,
        parseProfiles(profile),
        label?.replaceAll('(_)', '/'),
      );
      const cipher = options.store.cipher();
      const sources = [];
      for (const source of environment.sources) {
        const { tree, failures } = decryptSecrets(source.source, cipher);
        if (failures.length > 0) {
          sendJson(res, 422, {
            error: `cannot decrypt ${failures.join(', ')} in ${source.name} (wrong key or damaged value)`,
          });
          return true;
        }
        sources.push({ name: source.name, source: tree });
      }
      options.logger.debug(
        { application, profile, label, version: environment.version },
        'configuration served',
      );
      sendJson(
        res,
        200,
        toSpringEnvironment(environment, sources, {
          uri: options.store.uri,
          nested: url.searchParams.get('nested') === 'true',
        }),
      );
    } catch (error) {
      if (!(error instanceof EnvironmentRequestError)) throw error;
      // Spring answers an unknown label with 404.
      sendJson(res, error.kind === 'unknown-label' ? 404 : 400, { error: error.message });
    }
    return true;
  };
}
