// The one path check every file-taking CLI option goes through (src/cli/paths.ts), for what a command line
// cannot carry: a NUL byte never reaches argv (execve strings end at NUL), yet a path built from other input
// could hold one, and Node would throw a raw ERR_INVALID_ARG_VALUE. Also the same file under another name
// (a hard link), which no spelling comparison catches. Command-line cases are in test/bad-input/corpus.ts.
import assert from 'node:assert/strict';
import { closeSync, linkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UsageError } from '../src/cli/args.js';
import { folderPath, inputFilePath, openOutputFile } from '../src/cli/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'insitu-cli-paths-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const usage = (message: RegExp) => (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\0');

test('a NUL byte or an empty path is a usage error for inputs, outputs and folders', () => {
  for (const check of [(p: string) => inputFilePath(p, '--input'), (p: string) => openOutputFile(p, '--output'), (p: string) => folderPath(p, '--out')]) {
    assert.throws(() => check(join(dir, 'a\0b')), usage(/NUL byte/));
    assert.throws(() => check(''), usage(/empty path/));
  }
});

test('an output that is the input under another name (hard link) is refused before the input is truncated', () => {
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '{"keep":"me"}\n');
  linkSync(input, join(dir, 'alias.jsonl'));
  assert.throws(() => openOutputFile(join(dir, 'alias.jsonl'), '--output', [{ path: input, name: '--input' }]), usage(/same file as --input/));
  assert.equal(readFileSync(input, 'utf8'), '{"keep":"me"}\n');
  closeSync(openOutputFile(join(dir, 'out.jsonl'), '--output', [{ path: input, name: '--input' }]));
  assert.throws(() => inputFilePath(dir, '--input'), usage(/is a folder, expected a file/));
  assert.throws(() => folderPath(input, '--out'), usage(/not a folder/));
});
