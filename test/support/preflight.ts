// Run before the suite (node dist/test/support/preflight.js): fail fast and loudly when a service is missing,
// instead of letting dozens of tests time out one by one.
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './browser.js';
import { requireKafkaLauncher, requireRedis, REDIS_START, KAFKA_LAUNCHER_INSTALL } from './services.js';

const problems: { what: string; fix: string }[] = [];
try {
  await requireRedis();
} catch (err) {
  problems.push({ what: (err as Error).message, fix: REDIS_START });
}
try {
  requireKafkaLauncher();
} catch (err) {
  problems.push({ what: (err as Error).message, fix: KAFKA_LAUNCHER_INSTALL });
}
if (!existsSync(CHROMIUM_PATH)) problems.push({ what: `Chromium (for the dashboard's browser test) is not at ${CHROMIUM_PATH}`, fix: 'apt-get install -y chromium' });

if (problems.length) {
  const bar = '='.repeat(78);
  const lines = [bar, 'PREFLIGHT FAILED: the test suite needs services that are missing.', ''];
  for (const p of problems) lines.push(`  MISSING: ${p.what}`, `  FIX:     ${p.fix}`, '');
  lines.push('Fix the above, then run the tests again.', bar);
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(1);
}
console.log('preflight: redis ok, kafka mock launcher ok, chromium ok');
