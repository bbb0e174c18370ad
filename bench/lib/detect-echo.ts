// The latency baseline of bench:detect: a trivial pass-through consumer in its own process, shaped like the
// feedback detector (one Insitu runtime, one consumer group, committed offsets) but doing no work: every
// record of <from> is republished unchanged to <to>. Its latency is the bus's own floor for one consumer hop.
// `node detect-echo.js <from> <to>` with the same INSITU_* environment as the detector; prints "ready" once
// its group is joined.
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { openRuntime } from '../../src/runtime.js';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  process.stderr.write('usage: detect-echo.js <from-topic> <to-topic>\n');
  process.exit(2);
}
const config = loadConfig();
const runtime = await openRuntime(config, createLogger({ level: config.logLevel }));
await runtime.bus.ensureTopics([from, to].map((name) => ({ name, partitions: config.partitions })));
const subscription = await runtime.bus.subscribe({
  group: 'insitu-bench-echo',
  topics: [from],
  fromBeginning: true,
  handler: (records) => runtime.bus.publish(records.map((r) => ({ topic: to, key: r.key, value: r.value, headers: r.headers }))),
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void subscription
    .close()
    .then(() => runtime.close())
    .finally(() => process.exit(0));
});
