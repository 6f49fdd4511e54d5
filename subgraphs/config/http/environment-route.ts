import { parseProfiles } from '../../../config/client/sources.ts';
import { sendJson, type RouteHandler } from '../../../lib/http/service-server.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { ConfigStore } from '../config-store.ts';
import { EnvironmentRequestError } from '../environment.ts';
import { decryptSecrets } from '../secrets/mask.ts';
import { toSpringEnvironment } from '../spring-environment.ts';
import { authenticated, WWW_AUTHENTICATE, type EndpointCredentials } from './credentials.ts';

export interface EnvironmentRouteOptions {
  store: ConfigStore;
  /** Who may read decrypted configuration (config/config.yml `auth`). */
  credentials: EndpointCredentials;
  logger: Logger;
}

/**
 * `GET /config/{application}/{profile}[/{label}]`: Spring Cloud Config's environment endpoint,
 * secrets decrypted, for the services loading their configuration, so authenticated callers
 * only. `(_)` in a label stands for
 * `/`, as in Spring. `?nested=true` keeps each source's YAML structure.
 */
export function environmentRoute(options: EnvironmentRouteOptions): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://config');
    const parts = url.pathname.split('/').slice(1);
    if (parts[0] !== 'config') return false;
    // Before anything else: no answer under /config, not even a 404, to an unknown caller.
    if (!authenticated(req.headers.authorization, options.credentials)) {
      // Who and where, never what was presented: a mistyped password is still a password.
      options.logger.warn(
        { remoteAddress: req.socket.remoteAddress, path: url.pathname },
        'configuration request refused: no valid credentials',
      );
      sendJson(
        res,
        401,
        {
          error:
            'authentication required: HTTP Basic (configServer.username/password) or a bearer token',
        },
        { 'www-authenticate': WWW_AUTHENTICATE },
      );
      return true;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'use GET' }, { allow: 'GET' });
      return true;
    }
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === '')) {
      sendJson(res, 404, { error: 'use /config/{application}/{profile}[/{label}]' });
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
