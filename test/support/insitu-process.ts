// The real `insitu` command as a child process (node dist/src/cli/main.js ...), for fault tests that kill,
// signal and restart it. Logs are kept (tail) so a failing test can show them.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const INSITU_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface InsituProcess {
  child: ChildProcess;
  /** The proxy's base URL without /v1 (set for `proxy` and `up` once it listens). */
  url: string | undefined;
  /** stdout and stderr so far (tail). */
  output(): string;
  /** Resolves once the output matches `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends a signal; resolves with the exit once the process is gone. */
  signal(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Spawns `insitu <args>` with `env` on top of a clean INSITU_*-free environment; resolves once `ready`
 * matches its output (for `proxy`: the "proxy on URL" line, which also sets `url`).
 */
export async function spawnInsitu(args: string[], env: Record<string, string>, options: { ready?: RegExp; timeoutMs?: number } = {}): Promise<InsituProcess> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INSITU_'))) as Record<string, string>;
  const child = spawn(process.execPath, [INSITU_MAIN, ...args], { env: { ...base, INSITU_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let text = '';
  let waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    text = (text + d.toString('utf8')).slice(-200_000);
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const waitForOutput = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(text);
        if (m) return done(() => resolve(m));
        if (gone) return done(() => reject(new Error(`insitu ${args.join(' ')} exited before printing ${pattern}; output:\n${text.slice(-4000)}`)));
      };
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters = waiters.filter((w) => w !== check);
        f();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`insitu ${args.join(' ')}: no ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-4000)}`))), timeoutMs);
      waiters.push(check);
      check();
    });

  const proc: InsituProcess = {
    child,
    url: undefined,
    output: () => text,
    waitForOutput,
    async signal(signal) {
      if (!gone) child.kill(signal);
      return exited;
    },
    exited,
  };
  try {
    const ready = await waitForOutput(options.ready ?? /insitu: proxy on (http:\/\/\S+)\/v1/, options.timeoutMs);
    if (ready[1]?.startsWith('http')) proc.url = ready[1];
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return proc;
}
