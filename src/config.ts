// Configuration: every env var Insitu reads is declared once here, parsed and validated once at start-up
// into a typed object that is passed down. Nothing else reads process.env.
import { ConfigError } from './errors.js';
import { CronError, nextFire, parseCron } from './cron.js';
import { isValidTenant, TENANT_RULE } from './tenant.js';
import type { LogLevel } from './log.js';

type Parsed = string | number | boolean | string[] | undefined;

interface VariableSpec {
  name: string;
  description: string;
  /** Default as the user would write it in the environment; undefined = unset. */
  default?: string;
  /** Marks a secret: never printed, logged or echoed in an error. */
  secret?: boolean;
  parse: (raw: string, name: string) => Parsed;
}

const fail = (name: string, detail: string): never => {
  throw new ConfigError(name, detail);
};

const integer =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) fail(name, `expected an integer, got '${raw}'`);
    const n = Number(raw.trim());
    if (n < min || n > max) fail(name, `expected an integer from ${min} to ${max}, got ${n}`);
    return n;
  };

const bytes =
  (min: number) =>
  (raw: string, name: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i.exec(raw);
    if (!m) return fail(name, `expected a size like 4mb, 512kb or 1048576, got '${raw}'`);
    const unit = (m[2] ?? 'b').toLowerCase()[0] as 'b' | 'k' | 'm' | 'g';
    const n = Math.floor(Number(m[1]) * { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit]);
    if (n < min) fail(name, `must be at least ${min} bytes, got ${n}`);
    return n;
  };

const boolean = (raw: string, name: string): boolean => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return fail(name, `expected true or false, got '${raw}'`);
};

const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string, name: string): T => {
    const v = raw.trim().toLowerCase() as T;
    if (!values.includes(v)) fail(name, `expected one of ${values.join(', ')}, got '${raw}'`);
    return v;
  };

const text = (raw: string): string => raw;

/** A LLaMA-Factory template name as its configs spell them (letters, digits, _ . -). */
const templateName = (raw: string, name: string): string => {
  const value = raw.trim();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) fail(name, `expected a LLaMA-Factory template name such as llama3, qwen or mistral, got '${raw}'`);
  return value;
};

/** A 5-field cron expression that parses and fires at least once in the next five years. */
const cronExpression = (raw: string, name: string): string => {
  const expr = raw.trim();
  try {
    nextFire(parseCron(expr), new Date());
  } catch (error) {
    if (error instanceof CronError) fail(name, error.message);
    throw error;
  }
  return expr;
};

const fraction = (raw: string, name: string): number => {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) fail(name, `expected a number from 0 to 1, got '${raw}'`);
  return n;
};

const httpUrl = (raw: string, name: string): string => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail(name, `expected an http(s) URL, got '${redactUrl(raw)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(name, `expected an http(s) URL, got '${redactUrl(raw)}'`);
  return raw.trim().replace(/\/+$/, '');
};

const redisUrl = (raw: string, name: string): string => {
  if (!/^rediss?:\/\/[^\s]+$/.test(raw.trim())) fail(name, `expected redis://host:port[/db] or rediss://..., got '${redactUrl(raw)}'`);
  return raw.trim();
};

const brokerList = (raw: string, name: string): string[] => {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) fail(name, 'expected host:port[,host:port...]');
  for (const b of list) if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(b)) fail(name, `expected host:port, got '${b}'`);
  return list;
};

const tenantList = (raw: string, name: string): string[] => {
  const list = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  for (const t of list) if (!isValidTenant(t)) fail(name, `tenant '${t.slice(0, 80)}' is not a tenant name (${TENANT_RULE})`);
  return list;
};

const positiveNumber = (raw: string, name: string): number => {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) fail(name, `expected a positive number, got '${raw}'`);
  return n;
};

/** A duration like 30s, 15m, 6h, 7d, or milliseconds. */
const duration = (raw: string, name: string): number => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(raw);
  if (!m) return fail(name, `expected a duration like 30s, 15m, 6h or 7d, got '${raw}'`);
  const unit = (m[2] ?? 'ms').toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd';
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]);
};

const identifier = (raw: string, name: string): string => {
  if (!isValidTenant(raw)) fail(name, `expected ${TENANT_RULE}, got '${raw.slice(0, 80)}'`);
  return raw;
};

