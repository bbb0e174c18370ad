// Routes: which model the served alias (INSITU_SERVED_ALIAS) means right now. Promotion writes them to state;
// the proxy resolves the alias on each request, so a promotion or a rollback is live without a restart.
// Each alias keeps a short history, newest first, so `insitu routes --rollback` can go back.
import type { StateStore } from '../state/types.js';

export interface Route {
  alias: string;
  /** The model the alias serves. */
  model: string;
  /** Optional canary: this share of requests (0-100) goes to `canary.model` instead. */
  canary: { model: string; percent: number } | null;
  /** Why it changed: the evaluation or the operator's command. */
  reason: string;
  updated_at: string;
}

const HISTORY = 20;
const key = (alias: string) => `insitu:route:${alias}`;
const INDEX = 'insitu:routes';

export interface RouteStore {
  /** The alias's current route; null when none was written (the alias then passes through as a model name). */
  get(alias: string): Promise<Route | null>;
  /** Newest first. */
  history(alias: string): Promise<Route[]>;
  list(): Promise<Route[]>;
  set(route: Omit<Route, 'updated_at'>, now?: Date): Promise<Route>;
  /** Goes back to the previous route; null when there is none. */
  rollback(alias: string, reason: string, now?: Date): Promise<Route | null>;
}

export function createRouteStore(state: StateStore): RouteStore {
  const read = async (alias: string): Promise<Route[]> => {
    const raw = await state.get(key(alias));
    if (raw === null) return [];
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? (parsed as Route[]) : [];
    } catch {
      return [];
    }
  };
  const aliases = async (): Promise<string[]> => {
    const raw = await state.get(INDEX);
    return raw ? (JSON.parse(raw) as string[]) : [];
  };
  const write = async (alias: string, routes: Route[]) => {
    await state.set(key(alias), JSON.stringify(routes.slice(0, HISTORY)));
    const known = await aliases();
    if (!known.includes(alias)) await state.set(INDEX, JSON.stringify([...known, alias].sort()));
  };
  return {
    async get(alias) {
      return (await read(alias))[0] ?? null;
    },
    history: read,
    async list() {
      const out: Route[] = [];
      for (const alias of await aliases()) {
        const route = (await read(alias))[0];
        if (route) out.push(route);
      }
      return out;
    },
    async set(route, now = new Date()) {
      const written: Route = { ...route, updated_at: now.toISOString() };
      await write(route.alias, [written, ...(await read(route.alias))]);
      return written;
    },
    async rollback(alias, reason, now = new Date()) {
      const [, previous, ...rest] = await read(alias);
      if (!previous) return null;
      const restored: Route = { ...previous, reason, updated_at: now.toISOString() };
      await write(alias, [restored, ...rest]);
      return restored;
    },
  };
}

/** The model one request gets: the canary for its share of traffic, else the route's model. */
export function pickModel(route: Route, draw: number = Math.random()): string {
  return route.canary && draw * 100 < route.canary.percent ? route.canary.model : route.model;
}
