// Routes and promotion: the route store on both state implementations, the gate, the proxy resolving the
// served alias on each request (live without restart, canary share, rollback), and `insitu routes`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decidePromotion, promoteIfBetter } from '../src/routing/promotion.js';
import { createRouteStore, pickModel } from '../src/routing/routes.js';
import { silentLogger } from '../src/log.js';
import { createMemoryState } from '../src/state/memory.js';
import { createRedisState } from '../src/state/redis.js';
import type { StateStore } from '../src/state/types.js';
import { settle, startInsitu, type Insitu } from './support/insitu.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REDIS = 'redis://127.0.0.1:6379';

const stores: [string, () => StateStore][] = [
  ['memory', () => createMemoryState({ maxKeys: 1000 })],
  ['redis', () => createRedisState({ url: REDIS, commandTimeoutMs: 2000, logger: silentLogger })],
];

for (const [kind, open] of stores) {
  describe(`route store (${kind})`, () => {
    let state: StateStore;
    const alias = `alias-${randomBytes(4).toString('hex')}`;
    before(() => void (state = open()));
    after(async () => {
      await state.del(`insitu:route:${alias}`);
      await state.close();
    });
    test('set, get, history, list, rollback', async () => {
      const routes = createRouteStore(state);
      assert.equal(await routes.get(alias), null);
      await routes.set({ alias, model: 'base-v1', canary: null, reason: 'first' });
      await routes.set({ alias, model: 'ft-v2', canary: null, reason: 'promoted' });
      assert.equal((await routes.get(alias))!.model, 'ft-v2');
      assert.deepEqual((await routes.history(alias)).map((r) => r.model), ['ft-v2', 'base-v1']);
      assert.ok((await routes.list()).some((r) => r.alias === alias && r.model === 'ft-v2'));
      const back = await routes.rollback(alias, 'bad outputs');
      assert.equal(back!.model, 'base-v1');
      assert.equal(back!.reason, 'bad outputs');
      assert.equal((await routes.get(alias))!.model, 'base-v1');
      assert.equal(await routes.rollback(alias, 'again'), null, 'nothing before the first route');
    });
  });
}

describe('promotion gate', () => {
  const policy = { minWin: 0.55, maxLose: 0.3, minN: 20, maxJudgeFailures: 0.2, canaryPercent: 0 };
  type Rates = { win: number; tie: number; lose: number; n: number };
  const cases: [string, Rates, number | undefined, boolean, RegExp][] = [
    ['clear win', { win: 0.62, tie: 0.14, lose: 0.24, n: 100 }, undefined, true, /clears/],
    ['exactly at the bar', { win: 0.55, tie: 0.15, lose: 0.3, n: 100 }, 100, true, /clears/],
    ['win rate too low', { win: 0.5, tie: 0.3, lose: 0.2, n: 100 }, undefined, false, /win rate under/],
    ['loses too often', { win: 0.6, tie: 0.0, lose: 0.4, n: 100 }, undefined, false, /lose rate over/],
    ['nothing judged', { win: 0, tie: 0, lose: 0, n: 0 }, 100, false, /no judged comparisons \(100 of 100 comparisons failed\)/],
    // Failed comparisons count against the candidate: 3 lucky wins among 100 attempts never promote.
    ['3 wins of 100 attempted, the rest failed', { win: 1, tie: 0, lose: 0, n: 3 }, 100, false, /only 3 judged comparisons \(97 of 100 comparisons failed\): under the minimum 20 \(INSITU_PROMOTE_MIN_N\)/],
    ['too few judged even without failures', { win: 1, tie: 0, lose: 0, n: 19 }, 19, false, /INSITU_PROMOTE_MIN_N/],
    ['too many failed judgements', { win: 0.9, tie: 0.1, lose: 0, n: 70 }, 100, false, /30 of 100 comparisons failed \(30\.0%\): over 20\.0% \(INSITU_PROMOTE_MAX_JUDGE_FAILURES\)/],
    ['a failed comparison is not a win', { win: 0.6, tie: 0.2, lose: 0.2, n: 85 }, 100, false, /win 51\.0%.*win rate under 55\.0%/],
    ['the same rates with nothing failed', { win: 0.6, tie: 0.2, lose: 0.2, n: 85 }, 85, true, /clears/],
  ];
  for (const [name, rates, attempted, promote, reason] of cases) {
    test(name, () => {
      const decision = decidePromotion({ withChecklist: rates, ...(attempted !== undefined ? { attempted } : {}) }, policy);
      assert.equal(decision.promote, promote, decision.reason);
      assert.match(decision.reason, reason);
    });
  }

  test('passing writes the route; a canary keeps the baseline and sends a share to the candidate', async () => {
    const state = createMemoryState({ maxKeys: 100 });
    const routes = createRouteStore(state);
    const lost = await promoteIfBetter({ routes, alias: 'a', candidate: 'ft-1', baseline: 'base', evidence: { withChecklist: { win: 0.3, tie: 0.2, lose: 0.5, n: 30 } }, policy });
    assert.equal(lost.promote, false);
    assert.equal(await routes.get('a'), null);
    const won = await promoteIfBetter({ routes, alias: 'a', candidate: 'ft-1', baseline: 'base', evidence: { withChecklist: { win: 0.7, tie: 0.1, lose: 0.2, n: 30 } }, policy });
    assert.equal(won.route!.model, 'ft-1');
    const canary = await promoteIfBetter({ routes, alias: 'a', candidate: 'ft-2', baseline: 'ft-1', evidence: { withChecklist: { win: 0.7, tie: 0.1, lose: 0.2, n: 30 } }, policy: { ...policy, canaryPercent: 10 } });
    assert.deepEqual([canary.route!.model, canary.route!.canary], ['ft-1', { model: 'ft-2', percent: 10 }]);
    const draws = Array.from({ length: 1000 }, (_, i) => pickModel(canary.route!, i / 1000));
    assert.equal(draws.filter((m) => m === 'ft-2').length, 100);
  });
});