/** Removes user:password@ from a URL so it can appear in a message. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^/@\s]*@/, '//***@');
}

export const VARIABLES = [
  // HTTP proxy
  { name: 'INSITU_PORT', default: '8080', description: 'Port the proxy listens on.', parse: integer(0, 65535) },
  { name: 'INSITU_HOST', default: '0.0.0.0', description: 'Address the proxy binds.', parse: text },
  { name: 'INSITU_UPSTREAM_URL', default: 'https://api.openai.com/v1', description: 'Base URL of the OpenAI-compatible model server the proxy forwards to (e.g. http://127.0.0.1:9000/v1 for a local vLLM).', parse: httpUrl },
  { name: 'INSITU_UPSTREAM_API_KEY', description: "API key sent upstream as a Bearer token. Unset: the client's own Authorization header is passed through.", secret: true, parse: text },
  { name: 'INSITU_UPSTREAM_CONNECT_TIMEOUT_MS', default: '10000', description: 'Time allowed to open a connection upstream before answering 504.', parse: integer(1, 3_600_000) },
  { name: 'INSITU_UPSTREAM_TIMEOUT_MS', default: '600000', description: 'Time allowed for the upstream response headers (first byte) before answering 504.', parse: integer(1, 86_400_000) },
  { name: 'INSITU_UPSTREAM_IDLE_TIMEOUT_MS', default: '300000', description: 'Longest silence allowed between two chunks of an upstream response before it is cut.', parse: integer(1, 86_400_000) },
  { name: 'INSITU_MAX_BODY', default: '4mb', description: 'Largest chat completion request body accepted (413 above it).', parse: bytes(1024) },
  { name: 'INSITU_MAX_PASSTHROUGH_BODY', default: '512mb', description: 'Largest request body passed through to the upstream on the other /v1 routes (files, audio, embeddings, ...); streamed, never buffered; 413 above it.', parse: bytes(1024) },
  { name: 'INSITU_MAX_EVENT_BYTES', default: '900kb', description: 'Largest serialized event published; longer message contents are truncated to fit (and marked truncated). Keep it under the broker\'s max.message.bytes.', parse: bytes(16 * 1024) },
  { name: 'INSITU_MAX_MESSAGES', default: '2048', description: 'Most messages accepted in one chat request (400 above it).', parse: integer(1, 1_000_000) },
  { name: 'INSITU_MAX_INFLIGHT', default: '1024', description: 'Chat requests handled at once per proxy process; beyond it new ones get 503 with Retry-After at once instead of queueing.', parse: integer(1, 1_000_000) },
  { name: 'INSITU_AUTH', default: 'off', description: 'off: any caller (the upstream key or the caller\'s own is used); keys: every /v1 request needs a virtual key from `insitu keys create` (Authorization: Bearer), which also sets the tenant.', parse: oneOf('off', 'keys') },
  { name: 'INSITU_KEY_RPM', default: '600', description: 'Default requests per minute per virtual key (429 with Retry-After above it); a key can carry its own.', parse: integer(1, 100_000_000) },
  { name: 'INSITU_KEY_TPM', default: '1000000', description: 'Default tokens per minute per virtual key (usage the upstream reported, or about 4 characters per token of prompt and answer text when it reported none); a key can carry its own.', parse: integer(1, 1_000_000_000_000) },
  { name: 'INSITU_REDACT', default: 'true', description: 'Redact personal data (emails, phone numbers, payment cards, IP addresses, API-key-like secrets) from every event before it leaves the proxy; the live request to the model is not altered.', parse: boolean },
  { name: 'INSITU_REDACT_TYPES', default: 'email,phone,card,ip,secret', description: 'What redaction replaces by default (comma-separated: email, phone, card, ip, secret).', parse: text },
  { name: 'INSITU_REDACT_TENANTS', description: 'Per-tenant redaction policy overriding INSITU_REDACT_TYPES, e.g. acme=email,card;lab=none.', parse: text },
  { name: 'INSITU_REDACT_PSEUDONYM_KEY', description: 'Key of the HMAC that turns an end-user id or message name holding personal data into a stable pseudonym ([EMAIL:3f9a1c2b5d7e9f01]). Unset: a random key generated once in INSITU_DATA_DIR/redact-pseudonym.key (0600); set it when proxy replicas or ingest runs do not share that directory, or the same user gets different pseudonyms.', secret: true, parse: text },
  { name: 'INSITU_DLQ_MAX_ATTEMPTS', default: '3', description: 'Times a consumer tries a record that fails to process before it goes to insitu.dlq with the error and the consumer moves on.', parse: integer(1, 100) },
  { name: 'INSITU_DEFAULT_TENANT', default: 'default', description: 'Tenant recorded on events when the request names none (header x-insitu-tenant).', parse: identifier },
  { name: 'INSITU_CONVERSATION_TTL_S', default: '604800', description: 'How long conversation-stitching entries live in state (seconds).', parse: integer(60, 31_536_000) },
  { name: 'INSITU_STATE_TIMEOUT_MS', default: '200', description: 'Longest the proxy waits on the state store for stitching before it starts a new conversation instead.', parse: integer(1, 60_000) },
  { name: 'INSITU_SHUTDOWN_TIMEOUT_MS', default: '30000', description: 'On SIGTERM, how long in-flight requests and the publish queue may take to drain.', parse: integer(0, 600_000) },
  // Data and runtime
  { name: 'INSITU_DATA_DIR', default: './data', description: 'Directory for the publish spool, the dataset store (datasets/: pairs, SFT and hindsight examples by tenant and day) and, on the embedded runtime, the bus logs and committed offsets.', parse: text },
  { name: 'INSITU_PUBLISH_QUEUE', default: '10000', description: 'Events held in memory for publishing; beyond it they are read back from the spool file.', parse: integer(1, 10_000_000) },
  { name: 'INSITU_SPOOL_READY_BYTES', default: '1073741824', description: 'Proxy readiness: /readyz answers 503 once this many bytes of events wait in the spool for the bus (a long outage), so a load balancer shifts traffic to other replicas; requests are still accepted and recorded. Below it a bus or state outage only marks /readyz degraded.', parse: integer(1, Number.MAX_SAFE_INTEGER) },
  { name: 'INSITU_SPOOL_MAX_BYTES', default: '4gb', description: 'Disk bound of the publish spool: while this many bytes of events wait in it for the bus, new chat requests get a fast 503 (code spool_full, Retry-After) instead of growing the disk without bound; requests already running still finish and are recorded.', parse: bytes(1) },
  { name: 'INSITU_PUBLISH_BATCH', default: '500', description: 'Most events sent to the bus in one batch.', parse: integer(1, 100_000) },
  { name: 'INSITU_PUBLISH_LINGER_MS', default: '5', description: 'How long the publisher waits to fill a batch.', parse: integer(0, 10_000) },
  { name: 'INSITU_BUS_PARTITIONS', default: '6', description: 'Partitions of each topic Insitu creates (embedded bus and Kafka).', parse: integer(1, 10_000) },
  { name: 'INSITU_LOG_LEVEL', default: 'info', description: 'debug, info, warn, error or silent.', parse: oneOf<LogLevel>('debug', 'info', 'warn', 'error', 'silent') },
  { name: 'INSITU_OPS_PORT', description: 'A process running consumers without the proxy (insitu consume) serves GET /metrics, /healthz and /readyz on this port; unset: it serves nothing. The proxy always serves them on INSITU_PORT.', parse: integer(1, 65_535) },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', description: 'OpenTelemetry collector (OTLP over HTTP, e.g. http://otel-collector:4318). Set: spans of proxied requests and consumers are exported; unset: tracing is a no-op.', parse: httpUrl },
  { name: 'OTEL_SERVICE_NAME', default: 'insitu', description: 'service.name of the exported spans.', parse: text },
  // Kafka
  { name: 'INSITU_KAFKA_BROKERS', description: 'Comma-separated Kafka bootstrap brokers. Set: Kafka runtime via kafkajs. Unset: embedded in-process bus.', parse: brokerList },
  { name: 'INSITU_KAFKA_CLIENT_ID', default: 'insitu', description: 'Kafka client id.', parse: identifier },
  { name: 'INSITU_KAFKA_REPLICATION', default: '-1', description: 'Replication factor of topics Insitu creates (-1: broker default).', parse: integer(-1, 100) },
  { name: 'INSITU_KAFKA_CREATE_TOPICS', default: 'true', description: 'Create missing topics at start-up.', parse: boolean },
  { name: 'INSITU_KAFKA_IDEMPOTENT', default: 'true', description: 'Idempotent producer (needs broker support; turn off for brokers without it).', parse: boolean },
  { name: 'INSITU_KAFKA_REQUEST_TIMEOUT_MS', default: '10000', description: 'Kafka request timeout; a publish slower than this is retried from the spool.', parse: integer(100, 600_000) },
  { name: 'INSITU_KAFKA_SESSION_TIMEOUT_MS', default: '30000', description: 'Consumer group session timeout.', parse: integer(1000, 3_600_000) },
  { name: 'INSITU_KAFKA_HEARTBEAT_MS', default: '3000', description: 'Consumer heartbeat interval (well under the session timeout).', parse: integer(100, 600_000) },
  { name: 'INSITU_KAFKA_MAX_WAIT_MS', default: '250', description: 'Longest a consumer fetch waits for new records (lower: less latency, more requests).', parse: integer(10, 60_000) },
  { name: 'INSITU_CONSUMER_CONCURRENCY', default: '1', description: 'Partitions a consumer processes concurrently (order is kept within each partition, so per conversation).', parse: integer(1, 1000) },
  { name: 'INSITU_KAFKA_SSL', default: 'false', description: 'Connect to Kafka over TLS.', parse: boolean },
  { name: 'INSITU_KAFKA_SASL_MECHANISM', description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (unset: no SASL).', parse: oneOf('plain', 'scram-sha-256', 'scram-sha-512') },
  { name: 'INSITU_KAFKA_SASL_USERNAME', description: 'SASL user name.', parse: text },
  { name: 'INSITU_KAFKA_SASL_PASSWORD', description: 'SASL password.', secret: true, parse: text },
  // Feedback detection
  { name: 'INSITU_DETECTOR', description: 'Feedback detector: local (rules, no model), llm (the judge on every turn) or cascade (local gates, the judge decides the rest). Default: cascade when INSITU_JUDGE_URL and INSITU_JUDGE_MODEL are set, local otherwise.', parse: oneOf('local', 'llm', 'cascade') },
  { name: 'INSITU_JUDGE_URL', description: 'Base URL of the OpenAI-compatible endpoint of the LLM judge (e.g. https://api.openai.com/v1).', parse: httpUrl },
  { name: 'INSITU_JUDGE_MODEL', description: 'Model the LLM judge uses.', parse: text },
  { name: 'INSITU_JUDGE_API_KEY', description: 'API key for the LLM judge.', secret: true, parse: text },
  { name: 'INSITU_JUDGE_TIMEOUT_MS', default: '30000', description: 'Timeout of one judge call.', parse: integer(100, 600_000) },
  { name: 'INSITU_JUDGE_RETRIES', default: '2', description: 'Retries of a judge call that failed or gave an unreadable answer (exponential backoff).', parse: integer(0, 10) },
  { name: 'INSITU_JUDGE_CONCURRENCY', default: '4', description: 'Judge calls in flight at once per process.', parse: integer(1, 256) },
  // Preference pairs and datasets
  { name: 'INSITU_PAIR_MODE', default: 'in-situ', description: 'How the chosen response of a pair is made: in-situ (the assistant\'s accepted revision; no generation cost), expert (INSITU_EXPERT_MODEL answers with the preferences) or on-policy (the upstream answers with and without the preferences; a checklist judge keeps pairs where chosen wins).', parse: oneOf('in-situ', 'expert', 'on-policy') },
  { name: 'INSITU_EXPERT_URL', description: 'Base URL of the OpenAI-compatible endpoint of the expert model (pair mode expert).', parse: httpUrl },
  { name: 'INSITU_EXPERT_MODEL', description: 'The expert model that writes chosen responses (pair mode expert).', parse: text },
  { name: 'INSITU_EXPERT_API_KEY', description: 'API key for the expert model.', secret: true, parse: text },
  { name: 'INSITU_MODERATION_URL', description: 'Base URL of an OpenAI-compatible moderation endpoint (POST /moderations); set: prompts and chosen responses are moderated, flagged pairs dropped.', parse: httpUrl },
  { name: 'INSITU_MODERATION_MODEL', default: 'omni-moderation-latest', description: 'Moderation model.', parse: text },
  { name: 'INSITU_MODERATION_API_KEY', description: 'API key for the moderation endpoint.', secret: true, parse: text },
  { name: 'INSITU_PAIR_MAX_CHARS', default: '32000', description: 'Longest prompt plus response (characters) a pair (each of chosen and rejected) or example may have; longer ones are dropped by the length filter.', parse: integer(100, 10_000_000) },
  { name: 'INSITU_PAIR_DEDUP_JACCARD', default: '0.9', description: 'Word-shingle Jaccard similarity at or above which a pair counts as a near-duplicate of an earlier one of the same tenant.', parse: fraction },
  { name: 'INSITU_TURN_SNAPSHOT_TTL_S', default: '86400', description: 'How long the feedback detector keeps a judged turn\'s conversation in state for the preference builder (seconds). Must exceed the builder\'s worst lag; state memory is about turns/s x turn size x this.', parse: integer(60, 31_536_000) },
  { name: 'INSITU_REVISION_TTL_S', default: '86400', description: 'How long a rejected response waits in state for the user to accept its in-situ revision (seconds).', parse: integer(60, 31_536_000) },
  { name: 'INSITU_PERSONALIZE', default: 'false', description: 'Per-user preference memory: summarised preferences accumulate per user (the request\'s user field) and the proxy prepends them as a system message to that user\'s later requests.', parse: boolean },
  { name: 'INSITU_PERSONALIZE_MAX', default: '12', description: 'Most preferences remembered per user (oldest dropped first).', parse: integer(1, 200) },
  // Training, evaluation, promotion
  { name: 'INSITU_TRAINER', description: 'Fine-tuning backend: openai (any OpenAI-compatible fine-tuning API) or command (writes LLaMA-Factory/TRL data and config, runs INSITU_TRAINER_COMMAND). Unset: the trainer does not train.', parse: oneOf('openai', 'command') },
  { name: 'INSITU_TRAINER_URL', description: 'Base URL of the OpenAI-compatible fine-tuning API (trainer openai), e.g. https://api.together.xyz/v1.', parse: httpUrl },
  { name: 'INSITU_TRAINER_API_KEY', description: 'API key for the fine-tuning API.', secret: true, parse: text },
  { name: 'INSITU_TRAINER_COMMAND', description: 'Command the command backend runs (through /bin/sh) once per stage, with INSITU_TRAIN_CONFIG, INSITU_TRAIN_DATA_DIR, INSITU_TRAIN_STAGE and INSITU_TRAIN_OUTPUT_DIR in its environment, e.g. llamafactory-cli train $INSITU_TRAIN_CONFIG.', parse: text },
  { name: 'INSITU_TRAINER_FORMAT', default: 'llama-factory', description: 'What the command backend writes: llama-factory (datasets + YAML config) or trl (datasets + JSON config).', parse: oneOf('llama-factory', 'trl') },
  { name: 'INSITU_LLAMAFACTORY_TEMPLATE', description: 'LLaMA-Factory chat template of the base model (llama3, qwen, mistral, gemma, chatml, ...; the `template` of its configs). Required with INSITU_TRAINER=command and INSITU_TRAINER_FORMAT=llama-factory: the wrong template trains the model on a prompt format it is never served with.', parse: templateName },
  { name: 'INSITU_FINETUNING_TYPE', default: 'full', description: 'What the command backend trains: full (every weight, as WildFeedback) or lora (adapters: LLaMA-Factory lora_rank 8 on all linear layers; TRL use_peft, lora_r 8, all-linear).', parse: oneOf('full', 'lora') },
  { name: 'INSITU_TRAIN_BASE_MODEL', description: 'The model to fine-tune (required when INSITU_TRAINER is set).', parse: text },
  { name: 'INSITU_TRAIN_MIN_PAIRS', default: '1000', description: 'Retrain once this many new accepted pairs arrived since the last run.', parse: integer(1, 100_000_000) },
  { name: 'INSITU_TRAIN_INTERVAL', description: 'Also retrain at most this often when there are new pairs (e.g. 24h); unset: only the pair count triggers.', parse: duration },
  { name: 'INSITU_TRAIN_CRON', description: 'Retrain on this cron schedule (5 fields, UTC, e.g. 0 3 * * 1) when there are new pairs; combines with the others. Checked at start-up.', parse: cronExpression },
  { name: 'INSITU_TRAIN_TENANTS', default: '', description: "Tenants whose pairs and SFT examples train the model (comma-separated); empty: every tenant's. Pairs of other tenants are neither counted towards INSITU_TRAIN_MIN_PAIRS nor snapshotted.", parse: tenantList },
  { name: 'INSITU_TRAIN_TEST_FRACTION', default: '0.1', description: 'Share of conversations held out for evaluation (split by user and conversation: no test user or conversation appears in train).', parse: fraction },
  { name: 'INSITU_TRAIN_RETRIES', default: '1', description: 'How many times a failed training job is resubmitted.', parse: integer(0, 10) },
  { name: 'INSITU_TRAIN_POLL_INTERVAL', default: '30s', description: 'How often running jobs are polled.', parse: duration },
  { name: 'INSITU_SFT_EPOCHS', default: '1', description: 'SFT epochs (WildFeedback Appendix C).', parse: integer(1, 100) },
  { name: 'INSITU_SFT_LR', default: '5e-6', description: 'SFT learning rate.', parse: positiveNumber },
  { name: 'INSITU_SFT_BATCH', default: '128', description: 'SFT batch size.', parse: integer(1, 65_536) },
  { name: 'INSITU_SFT_WARMUP', default: '0.1', description: 'SFT linear warm-up ratio.', parse: fraction },
  { name: 'INSITU_SFT_SCHEDULER', default: 'cosine', description: 'SFT learning-rate scheduler.', parse: oneOf('cosine', 'linear', 'constant') },
  { name: 'INSITU_DPO_EPOCHS', default: '1', description: 'DPO epochs.', parse: integer(1, 100) },
  { name: 'INSITU_DPO_LR', default: '5e-7', description: 'DPO learning rate.', parse: positiveNumber },
  { name: 'INSITU_DPO_BATCH', default: '32', description: 'DPO batch size.', parse: integer(1, 65_536) },
  { name: 'INSITU_DPO_BETA', default: '0.1', description: 'DPO beta.', parse: positiveNumber },
  { name: 'INSITU_EVAL_URL', description: 'OpenAI-compatible endpoint that serves the candidate and baseline models for evaluation (default: INSITU_UPSTREAM_URL).', parse: httpUrl },
  { name: 'INSITU_EVAL_API_KEY', description: 'API key for INSITU_EVAL_URL (default: INSITU_UPSTREAM_API_KEY).', secret: true, parse: text },
  { name: 'INSITU_EMBEDDINGS_URL', description: 'OpenAI-compatible embeddings endpoint for clustering test prompts; unset: local TF-IDF vectors.', parse: httpUrl },
  { name: 'INSITU_EMBEDDINGS_MODEL', default: 'text-embedding-3-small', description: 'Embeddings model.', parse: text },
  { name: 'INSITU_EMBEDDINGS_API_KEY', description: 'API key for the embeddings endpoint.', secret: true, parse: text },
  { name: 'INSITU_EVAL_CLUSTERS', default: '70', description: 'Clusters of test prompts and preferences (the paper: 70).', parse: integer(1, 10_000) },
  { name: 'INSITU_EVAL_PER_CLUSTER', default: '10', description: 'Test samples picked per cluster, most central preferences first (the paper: 10).', parse: integer(1, 10_000) },
  { name: 'INSITU_SERVED_ALIAS', default: 'insitu', description: 'The model name apps request to get the currently promoted model; the proxy resolves it on each request (other names pass through unchanged).', parse: identifier },
  { name: 'INSITU_PROMOTE_MIN_WIN', default: '0.55', description: 'Promotion gate: the candidate\'s with-checklist win rate over the served model must reach this.', parse: fraction },
  { name: 'INSITU_PROMOTE_MAX_LOSE', default: '0.3', description: 'Promotion gate: and its with-checklist lose rate must stay at or under this.', parse: fraction },
  { name: 'INSITU_PROMOTE_MIN_N', default: '20', description: 'Promotion gate: fewest judged with-checklist comparisons a promotion may rest on.', parse: integer(1, 1_000_000) },
  { name: 'INSITU_PROMOTE_MAX_JUDGE_FAILURES', default: '0.2', description: 'Promotion gate: largest share of attempted comparisons that may have failed (a model did not answer or the judge gave no verdict); failed ones also count as not won.', parse: fraction },
  { name: 'INSITU_PROMOTE_CANARY', default: '0', description: 'Percent of requests a newly promoted model gets first (0: it takes all traffic at once).', parse: integer(0, 100) },
  // Redis
  { name: 'INSITU_REDIS_URL', description: 'Redis URL (redis://host:6379/0). Set: state in Redis. Unset: in-memory state.', secret: true, parse: redisUrl },
  { name: 'INSITU_STATE_MAX_KEYS', default: '100000', description: 'In-memory state only: most keys kept (least recently written are evicted first).', parse: integer(100, 100_000_000) },
] as const satisfies readonly VariableSpec[];

export type VariableName = (typeof VARIABLES)[number]['name'];

export interface Config {
  port: number;
  host: string;
  upstream: {
    url: string;
    apiKey: string | undefined;
    connectTimeoutMs: number;
    timeoutMs: number;
    idleTimeoutMs: number;
  };
  maxBodyBytes: number;
  maxPassthroughBodyBytes: number;
  maxMessages: number;
  maxInflight: number;
  auth: { mode: 'off' | 'keys'; defaultRpm: number; defaultTpm: number };
  redact: { enabled: boolean; types: string; tenants: string | undefined; pseudonymKey: string | undefined };
  dlqMaxAttempts: number;
  maxEventBytes: number;
  defaultTenant: string;
  conversationTtlSeconds: number;
  stateTimeoutMs: number;
  shutdownTimeoutMs: number;
  dataDir: string;
  publish: { queue: number; batch: number; lingerMs: number; spoolReadyBytes: number; spoolMaxBytes: number };
  partitions: number;
  logLevel: LogLevel;
  telemetry: { otlpEndpoint: string | undefined; serviceName: string; opsPort: number | undefined };
  kafka:
    | {
        brokers: string[];
        clientId: string;
        replicationFactor: number;
        createTopics: boolean;
        idempotent: boolean;
        requestTimeoutMs: number;
        sessionTimeoutMs: number;
        heartbeatIntervalMs: number;
        maxWaitTimeMs: number;
        ssl: boolean;
        sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
      }
    | undefined;
  redis: { url: string } | undefined;
  stateMaxKeys: number;
  consumerConcurrency: number;
  detector: 'local' | 'llm' | 'cascade';
  judge: { url: string; model: string; apiKey: string | undefined; timeoutMs: number; retries: number; concurrency: number } | undefined;
  pairs: {
    mode: 'in-situ' | 'expert' | 'on-policy';
    expert: { url: string; model: string; apiKey: string | undefined } | undefined;
    moderation: { url: string; model: string; apiKey: string | undefined } | undefined;
    maxChars: number;
    dedupJaccard: number;
    snapshotTtlSeconds: number;
    revisionTtlSeconds: number;
  };
  personalize: { enabled: boolean; maxPreferences: number };
  training: {
    backend:
      | { kind: 'openai'; url: string; apiKey: string | undefined }
      | { kind: 'command'; command: string; format: 'llama-factory' | 'trl'; template?: string; finetuningType?: 'full' | 'lora' }
      | undefined;
    baseModel: string | undefined;
    minPairs: number;
    intervalMs: number | undefined;
    cron: string | undefined;
    testFraction: number;
    /** Empty: every tenant. */
    tenants: string[];
    retries: number;
    pollIntervalMs: number;
    sft: { epochs: number; learningRate: number; batchSize: number; warmupRatio: number; scheduler: 'cosine' | 'linear' | 'constant' };
    dpo: { epochs: number; learningRate: number; batchSize: number; beta: number };
  };
  evaluation: {
    url: string;
    apiKey: string | undefined;
    embeddings: { url: string; model: string; apiKey: string | undefined } | undefined;
    clusters: number;
    perCluster: number;
  };
  promotion: { alias: string; minWin: number; maxLose: number; minN: number; maxJudgeFailures: number; canaryPercent: number };
}

