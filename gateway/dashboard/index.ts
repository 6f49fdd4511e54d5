import type { Component } from '../../lib/lifecycle.ts';
import type { RouteHandler } from '../../lib/http/service-server.ts';
import type { Logger } from '../../lib/logger.ts';
import type { GatewayConfig } from '../config.ts';
import { dashboardBuildComponent } from './build-component.ts';
import { devSessionHandler, trustsDevelopmentKey } from './dev-session.ts';
import { dashboardRoute } from './route.ts';

export interface Dashboard {
  /** Builds the page at start when needed. */
  components: Component[];
  routes: RouteHandler[];
}

/** The live dashboard at /dashboard, a client of this gateway's own public API. */
export function createDashboard(config: GatewayConfig, logger: Logger): Dashboard {
  if (!config.dashboard.enabled) return { components: [], routes: [] };
  const devSignIn = config.dashboard.devSignIn && trustsDevelopmentKey(config.auth);
  if (config.dashboard.devSignIn && !devSignIn)
    logger.warn(
      'dashboard.devSignIn is on but the gateway does not trust the development key: the page asks for a token',
    );
  return {
    components: [dashboardBuildComponent(logger)],
    routes: [dashboardRoute(devSignIn ? { devSession: devSessionHandler(config.auth) } : {})],
  };
}
