// Child processes of bench:detect: spawned with node, their stderr tail kept for failure messages, their CPU
// time read from /proc, stopped with SIGTERM (SIGKILL after a grace period).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BenchChild {
  name: string;
  process: ChildProcess;
  /** Last few KB of the child's stderr. */
  stderrTail(): string;
  /** Resolves when stdout showed `text`; rejects if the child exits first. */
  ready(text: string, timeoutMs: number): Promise<void>;
  /** Rejects when the child exits before stop() (for racing against a wait). */
  exited: Promise<never>;
  /** User plus system CPU time so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

// Children still running when the bench exits (a failure, Ctrl-C) are killed with it.
const live = new Set<ChildProcess>();
process.on('exit', () => live.forEach((c) => c.kill('SIGKILL')));

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a live process from /proc/<pid>/stat, in ms (NaN where /proc is unavailable). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return NaN;
  }
}

export function spawnNode(params: { name: string; args: string[]; env: Record<string, string> }): BenchChild {
  const child = spawn(process.execPath, params.args, { env: { ...process.env, ...params.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  let stdout = '';
  let stopping = false;
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4096)));
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-4096)));
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`${params.name} exited (${signal ?? `code ${code}`}) while the benchmark ran; its stderr:\n${stderr.trim() || '(empty)'}`));
    });
  });
  exited.catch(() => undefined); // observed by whoever races against it
  return {
    name: params.name,
    process: child,
    stderrTail: () => stderr,
    exited,
    ready(text, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${params.name} did not print '${text}' within ${timeoutMs} ms; its stderr:\n${stderr.trim() || '(empty)'}`)), timeoutMs);
        const check = () => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve();
        };
        child.stdout!.on('data', check);
        check();
        exited.catch((error: Error) => (clearTimeout(timer), reject(error)));
      });
    },
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(force);
    },
  };
}