/** Parses and validates the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values = new Map<string, Parsed>();
  for (const spec of VARIABLES as readonly VariableSpec[]) {
    const raw = env[spec.name];
    const source = raw === undefined || raw === '' ? spec.default : raw;
    values.set(spec.name, source === undefined ? undefined : spec.parse(source, spec.name));
  }
  const get = <T extends Parsed>(name: VariableName) => values.get(name) as T;

  const brokers = get<string[] | undefined>('INSITU_KAFKA_BROKERS');
  const mechanism = get<'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined>('INSITU_KAFKA_SASL_MECHANISM');
  let sasl: NonNullable<Config['kafka']>['sasl'];
  if (mechanism) {
    const username = get<string | undefined>('INSITU_KAFKA_SASL_USERNAME');
    const password = get<string | undefined>('INSITU_KAFKA_SASL_PASSWORD');
    if (!username) fail('INSITU_KAFKA_SASL_USERNAME', 'required when INSITU_KAFKA_SASL_MECHANISM is set');
    if (!password) fail('INSITU_KAFKA_SASL_PASSWORD', 'required when INSITU_KAFKA_SASL_MECHANISM is set');
    sasl = { mechanism, username: username!, password: password! };
  }
  const redis = get<string | undefined>('INSITU_REDIS_URL');
  const judgeUrl = get<string | undefined>('INSITU_JUDGE_URL');
  const judgeModel = get<string | undefined>('INSITU_JUDGE_MODEL');
  if (judgeUrl && !judgeModel) fail('INSITU_JUDGE_MODEL', 'required when INSITU_JUDGE_URL is set');
  if (judgeModel && !judgeUrl) fail('INSITU_JUDGE_URL', 'required when INSITU_JUDGE_MODEL is set');
  const judge = judgeUrl && judgeModel
    ? { url: judgeUrl, model: judgeModel, apiKey: get<string | undefined>('INSITU_JUDGE_API_KEY'), timeoutMs: get<number>('INSITU_JUDGE_TIMEOUT_MS'), retries: get<number>('INSITU_JUDGE_RETRIES'), concurrency: get<number>('INSITU_JUDGE_CONCURRENCY') }
    : undefined;
  const detector = get<'local' | 'llm' | 'cascade' | undefined>('INSITU_DETECTOR') ?? (judge ? 'cascade' : 'local');
  if (detector !== 'local' && !judge) fail('INSITU_DETECTOR', `'${detector}' needs INSITU_JUDGE_URL and INSITU_JUDGE_MODEL`);
  const expertUrl = get<string | undefined>('INSITU_EXPERT_URL');
  const expertModel = get<string | undefined>('INSITU_EXPERT_MODEL');
  if (expertUrl && !expertModel) fail('INSITU_EXPERT_MODEL', 'required when INSITU_EXPERT_URL is set');
  if (expertModel && !expertUrl) fail('INSITU_EXPERT_URL', 'required when INSITU_EXPERT_MODEL is set');
  const pairMode = get<'in-situ' | 'expert' | 'on-policy'>('INSITU_PAIR_MODE');
  if (pairMode === 'expert' && !expertUrl) fail('INSITU_PAIR_MODE', "'expert' needs INSITU_EXPERT_URL and INSITU_EXPERT_MODEL");
  const moderationUrl = get<string | undefined>('INSITU_MODERATION_URL');
  const trainer = get<'openai' | 'command' | undefined>('INSITU_TRAINER');
  const trainerUrl = get<string | undefined>('INSITU_TRAINER_URL');
  const trainerCommand = get<string | undefined>('INSITU_TRAINER_COMMAND');
  if (trainer === 'openai' && !trainerUrl) fail('INSITU_TRAINER_URL', "required when INSITU_TRAINER is 'openai'");
  if (trainer === 'command' && !trainerCommand?.trim()) fail('INSITU_TRAINER_COMMAND', "required when INSITU_TRAINER is 'command'");
  if (trainer === 'command' && get<string>('INSITU_TRAINER_FORMAT') === 'llama-factory' && !get<string | undefined>('INSITU_LLAMAFACTORY_TEMPLATE')) {
    fail('INSITU_LLAMAFACTORY_TEMPLATE', "required when INSITU_TRAINER is 'command' with INSITU_TRAINER_FORMAT llama-factory: the base model's chat template (llama3, qwen, mistral, ...)");
  }
  if (trainer && !get<string | undefined>('INSITU_TRAIN_BASE_MODEL')) fail('INSITU_TRAIN_BASE_MODEL', 'required when INSITU_TRAINER is set');
  if (get<string>('INSITU_AUTH') === 'keys' && !get<string | undefined>('INSITU_UPSTREAM_API_KEY')) {
    fail('INSITU_UPSTREAM_API_KEY', "required when INSITU_AUTH is 'keys' (callers present virtual keys, which never go upstream)");
  }
  const cron = get<string | undefined>('INSITU_TRAIN_CRON');
  const embeddingsUrl = get<string | undefined>('INSITU_EMBEDDINGS_URL');

  return {
    port: get('INSITU_PORT'),
    host: get('INSITU_HOST'),
    upstream: {
      url: get('INSITU_UPSTREAM_URL'),
      apiKey: get('INSITU_UPSTREAM_API_KEY'),
      connectTimeoutMs: get('INSITU_UPSTREAM_CONNECT_TIMEOUT_MS'),
      timeoutMs: get('INSITU_UPSTREAM_TIMEOUT_MS'),
      idleTimeoutMs: get('INSITU_UPSTREAM_IDLE_TIMEOUT_MS'),
    },
    maxBodyBytes: get('INSITU_MAX_BODY'),
    maxPassthroughBodyBytes: get('INSITU_MAX_PASSTHROUGH_BODY'),
    maxMessages: get('INSITU_MAX_MESSAGES'),
    maxInflight: get('INSITU_MAX_INFLIGHT'),
    auth: { mode: get('INSITU_AUTH'), defaultRpm: get('INSITU_KEY_RPM'), defaultTpm: get('INSITU_KEY_TPM') },
    redact: { enabled: get('INSITU_REDACT'), types: get('INSITU_REDACT_TYPES'), tenants: get('INSITU_REDACT_TENANTS'), pseudonymKey: get('INSITU_REDACT_PSEUDONYM_KEY') },
    dlqMaxAttempts: get('INSITU_DLQ_MAX_ATTEMPTS'),
    maxEventBytes: get('INSITU_MAX_EVENT_BYTES'),
    defaultTenant: get('INSITU_DEFAULT_TENANT'),
    conversationTtlSeconds: get('INSITU_CONVERSATION_TTL_S'),
    stateTimeoutMs: get('INSITU_STATE_TIMEOUT_MS'),
    shutdownTimeoutMs: get('INSITU_SHUTDOWN_TIMEOUT_MS'),
    dataDir: get('INSITU_DATA_DIR'),
    publish: { queue: get('INSITU_PUBLISH_QUEUE'), batch: get('INSITU_PUBLISH_BATCH'), lingerMs: get('INSITU_PUBLISH_LINGER_MS'), spoolReadyBytes: get('INSITU_SPOOL_READY_BYTES'), spoolMaxBytes: get('INSITU_SPOOL_MAX_BYTES') },
    partitions: get('INSITU_BUS_PARTITIONS'),
    logLevel: get('INSITU_LOG_LEVEL'),
    telemetry: { otlpEndpoint: get('OTEL_EXPORTER_OTLP_ENDPOINT'), serviceName: get('OTEL_SERVICE_NAME'), opsPort: get('INSITU_OPS_PORT') },
    kafka: brokers
      ? {
          brokers,
          clientId: get('INSITU_KAFKA_CLIENT_ID'),
          replicationFactor: get('INSITU_KAFKA_REPLICATION'),
          createTopics: get('INSITU_KAFKA_CREATE_TOPICS'),
          idempotent: get('INSITU_KAFKA_IDEMPOTENT'),
          requestTimeoutMs: get('INSITU_KAFKA_REQUEST_TIMEOUT_MS'),
          sessionTimeoutMs: get('INSITU_KAFKA_SESSION_TIMEOUT_MS'),
          heartbeatIntervalMs: get('INSITU_KAFKA_HEARTBEAT_MS'),
          maxWaitTimeMs: get('INSITU_KAFKA_MAX_WAIT_MS'),
          ssl: get('INSITU_KAFKA_SSL'),
          sasl,
        }
      : undefined,
    redis: redis ? { url: redis } : undefined,
    stateMaxKeys: get('INSITU_STATE_MAX_KEYS'),
    consumerConcurrency: get('INSITU_CONSUMER_CONCURRENCY'),
    detector,
    judge,
    pairs: {
      mode: pairMode,
      expert: expertUrl && expertModel ? { url: expertUrl, model: expertModel, apiKey: get('INSITU_EXPERT_API_KEY') } : undefined,
      moderation: moderationUrl ? { url: moderationUrl, model: get('INSITU_MODERATION_MODEL'), apiKey: get('INSITU_MODERATION_API_KEY') } : undefined,
      maxChars: get('INSITU_PAIR_MAX_CHARS'),
      dedupJaccard: get('INSITU_PAIR_DEDUP_JACCARD'),
      snapshotTtlSeconds: get('INSITU_TURN_SNAPSHOT_TTL_S'),
      revisionTtlSeconds: get('INSITU_REVISION_TTL_S'),
    },
    personalize: { enabled: get('INSITU_PERSONALIZE'), maxPreferences: get('INSITU_PERSONALIZE_MAX') },
    training: {
      backend:
        trainer === 'openai'
          ? { kind: 'openai', url: trainerUrl!, apiKey: get('INSITU_TRAINER_API_KEY') }
          : trainer === 'command'
            ? { kind: 'command', command: trainerCommand!, format: get('INSITU_TRAINER_FORMAT'), template: get('INSITU_LLAMAFACTORY_TEMPLATE'), finetuningType: get('INSITU_FINETUNING_TYPE') }
            : undefined,
      baseModel: get('INSITU_TRAIN_BASE_MODEL'),
      minPairs: get('INSITU_TRAIN_MIN_PAIRS'),
      intervalMs: get('INSITU_TRAIN_INTERVAL'),
      cron: cron?.trim(),
      testFraction: get('INSITU_TRAIN_TEST_FRACTION'),
      tenants: get('INSITU_TRAIN_TENANTS'),
      retries: get('INSITU_TRAIN_RETRIES'),
      pollIntervalMs: get('INSITU_TRAIN_POLL_INTERVAL'),
      sft: { epochs: get('INSITU_SFT_EPOCHS'), learningRate: get('INSITU_SFT_LR'), batchSize: get('INSITU_SFT_BATCH'), warmupRatio: get('INSITU_SFT_WARMUP'), scheduler: get('INSITU_SFT_SCHEDULER') },
      dpo: { epochs: get('INSITU_DPO_EPOCHS'), learningRate: get('INSITU_DPO_LR'), batchSize: get('INSITU_DPO_BATCH'), beta: get('INSITU_DPO_BETA') },
    },
    evaluation: {
      url: get<string | undefined>('INSITU_EVAL_URL') ?? get('INSITU_UPSTREAM_URL'),
      apiKey: get<string | undefined>('INSITU_EVAL_API_KEY') ?? get('INSITU_UPSTREAM_API_KEY'),
      embeddings: embeddingsUrl ? { url: embeddingsUrl, model: get('INSITU_EMBEDDINGS_MODEL'), apiKey: get('INSITU_EMBEDDINGS_API_KEY') } : undefined,
      clusters: get('INSITU_EVAL_CLUSTERS'),
      perCluster: get('INSITU_EVAL_PER_CLUSTER'),
    },
    promotion: { alias: get('INSITU_SERVED_ALIAS'), minWin: get('INSITU_PROMOTE_MIN_WIN'), maxLose: get('INSITU_PROMOTE_MAX_LOSE'), minN: get('INSITU_PROMOTE_MIN_N'), maxJudgeFailures: get('INSITU_PROMOTE_MAX_JUDGE_FAILURES'), canaryPercent: get('INSITU_PROMOTE_CANARY') },
  };
}

/** Markdown table of every variable, for README.md (kept in sync by a test). */
export function variablesTable(): string {
  const rows = (VARIABLES as readonly VariableSpec[]).map(
    (v) => `| \`${v.name}\` | ${v.default === undefined ? '(unset)' : `\`${v.default}\``} | ${v.description}${v.secret ? ' Secret: never logged.' : ''} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
