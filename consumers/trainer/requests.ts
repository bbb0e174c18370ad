// `insitu train --now` while a trainer leads: rather than a second trainer, the command leaves a request in
// state (<prefix>:train-request) and the leader serves it on its next tick, creating the job with an id made
// from the request's, so a leader that crashes between creating the job and answering cannot create two. The
// answer (the job id, or why there is none) is written into the request, which the command waits for.
import { ulid } from '../../src/ids.js';
import type { StateStore } from '../../src/state/types.js';

export interface TrainRequest {
  id: string;
  /** Who asked (the command's owner id). */
  by: string;
  requested_at: string;
  job_id: string | null;
  error: string | null;
}

/** An answered request is kept this long for the command to read, then expires. */
const ANSWERED_TTL_MS = 24 * 3600_000;

const parse = (raw: string | null): TrainRequest | null => (raw ? (JSON.parse(raw) as TrainRequest) : null);
const pending = (r: TrainRequest | null) => r !== null && r.job_id === null && r.error === null;

/** The job a request becomes (deterministic: serving a request twice finds the same job). */
export const requestedJobId = (request: TrainRequest) => `job_${request.id}`;

/** Leaves a request, or joins the one already waiting; returns it. */
export async function submitTrainRequest(state: StateStore, key: string, by: string): Promise<TrainRequest> {
  for (;;) {
    const raw = await state.get(key);
    const current = parse(raw);
    if (current && pending(current)) return current;
    const request: TrainRequest = { id: ulid(), by, requested_at: new Date().toISOString(), job_id: null, error: null };
    const text = JSON.stringify(request);
    if (raw === null ? await state.set(key, text, { onlyIfAbsent: true }) : await state.setIfEquals(key, raw, text)) return request;
  }
}

/** The request waiting to be served, or null. */
export async function pendingTrainRequest(state: StateStore, key: string): Promise<TrainRequest | null> {
  const current = parse(await state.get(key));
  return pending(current) ? current : null;
}

/** Writes the answer into the request it belongs to (a newer request is left alone). */
export async function answerTrainRequest(state: StateStore, key: string, request: TrainRequest, answer: { job_id: string } | { error: string }): Promise<void> {
  const raw = await state.get(key);
  if (parse(raw)?.id !== request.id) return;
  await state.setIfEquals(key, raw!, JSON.stringify({ ...request, job_id: null, error: null, ...answer }), { ttlMs: ANSWERED_TTL_MS });
}

/** Polls until the request is answered; null when `timeoutMs` passed first. */
export async function awaitTrainRequest(state: StateStore, key: string, id: string, options: { timeoutMs: number; everyMs: number }): Promise<TrainRequest | null> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const current = parse(await state.get(key));
    if (current?.id === id && !pending(current)) return current;
    if (current && current.id !== id) return null; // replaced (it expired unanswered and someone asked again)
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, options.everyMs));
  }
}
