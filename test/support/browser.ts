// Headless Chromium for end-to-end tests of the dashboard: Debian's chromium driven by playwright-core (no
// browser download). A missing browser fails the test with the command that installs it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (bash .ci/run does).`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

export interface PageProblems {
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Requests that failed, and any request to another origin than `origin`. */
  requests: string[];
}

/** Records what a clean page must not do: log errors, throw, fail a request, or reach another origin. */
export function watchPage(page: Page, origin: string): PageProblems {
  const problems: PageProblems = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) problems.requests.push(`other origin: ${url}`);
  });
  page.on('requestfailed', (request) => {
    // The page's own event stream is cut when the test closes the page; that is not a failure of the page.
    if (request.url().includes('/v1/insitu/dashboard/stream') && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.requests.push(`failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`);
  });
  return problems;
}
