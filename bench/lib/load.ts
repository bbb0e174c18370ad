// A closed-loop load generator: `concurrency` workers, each sending its next request when the previous one
// completes, over keep-alive connections; latencies measured with the monotonic clock.
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))]!;
}

/** One request; resolves with [time to response headers, time to end] in ms. */
export function request(agent: http.Agent, port: number, path: string, body: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer bench' } }, (res) => {
      let first = -1;
      res.on('data', () => {
        if (first < 0) first = Number(process.hrtime.bigint() - start) / 1e6;
      });
      res.on('end', () => {
        const total = Number(process.hrtime.bigint() - start) / 1e6;
        if ((res.statusCode ?? 500) >= 400) reject(new Error(`status ${res.statusCode}`));
        else resolve([first < 0 ? total : first, total]);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(port: number, path: string, body: string, concurrency: number, seconds: number, warmupSeconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const stopAt = Date.now() + (warmupSeconds + seconds) * 1000;
  const measureFrom = Date.now() + warmupSeconds * 1000;
  setTimeout(() => (measuring = true), warmupSeconds * 1000).unref();
  const worker = async () => {
    while (Date.now() < stopAt) {
      try {
        const [, total] = await request(agent, port, path, body);
        if (measuring) latencies.push(total);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - Math.max(measureFrom, 0)) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Sequential streaming requests: time to the first body byte, in ms, sorted. */
export async function streamingTtfb(port: number, path: string, body: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ttfb: number[] = [];
  for (let i = 0; i < count; i++) ttfb.push((await request(agent, port, path, body))[0]);
  agent.destroy();
  return ttfb.sort((a, b) => a - b);
}