describe('the proxy resolves the served alias on each request', () => {
  let sim: SimUpstream;
  let insitu: Insitu;
  const alias = `served-${randomBytes(3).toString('hex')}`;
  before(async () => {
    sim = await startSimUpstream();
    insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_SERVED_ALIAS: alias, INSITU_REDIS_URL: REDIS });
  });
  after(async () => {
    await insitu.runtime.state.del(`insitu:route:${alias}`);
    await insitu.close();
    await sim.close();
  });

  async function upstreamModelFor(model: string): Promise<string> {
    sim.reset();
    sim.enqueue({ kind: 'completion', content: 'ok' });
    await insitu.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    return (await sim.waitForRequests(1))[0]!.json.model;
  }

  test('no route: the alias passes through; other model names are never touched', async () => {
    assert.equal(await upstreamModelFor(alias), alias);
    assert.equal(await upstreamModelFor('gpt-4o-mini'), 'gpt-4o-mini');
  });

  test('a promotion is live without restart, and a rollback too; the turn records what the app asked for', async () => {
    const routes = createRouteStore(insitu.runtime.state);
    await routes.set({ alias, model: 'base-v1', canary: null, reason: 'initial' });
    let seen = '';
    for (let i = 0; i < 50 && seen !== 'base-v1'; i++, await settle(100)) seen = await upstreamModelFor(alias);
    assert.equal(seen, 'base-v1');
    // The CLI (another process, same Redis) promotes, then rolls back.
    const env = { PATH: process.env.PATH ?? '', INSITU_REDIS_URL: REDIS, INSITU_DATA_DIR: insitu.dataDir };
    const set = spawnSync(process.execPath, [CLI, 'routes', '--set', `${alias}=ft-v2`], { env, encoding: 'utf8' });
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, new RegExp(`\\| ${alias} \\| ft-v2 \\|`));
    for (let i = 0; i < 50 && seen !== 'ft-v2'; i++, await settle(100)) seen = await upstreamModelFor(alias);
    assert.equal(seen, 'ft-v2');
    const { response } = await insitu.client.chat.completions.create({ model: alias, messages: [{ role: 'user', content: 'which model?' }] }).withResponse();
    const turn = await insitu.waitForTurn(response.headers.get('x-insitu-turn-id'));
    assert.equal(turn.model_requested, alias);
    const back = spawnSync(process.execPath, [CLI, 'routes', '--rollback', alias], { env, encoding: 'utf8' });
    assert.equal(back.status, 0, back.stderr);
    for (let i = 0; i < 50 && seen !== 'base-v1'; i++, await settle(100)) seen = await upstreamModelFor(alias);
    assert.equal(seen, 'base-v1');
    const list = spawnSync(process.execPath, [CLI, 'routes', '--json'], { env, encoding: 'utf8' });
    assert.ok((JSON.parse(list.stdout) as { alias: string; model: string }[]).some((r) => r.alias === alias && r.model === 'base-v1'));
  });

  test('insitu routes refuses in-memory state and bad arguments with one line and exit 2', () => {
    const env = { PATH: process.env.PATH ?? '' };
    for (const args of [['routes'], ['routes', '--set', 'no-equals'], ['routes', '--canary', 'm:10']]) {
      const run = spawnSync(process.execPath, [CLI, ...args], { env: args.length === 1 ? env : { ...env, INSITU_REDIS_URL: REDIS }, encoding: 'utf8' });
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });
});
