// A progress line on stderr for long CLI runs: a bar by bytes read, a rate and an ETA. On a terminal it
// rewrites one line in place; elsewhere (CI, a log file) it prints a plain line every 5 s.
export interface ProgressSample {
  bytes: number;
  totalBytes: number;
  /** Bytes done before this run (a resumed run skips them): the rate and ETA measure only what follows. */
  startBytes?: number;
  seconds: number;
  /** What the rate counts, e.g. { count: 1200, unit: 'utt/s' }. */
  rate: { count: number; unit: string };
  /** Shown before the rate, e.g. "420 conversations". */
  detail: string;
}

export function createProgressLine(stream: NodeJS.WriteStream = process.stderr): { update(p: ProgressSample): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastLine = -Infinity;
  let shown = false;
  return {
    update(p) {
      const share = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : 0;
      const rate = p.rate.count / Math.max(p.seconds, 1e-9);
      const start = p.startBytes ?? 0;
      const runShare = p.totalBytes > start ? Math.min(1, Math.max(0, p.bytes - start) / (p.totalBytes - start)) : 0;
      const eta = runShare > 0 ? `${Math.max(0, p.seconds / runShare - p.seconds).toFixed(0)}s` : '?';
      const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
      const text = `[${bar}] ${(share * 100).toFixed(1)}%  ${p.detail}  ${rate.toFixed(0)} ${p.rate.unit}  ETA ${eta}`;
      if (tty) {
        stream.write(`\r${text}`);
        shown = true;
      } else if (p.seconds - lastLine >= 5) {
        lastLine = p.seconds;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (tty && shown) stream.write('\n');
    },
  };
}
