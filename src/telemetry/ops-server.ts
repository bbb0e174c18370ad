// The operations endpoints of a process that runs consumers without the proxy (`insitu consume`):
// GET /metrics (Prometheus), /healthz (the process is alive) and /readyz (bus and state reachable), so an
// orchestrator can probe and scrape consumer pods the way it does the proxy.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../runtime.js';
import { probeDependencies } from './readiness.js';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(runtime: Runtime, port: number, host: string): Promise<OpsServer> {
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { error: { message: 'Only GET is served here.', type: 'invalid_request_error', code: 'method_not_allowed' } });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(runtime.metrics.render());
    }
    if (path === '/readyz') {
      void probeDependencies(runtime).then(({ ready, bus, state }) => json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', bus, state }));
      return;
    }
    json(res, 404, { error: { message: `Unknown route ${req.method} ${path}: this port serves /metrics, /healthz and /readyz.`, type: 'invalid_request_error', code: 'unknown_url' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
