// A simulated OpenAI fine-tuning API on a real socket: the subset the openai training backend uses (files,
// fine-tuning jobs, their events, cancel, list), with bodies typed by the openai package's own types. Jobs move
// validating_files -> queued -> running -> succeeded one step per retrieve (or on a timer), and the uploaded
// file is validated line by line for the job's method as the real service does, failing the job with
// invalid_training_file when a line is wrong.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FileObject } from 'openai/resources/files';
import type { FineTuningJob, FineTuningJobEvent, JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';

export interface SimFineTuningOptions {
  /** Every request must carry `Authorization: Bearer <requireApiKey>`; others get 401. */
  requireApiKey?: string;
  /** 'retrieve' (default): each GET of a job moves it one step; a number: every job moves one step each that many ms. */
  advance?: 'retrieve' | number;
  /** Fewest training examples a file must hold (OpenAI's is 10; default 1 to keep fixtures small). */
  minExamples?: number;
}

export interface SimRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, if any (uploads: undefined, see uploadedFiles). */
  json: any;
}

export interface SimUploadedFile {
  file: FileObject;
  content: string;
  /** Each non-empty line parsed (undefined where it is not JSON). */
  lines: unknown[];
}

export interface SimFineTuning {
  /** Base URL including /v1. */
  url: string;
  requests: SimRequest[];
  uploadedFiles: SimUploadedFile[];
  /** Jobs as they stand, oldest first (the objects the server answers with). */
  jobs: FineTuningJob[];
  /** The bodies jobs were created with, by job id. */
  jobRequests: Map<string, JobCreateParams>;
  /** A job's events, newest first. */
  events(jobId: string): FineTuningJobEvent[];
  /** The next n jobs created fail once running, with error.message `message`. */
  failNext(n: number, message?: string): void;
  /** The next n requests get this HTTP status with an OpenAI-style error (e.g. 500, 429). */
  failRequests(n: number, status?: number): void;
  /** Moves every job that is not over to its end (succeeded, or failed as scripted). */
  settle(): void;
  close(): Promise<void>;
}

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | null = null, readonly param: string | null = null) {
    super(message);
  }
  body(): ErrorBody {
    return { error: { message: this.message, type: this.status >= 500 ? 'server_error' : 'invalid_request_error', param: this.param, code: this.code } };
  }
}

