// PII redaction at the proxy, end to end through the official SDK: the recorded turn carries placeholders,
// the model received the user's words unchanged, /metrics counts what was replaced, and a tenant whose
// policy is `none` is recorded as sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInsitu } from './support/insitu.js';
import { startSimUpstream } from './support/sim-upstream.js';

test('the proxy records placeholders, forwards the original, counts redactions, honours per-tenant policy', async () => {
  const sim = await startSimUpstream();
  const insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_REDACT_TENANTS: 'lab=none' });
  try {
    const text = 'Mail me at jane.doe@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, server 10.1.2.3, key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789.';
    const { response } = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: text }] }).withResponse();
    const turn = await insitu.waitForTurn(response.headers.get('x-insitu-turn-id'));
    const recorded = JSON.stringify(turn);
    for (const secret of ['jane.doe@example.com', '7946 0958', '4111 1111 1111 1111', '10.1.2.3', 'sk-proj-abcdefghij']) assert.ok(!recorded.includes(secret), `${secret} reached the event`);
    for (const placeholder of ['[EMAIL]', '[PHONE]', '[CARD]', '[IP]', '[SECRET]']) assert.ok(recorded.includes(placeholder), `${placeholder} missing: ${recorded.slice(0, 400)}`);
    // The model got the user's words; the answer (an echo) is redacted in the event too.
    assert.equal(sim.requests.at(-1)!.json.messages[0].content, text);
    assert.ok(!String(turn.assistant?.content).includes('jane.doe@example.com'));

    const metrics = await (await fetch(`${insitu.proxy.url}/metrics`)).text();
    assert.match(metrics, /# TYPE insitu_redactions_total counter/);
    assert.match(metrics, /insitu_redactions_total\{type="email"\} [1-9]/);

    const lab = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: text }] }, { headers: { 'x-insitu-tenant': 'lab' } }).withResponse();
    const labTurn = await insitu.waitForTurn(lab.response.headers.get('x-insitu-turn-id'));
    assert.equal(labTurn.request.messages[0]!.content, text, 'tenant lab opted out (INSITU_REDACT_TENANTS=lab=none)');
  } finally {
    await insitu.close();
    await sim.close();
  }
});
