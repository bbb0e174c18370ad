// Resolves the served alias (INSITU_SERVED_ALIAS) to the model its route names, so a promotion or a rollback
// is live without a restart. Only requests that name the alias pay for it: one state read, cached for a
// second per process (a promotion reaches every replica within that), and bounded by INSITU_STATE_TIMEOUT_MS.
// Without a route, or when state is unreachable, the alias goes upstream unchanged.
import type { Logger } from '../src/log.js';
import { pickModel, type Route, type RouteStore } from '../src/routing/routes.js';
import { withTimeout } from '../src/timeout.js';

export interface ModelRouter {
  /** The model to send upstream instead of `requested`, or null to leave the request as it is. */
  resolve(requested: unknown): Promise<string | null>;
}

const CACHE_MS = 1000;

export function createModelRouter(params: { routes: RouteStore; alias: string; timeoutMs: number; logger: Logger }): ModelRouter {
  let cached: { at: number; route: Route | null } | undefined;
  let loading: Promise<Route | null> | undefined;
  const load = async (): Promise<Route | null> => {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.route;
    loading ??= withTimeout(params.routes.get(params.alias), params.timeoutMs, `no route within ${params.timeoutMs} ms`)
      .then((route) => ((cached = { at: Date.now(), route }), route))
      .finally(() => (loading = undefined));
    return loading;
  };
  return {
    async resolve(requested) {
      if (requested !== params.alias) return null;
      try {
        const route = await load();
        return route ? pickModel(route) : null;
      } catch (error) {
        params.logger.warn('route unavailable; alias sent upstream unchanged', { alias: params.alias, error });
        return cached?.route ? pickModel(cached.route) : null;
      }
    },
  };
}