const now = () => Math.floor(Date.now() / 1000);
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isMessage(m: unknown): boolean {
  return isObject(m) && typeof m.role === 'string' && ['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role) && (typeof m.content === 'string' || Array.isArray(m.content) || m.content === null);
}

function isOneAssistantMessage(value: unknown): boolean {
  return Array.isArray(value) && value.length === 1 && isObject(value[0]) && value[0].role === 'assistant' && typeof value[0].content === 'string' && value[0].content.length > 0;
}

/** The first problem with a line for the method, as the real service words it; null when valid. */
export function trainingLineProblem(method: 'supervised' | 'dpo', line: unknown): string | null {
  if (!isObject(line)) return 'not a JSON object';
  if (method === 'supervised') {
    if (!Array.isArray(line.messages) || line.messages.length === 0) return 'missing "messages"';
    if (!line.messages.every(isMessage)) return 'a message has an invalid role or content';
    if (!line.messages.some((m: any) => m.role === 'assistant')) return 'no assistant message';
    return null;
  }
  if (!isObject(line.input) || !Array.isArray(line.input.messages) || line.input.messages.length === 0) return 'missing "input.messages"';
  if (!line.input.messages.every(isMessage)) return 'an input message has an invalid role or content';
  if (!isOneAssistantMessage(line.preferred_output)) return '"preferred_output" must be exactly one assistant message';
  if (!isOneAssistantMessage(line.non_preferred_output)) return '"non_preferred_output" must be exactly one assistant message';
  return null;
}

function parseLines(content: string): unknown[] {
  return content
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSimFineTuning(options: SimFineTuningOptions = {}): Promise<SimFineTuning> {
  const requests: SimRequest[] = [];
  const uploadedFiles: SimUploadedFile[] = [];
  const jobs: FineTuningJob[] = [];
  const jobRequests = new Map<string, JobCreateParams>();
  const events = new Map<string, FineTuningJobEvent[]>();
  const scriptedFailures = new Map<string, string>();
  const failures: string[] = [];
  const requestFailures: number[] = [];
  const minExamples = options.minExamples ?? 1;
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}-sim${++counter}`;

  const emit = (job: FineTuningJob, message: string, extra: Partial<FineTuningJobEvent> = {}) => {
    const event: FineTuningJobEvent = { id: nextId('ftevent'), object: 'fine_tuning.job.event', created_at: now(), level: 'info', message, type: 'message', ...extra };
    events.get(job.id)!.unshift(event);
  };
  const fail = (job: FineTuningJob, error: FineTuningJob.Error) => {
    job.status = 'failed';
    job.error = error;
    job.finished_at = now();
    emit(job, error.message, { level: 'error' });
  };
  const isOver = (job: FineTuningJob) => job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';

  /** One step of a job's life. */
  function advance(job: FineTuningJob): void {
    switch (job.status) {
      case 'validating_files': {
        const upload = uploadedFiles.find((f) => f.file.id === job.training_file)!;
        const method = job.method?.type === 'dpo' ? 'dpo' : 'supervised';
        const bad = upload.lines.findIndex((line) => trainingLineProblem(method, line) !== null);
        if (bad >= 0) {
          const problem = trainingLineProblem(method, upload.lines[bad]);
          fail(job, { code: 'invalid_training_file', message: `The job failed due to an invalid training file. Invalid file format. Line ${bad + 1}: ${problem}.`, param: 'training_file' });
        } else if (upload.lines.length < minExamples) {
          fail(job, { code: 'invalid_training_file', message: `Training file ${upload.file.id} has ${upload.lines.length} example(s), but must have at least ${minExamples} examples.`, param: 'training_file' });
        } else {
          job.status = 'queued';
          emit(job, 'Files validated, moving job to queued state');
        }
        return;
      }
      case 'queued':
        job.status = 'running';
        emit(job, 'Fine-tuning job started');
        emit(job, 'Step 1/2: training loss=1.25', { type: 'metrics', data: { step: 1, total_steps: 2, train_loss: 1.25 } });
        return;
      case 'running': {
        const scripted = scriptedFailures.get(job.id);
        if (scripted !== undefined) {
          fail(job, { code: 'training_failed', message: scripted, param: null });
          return;
        }
        emit(job, 'Step 2/2: training loss=0.62', { type: 'metrics', data: { step: 2, total_steps: 2, train_loss: 0.62 } });
        const upload = uploadedFiles.find((f) => f.file.id === job.training_file)!;
        job.status = 'succeeded';
        job.trained_tokens = Math.ceil(upload.content.length / 4) * (typeof job.hyperparameters.n_epochs === 'number' ? job.hyperparameters.n_epochs : 1);
        // Like OpenAI: a model fine-tuned from a fine-tuned model is named after the base model, not ft:ft:...
        const base = job.model.startsWith('ft:') ? job.model.split(':')[1]! : job.model;
        job.fine_tuned_model = `ft:${base}:insitu:${jobRequests.get(job.id)?.suffix ?? 'model'}:${job.id}`;
        job.finished_at = now();
        emit(job, 'The job has successfully completed');
        return;
      }
      default:
    }
  }

  function createJob(body: any): FineTuningJob {
    if (!isObject(body) || typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'Missing required parameter: \'model\'.', 'missing_required_parameter', 'model');
    if (typeof body.training_file !== 'string') throw new HttpError(400, 'Missing required parameter: \'training_file\'.', 'missing_required_parameter', 'training_file');
    const upload = uploadedFiles.find((f) => f.file.id === body.training_file);
    if (!upload) throw new HttpError(400, `invalid training_file: ${body.training_file}`, 'invalid_training_file', 'training_file');
    if (upload.file.purpose !== 'fine-tune') throw new HttpError(400, `File ${upload.file.id} has purpose ${upload.file.purpose}, not fine-tune.`, 'invalid_training_file', 'training_file');
    const type = body.method?.type ?? 'supervised';
    if (type !== 'supervised' && type !== 'dpo') throw new HttpError(400, `Unsupported method type: ${type}`, 'invalid_method', 'method.type');
    const hyper = body.method?.[type]?.hyperparameters ?? {};
    const job: FineTuningJob = {
      id: nextId('ftjob'),
      object: 'fine_tuning.job',
      created_at: now(),
      error: null,
      fine_tuned_model: null,
      finished_at: null,
      hyperparameters: { n_epochs: hyper.n_epochs ?? 'auto', batch_size: hyper.batch_size ?? 'auto', learning_rate_multiplier: hyper.learning_rate_multiplier ?? 'auto' },
      model: body.model,
      organization_id: 'org-sim',
      result_files: [],
      seed: typeof body.seed === 'number' ? body.seed : 42,
      status: 'validating_files',
      trained_tokens: null,
      training_file: body.training_file,
      validation_file: null,
      metadata: isObject(body.metadata) ? body.metadata : null,
      method: { type, [type]: { hyperparameters: hyper } },
    };
    jobs.push(job);
    jobRequests.set(job.id, body as JobCreateParams);
    events.set(job.id, []);
    const failure = failures.shift();
    if (failure !== undefined) scriptedFailures.set(job.id, failure);
    emit(job, `Validating training file: ${job.training_file}`);
    return job;
  }

  async function upload(req: IncomingMessage, body: Buffer): Promise<FileObject> {
    const form = await new Request('http://sim/v1/files', { method: 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body }).formData().catch(() => {
      throw new HttpError(400, 'Expected a multipart/form-data body.');
    });
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (file === null || typeof file === 'string') throw new HttpError(400, "Missing required parameter: 'file'.", 'missing_required_parameter', 'file');
    if (purpose !== 'fine-tune' && purpose !== 'batch' && purpose !== 'assistants' && purpose !== 'user_data') throw new HttpError(400, `Invalid purpose: ${String(purpose)}`, null, 'purpose');
    const content = await file.text();
    const record: FileObject = { id: nextId('file'), object: 'file', bytes: Buffer.byteLength(content), created_at: now(), filename: (file as { name?: string }).name ?? 'upload', purpose, status: 'processed' };
    uploadedFiles.push({ file: record, content, lines: parseLines(content) });
    return record;
  }

  const findJob = (id: string) => {
    const job = jobs.find((j) => j.id === id);
    if (!job) throw new HttpError(404, `No fine-tuning job found with id ${id}.`, 'fine_tune_not_found', 'fine_tuning_job_id');
    return job;
  };

  async function route(req: IncomingMessage, url: URL, body: Buffer, json: unknown): Promise<unknown> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const limit = Number(url.searchParams.get('limit') ?? 20);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/files') return upload(req, body);
    if (method === 'GET' && (m = /^\/v1\/files\/([^/]+)$/.exec(path))) {
      const found = uploadedFiles.find((f) => f.file.id === m![1]);
      if (!found) throw new HttpError(404, `No such File object: ${m[1]}`, null, 'id');
      return found.file;
    }
    if (method === 'POST' && path === '/v1/fine_tuning/jobs') return createJob(json);
    if (method === 'GET' && path === '/v1/fine_tuning/jobs') {
      // The metadata filter as OpenAI documents it: metadata[k]=v, every pair must match.
      const wanted = [...url.searchParams].flatMap(([k, v]) => { const km = /^metadata\[(.+)\]$/.exec(k); return km ? [[km[1]!, v] as const] : []; });
      const matching = [...jobs].reverse().filter((j) => wanted.every(([k, v]) => j.metadata?.[k] === v));
      return { object: 'list', data: matching.slice(0, limit), has_more: matching.length > limit };
    }
    if (method === 'GET' && (m = /^\/v1\/fine_tuning\/jobs\/([^/]+)$/.exec(path))) {
      const job = findJob(m[1]!);
      if (options.advance === undefined || options.advance === 'retrieve') advance(job);
      return job;
    }
    if (method === 'GET' && (m = /^\/v1\/fine_tuning\/jobs\/([^/]+)\/events$/.exec(path))) {
      const list = events.get(findJob(m[1]!).id)!;
      return { object: 'list', data: list.slice(0, limit), has_more: list.length > limit };
    }
    if (method === 'POST' && (m = /^\/v1\/fine_tuning\/jobs\/([^/]+)\/cancel$/.exec(path))) {
      const job = findJob(m[1]!);
      if (isOver(job)) throw new HttpError(400, `Job ${job.id} has already ${job.status}.`);
      job.status = 'cancelled';
      job.finished_at = now();
      emit(job, 'Fine-tuning job cancelled');
      return job;
    }
    throw new HttpError(404, `Unknown request URL: ${method} ${path}.`, 'unknown_url');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const body = await readBody(req);
    const isUpload = url.pathname === '/v1/files' && req.method === 'POST';
    let json: unknown;
    if (!isUpload && body.length) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    requests.push({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, json });
    let status = 200;
    let answer: unknown;
    try {
      const scriptedStatus = requestFailures.shift();
      if (scriptedStatus !== undefined) throw new HttpError(scriptedStatus, `The server had an error while processing your request (scripted ${scriptedStatus}).`);
      // Some providers echo the key they were given; OpenAI masks it. The sim echoes it whole, the worst case.
      if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
        const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        throw new HttpError(401, `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
      }
      if (!isUpload && body.length && json === undefined) throw new HttpError(400, 'We could not parse the JSON body of your request.');
      answer = await route(req, url, body, json);
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, `sim error: ${(error as Error).message}`);
      status = httpError.status;
      answer = httpError.body();
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const timer = typeof options.advance === 'number' ? setInterval(() => jobs.filter((j) => !isOver(j)).forEach(advance), options.advance) : undefined;
  timer?.unref();
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    uploadedFiles,
    jobs,
    jobRequests,
    events: (jobId) => events.get(jobId) ?? [],
    failNext(n, message = 'Fine-tuning failed: the training run diverged (scripted).') {
      for (let i = 0; i < n; i++) failures.push(message);
    },
    failRequests(n, status = 500) {
      for (let i = 0; i < n; i++) requestFailures.push(status);
    },
    settle() {
      for (const job of jobs) for (let i = 0; i < 4 && !isOver(job); i++) advance(job);
    },
    async close() {
      if (timer) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The environment that points Insitu's trainer at a sim (for a full-loop test's loadConfig). */
export function simFineTuningEnv(sim: Pick<SimFineTuning, 'url'>, apiKey = 'sk-sim-trainer'): Record<string, string> {
  return { INSITU_TRAINER: 'openai', INSITU_TRAINER_URL: sim.url, INSITU_TRAINER_API_KEY: apiKey };
}
