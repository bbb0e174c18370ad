// A private redis-server child process on its own port (no persistence), for tests that stop and restart
// Redis without touching the shared one on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './kafka-broker.js';

export interface RedisProcess {
  url: string;
  port: number;
  /** SIGTERM and wait for the exit: the port refuses connections afterwards. */
  stop(): Promise<void>;
  /** Start a new, empty server on the same port. */
  start(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  let ready = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`redis-server on ${port} did not start:\n${out}`))), 10_000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`redis-server exited with ${code}:\n${out}`))));
    child.stdout!.on('data', (d: Buffer) => {
      out = (out + d.toString('utf8')).slice(-8192);
      if (!ready && /Ready to accept connections/.test(out)) {
        ready = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => live.delete(child));
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(-8192)));
  });
}

export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const current = child;
      child = undefined;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        current.once('exit', () => resolve());
        current.kill('SIGTERM');
      });
    },
    async start() {
      if (child) return;
      child = await launch(port);
    },
  };
}
