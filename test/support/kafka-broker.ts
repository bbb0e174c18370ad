// A Kafka-protocol broker for tests: librdkafka's mock cluster behind kafka_proxy.py (see
// test/support/kafka/ and /work/shared/kafka/README.md), run as a python3 child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface KafkaBroker {
  /** host:port for kafkajs `brokers: [bootstrap]`; stable across restart(). */
  bootstrap: string;
  port: number;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: the port refuses connections afterwards. */
  kill(): Promise<void>;
  /** Start a new, EMPTY mock cluster on the same port (stops the current one first if it still runs). */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers (a hung broker). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
}

const START_TIMEOUT_MS = 15_000;
const HINT = 'the mock needs python3 and librdkafka.so.1: apt-get install -y librdkafka1 python3';

// Compiled code runs from dist/test/support/, sources live in test/support/: try both layouts so that
// the .py files are found whether this module runs compiled or straight from TypeScript.
function launcherPath(): string {
  const candidates = ['../../../test/support/kafka/kafka_mock.py', './kafka/kafka_mock.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`kafka_mock.py not found (looked at ${candidates.join(', ')})`);
  return found;
}

/** A TCP port that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Children still running when the test process exits get SIGKILL (SIGTERM would not reach a frozen one).
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.ref(); // keep the event loop alive while a test awaits the exit
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns one launcher; resolves with the child once it printed BOOTSTRAP=. */
function launch(port: number, partitions: number, rttMs?: number): Promise<{ child: ChildProcess; bootstrap: string }> {
  const rtt = rttMs ? ['--rtt', String(rttMs)] : [];
  const child = spawn('python3', [launcherPath(), '--proxy', '--port', String(port), '--default-partitions', String(partitions), ...rtt], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    let settled = false;
    const onError = (err: Error) => fail(`spawn failed: ${err.message}`);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited early with ${signal ?? `code ${code}`}`);
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('close', onExit);
      child.kill('SIGKILL');
      reject(new Error(`kafka mock did not start (${why}). stderr:\n${stderr.trim() || '(empty)'}\nHint: ${HINT}`));
    };
    const timer = setTimeout(() => fail(`no BOOTSTRAP= line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.on('error', onError);
    child.once('close', onExit); // 'close' (not 'exit'): stderr is complete by then
    // Keep draining stderr for the child's lifetime (a full pipe would block the python process); keep only the tail.
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-8192);
      // The launcher keeps running for ~10 s when the proxy cannot bind: fail at once instead.
      if (/address already in use/i.test(stderr)) fail(`port ${port} is busy`);
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (settled) return;
      stdout += d.toString('utf8');
      const m = /^BOOTSTRAP=(.*)$/m.exec(stdout);
      if (!m) return;
      // When the proxy cannot bind (port busy) the launcher prints an empty BOOTSTRAP= and keeps running.
      if (m[1] !== `127.0.0.1:${port}`) return fail(`unexpected ${m[0].trim() || 'BOOTSTRAP='}; is port ${port} busy?`);
      settled = true;
      clearTimeout(timer);
      child.off('close', onExit);
      child.off('error', onError);
      child.on('error', () => {}); // later errors (e.g. signalling a dead child) are not test failures
      // A broker a test forgot to stop must not keep the test process alive; process.on('exit') kills it.
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      resolve({ child, bootstrap: m[1] });
    });
  });
}

/** rttMs: every broker answer is delayed this long (librdkafka mock RTT), to widen races between clients. */
export async function startKafkaBroker(options: { port?: number; partitions?: number; rttMs?: number } = {}): Promise<KafkaBroker> {
  const partitions = options.partitions ?? 1;
  let port = options.port ?? (await freePort());
  let launched: Awaited<ReturnType<typeof launch>> | undefined;
  // A port picked by freePort() can be taken before the launcher binds it: then try another one.
  for (let attempt = 0; !launched; attempt++) {
    try {
      launched = await launch(port, partitions, options.rttMs);
    } catch (err) {
      if (options.port !== undefined || attempt >= 2) throw err;
      port = await freePort();
    }
  }
  const bootstrap = launched.bootstrap; // stable: restart() reuses the port
  let child = launched.child;

  const signalAndWait = async (signal: NodeJS.Signals) => {
    const current = child;
    const done = exited(current);
    if (signal === 'SIGTERM') current.kill('SIGCONT'); // a frozen child must be running to handle SIGTERM
    current.kill(signal);
    // A clean SIGTERM shutdown takes about 1 s (cluster destroy); never let it hang a test.
    const force = setTimeout(() => current.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(force);
  };

  return {
    bootstrap,
    port,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    async restart() {
      await signalAndWait('SIGTERM');
      // The old listener may linger for a moment after exit: retry while the port is busy.
      let lastError: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          child = (await launch(port, partitions, options.rttMs)).child;
          return;
        } catch (err) {
          lastError = err;
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        }
      }
      throw lastError;
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
  };
}
