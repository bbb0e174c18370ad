// `insitu routes`: what the served alias routes to, and the operator's levers.
//   insitu routes                              list every alias's route
//   insitu routes --history ALIAS              an alias's past routes, newest first
//   insitu routes --set ALIAS=MODEL [--canary MODEL:PERCENT]
//   insitu routes --rollback ALIAS             back to the previous route
// Routes live in the state store: with Redis every proxy replica sees a change within a second; with
// in-memory state only the process that holds it does, so the command refuses to run there.
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createRouteStore, type Route } from '../routing/routes.js';
import { createStateStore } from '../state/index.js';
import { flag, option, UsageError } from './args.js';

const row = (r: Route) =>
  `| ${r.alias} | ${r.model} | ${r.canary ? `${r.canary.model} (${r.canary.percent}%)` : '-'} | ${r.updated_at} | ${r.reason.replace(/\|/g, '/')} |`;
const table = (routes: Route[]) => ['| alias | model | canary | since | reason |', '|---|---|---|---|---|', ...routes.map(row)].join('\n');

function parseCanary(text: string | undefined): Route['canary'] {
  if (text === undefined) return null;
  const m = /^(.+):(\d{1,3})$/.exec(text);
  const percent = m ? Number(m[2]) : NaN;
  if (!m || percent < 1 || percent > 99) throw new UsageError('--canary needs MODEL:PERCENT with a percent from 1 to 99');
  return { model: m[1]!, percent };
}

export async function routesCommand(args: string[], config: Config, logger: Logger, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const set = option(args, '--set');
  const rollback = option(args, '--rollback');
  const history = option(args, '--history');
  const canary = parseCanary(option(args, '--canary'));
  const json = flag(args, '--json');
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (routes [--set ALIAS=MODEL [--canary MODEL:PERCENT]] [--rollback ALIAS] [--history ALIAS] [--json])`);
  if ([set, rollback, history].filter((x) => x !== undefined).length > 1) throw new UsageError('use one of --set, --rollback, --history');
  if (canary && !set) throw new UsageError('--canary goes with --set');
  if (!config.redis) throw new UsageError('routes live in the state store, and it is in memory (no INSITU_REDIS_URL): only the running process sees them. Set INSITU_REDIS_URL to manage routes from here.');
  const state = createStateStore(config, logger);
  try {
    const routes = createRouteStore(state);
    const print = (list: Route[]) => out((json ? JSON.stringify(list, null, 2) : table(list)) + '\n');
    if (set !== undefined) {
      const m = /^([A-Za-z0-9._-]{1,64})=(.+)$/.exec(set);
      if (!m) throw new UsageError('--set needs ALIAS=MODEL');
      print([await routes.set({ alias: m[1]!, model: m[2]!, canary, reason: 'set by insitu routes --set' })]);
    } else if (rollback !== undefined) {
      const restored = await routes.rollback(rollback, 'rolled back by insitu routes --rollback');
      if (!restored) throw new UsageError(`alias '${rollback}' has no earlier route to roll back to`);
      print([restored]);
    } else if (history !== undefined) {
      print(await routes.history(history));
    } else {
      print(await routes.list());
    }
  } finally {
    await state.close();
  }
}
