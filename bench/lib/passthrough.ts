// The baseline: a bare node:http pass-through proxy (keep-alive agent, pipe both ways, no parsing): the
// fastest a Node proxy can be. `node passthrough.js <port> <upstreamPort>`; prints "ready".
import http from 'node:http';

const upstreamPort = Number(process.argv[3]);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
const server = http.createServer((req, res) => {
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers, agent }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
