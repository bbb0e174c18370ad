// The dashboard's page and assets: hand-written files in proxy/dashboard/static/, served as they are. The build
// compiles TypeScript only, so from dist/proxy/dashboard/ the source folder is found three levels up; a copy
// next to the compiled file (./static/) wins when a build step puts one there.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../src/log.js';
import { errorBody, sendError } from '../http-errors.js';

const CANDIDATES = [new URL('./static/', import.meta.url), new URL('../../../proxy/dashboard/static/', import.meta.url)];

/** The first folder holding index.html, or null. */
export function findStaticDir(): string | null {
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Everything the page loads comes from this origin; event texts are rendered as text, never as markup. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Flat names only: no path can leave the folder. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|js|svg)$/;

/** Missing assets (an image built without them) break the page only, never the proxy: found on first use. */
export function createStaticFiles(options: { dir?: string; logger: Logger }) {
  let dir: string | null | undefined = options.dir;
  return async function serve(res: ServerResponse, name: string, head: boolean): Promise<void> {
    dir ??= findStaticDir();
    if (dir === null) {
      dir = undefined; // look again next time
      options.logger.error('dashboard assets not found', { looked_in: CANDIDATES.map((c) => fileURLToPath(c)) });
      return sendError(res, 500, errorBody('The dashboard page is not installed with this build (proxy/dashboard/static is missing).', 'server_error', 'dashboard_not_installed'));
    }
    const ext = ASSET_NAME.exec(name)?.[1];
    const notFound = () => sendError(res, 404, errorBody(`No dashboard asset '${name.slice(0, 80)}'.`, 'invalid_request_error', 'unknown_url'));
    if (!ext) return notFound();
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return notFound();
      throw error;
    }
    res.writeHead(200, { 'content-type': TYPES[ext]!, 'content-length': body.length, ...SECURITY_HEADERS });
    res.end(head ? undefined : body);
  };
}
