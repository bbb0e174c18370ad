// `insitu detect` and `insitu eval-detector` as a user runs them, on small generated corpora.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'insitu-detect-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

describe('insitu detect', () => {
  test('one line per user message after an assistant message, aliases accepted, bad lines skipped, Table-1 summary', () => {
    const corpus = [
      { conversation_id: 'c1', model: 'ignored', conversation: [
        { role: 'user', content: 'Write a haiku about rain.' }, { role: 'assistant', content: 'Rain taps on the roof, a long and winding poem about many things at once.' },
        { role: 'user', content: 'No, that is wrong. Make it shorter please.' }, { role: 'assistant', content: 'Rain taps the roof.' },
        { role: 'user', content: 'Thanks, perfect!' },
      ] },
      { conversation_hash: 'c2', messages: [{ role: 'user', content: '你好' }, { role: 'assistant', content: '你好！有什么可以帮你？' }, { role: 'user', content: '谢谢，太好了！' }] },
      'this line is not json',
      { conversation_id: 'c3', conversation: [{ role: 'user', content: 'only a question' }] },
    ];
    const input = join(dir, 'corpus.jsonl');
    writeFileSync(input, corpus.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join('\n') + '\n');
    const output = join(dir, 'out.jsonl');
    const r = run('detect', '--input', input, '--output', output);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.conversation_id, l.turn_index]), [['c1', 2], ['c1', 4], ['c2', 2]]);
    assert.deepEqual(lines.map((l) => l.polarity), ['DSAT', 'SAT', 'SAT']);
    assert.equal(lines[0].detector, 'local');
    assert.match(r.stderr, /# Conv\.\s+# Utt\.\s+# SAT Conv\.\s+# DSAT Conv\.\s+# SAT Utt\.\s+# DSAT Utt\./);
    assert.match(r.stderr, /^\s*3\s+6\s+2\s+1\s+2\s+1\s*$/m);
    assert.match(r.stderr, /1 unreadable line\(s\) skipped/);
  });
  test('usage errors: missing input, unknown detector', () => {
    assert.equal(run('detect', '--input', join(dir, 'missing.jsonl')).status, 2);
    const input = join(dir, 'one.jsonl');
    writeFileSync(input, '{}\n');
    const r = run('detect', '--input', input, '--detector', 'llm');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /needs INSITU_JUDGE_URL/);
  });
});

describe('insitu eval-detector', () => {
  test('prints Table-6 metrics against gold labels', () => {
    const input = join(dir, 'labelled.jsonl');
    const conv = (id: string, follow: string, gold: string) => JSON.stringify({
      conversation_id: id, conversation: [{ role: 'user', content: 'Find me a cheap hotel.' }, { role: 'assistant', content: 'The Grand is 300 dollars a night.' }, { role: 'user', content: follow }],
      labels: [{ turn_index: 2, gold }],
    });
    writeFileSync(input, [conv('a', 'Thank you so much, that is perfect!', 'SAT'), conv('b', 'No, that is not cheap at all. That is wrong.', 'DSAT'), conv('c', 'What about parking?', 'NEUTRAL')].join('\n') + '\n');
    const r = run('eval-detector', '--input', input, '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.sat.f1, 1);
    assert.equal(report.dsat.f1, 1);
    const table = run('eval-detector', '--input', input);
    assert.match(table.stdout, /SAT\s+100\.0/);
  });
});
