// The dashboard's memory: the last N events of each topic and the latest event of each training job. Pure (no
// I/O): the hub feeds it from one bus subscription, the routes read it. Bounded, so a busy proxy keeps a fixed
// footprint however long it runs.
import type { PreferencePair } from '../../src/events/preference.js';
import type { TrainingEvent } from '../../src/events/training.js';
import { tenantOf, type DashboardEvent, type DashboardEventKind } from './views.js';

export const DEFAULT_RING_SIZE = 500;
export const DEFAULT_JOB_LIMIT = 200;

/** A bounded buffer keyed by id: the oldest entry falls out when full; an id seen again replaces its entry. */
export class Ring<T> {
  private readonly entries = new Map<string, T>();
  constructor(readonly capacity: number, private readonly keyOf: (item: T) => string) {}

  /** True when the id was not held already (a re-delivered event is not news). */
  push(item: T): boolean {
    const key = this.keyOf(item);
    const fresh = !this.entries.delete(key);
    this.entries.set(key, item);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return fresh;
  }

  /** Oldest first. */
  items(): T[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }
}

const eventKey = (event: DashboardEvent): string => {
  switch (event.kind) {
    case 'turn':
      return event.data.turn_id;
    case 'feedback':
      return event.data.feedback_id;
    case 'preference':
      return event.data.pair_id;
    case 'training':
      return event.data.event_id;
  }
};

export interface PairQuery {
  offset: number;
  limit: number;
  tenant: string | null;
  includeDropped: boolean;
}

export interface PairPage {
  object: 'list';
  data: PreferencePair[];
  total: number;
  offset: number;
  has_more: boolean;
}

export const EVENT_KINDS: DashboardEventKind[] = ['turn', 'feedback', 'preference', 'training'];

export class DashboardStore {
  private readonly rings: Record<DashboardEventKind, Ring<DashboardEvent>>;
  /** job_id -> its latest event; insertion order = least recently updated first. */
  private readonly jobTable = new Map<string, TrainingEvent>();

  constructor(private readonly options: { ringSize?: number; jobLimit?: number } = {}) {
    const size = options.ringSize ?? DEFAULT_RING_SIZE;
    this.rings = { turn: new Ring(size, eventKey), feedback: new Ring(size, eventKey), preference: new Ring(size, eventKey), training: new Ring(size, eventKey) };
  }

  /** Keeps the event; true when it is new (worth sending to open streams). */
  add(event: DashboardEvent): boolean {
    const fresh = this.rings[event.kind].push(event);
    // A re-delivered old step must not roll its job back.
    if (fresh && event.kind === 'training') this.applyJob(event.data);
    return fresh;
  }

  /** Up to `perKind` of the newest events of each kind, merged oldest first (the order a live stream has). */
  backfill(perKind: number, tenant: string | null): DashboardEvent[] {
    const out: DashboardEvent[] = [];
    for (const kind of EVENT_KINDS) {
      const matching = this.rings[kind].items().filter((e) => tenant === null || tenantOf(e) === null || tenantOf(e) === tenant);
      out.push(...matching.slice(Math.max(0, matching.length - perKind)));
    }
    return out.sort((a, b) => a.data.created_at.localeCompare(b.data.created_at));
  }

  /** Recent pairs, newest first. */
  pairs(query: PairQuery): PairPage {
    const all = this.rings.preference
      .items()
      .map((e) => e.data as PreferencePair)
      .filter((p) => (query.includeDropped || p.accepted) && (query.tenant === null || p.tenant === query.tenant))
      .reverse();
    const data = all.slice(query.offset, query.offset + query.limit);
    return { object: 'list', data, total: all.length, offset: query.offset, has_more: query.offset + data.length < all.length };
  }

  /** The latest event of each job, most recently updated first. */
  jobs(): TrainingEvent[] {
    return [...this.jobTable.values()].reverse();
  }

  private applyJob(event: TrainingEvent): void {
    this.jobTable.delete(event.job_id);
    this.jobTable.set(event.job_id, event);
    const limit = this.options.jobLimit ?? DEFAULT_JOB_LIMIT;
    while (this.jobTable.size > limit) this.jobTable.delete(this.jobTable.keys().next().value!);
  }
}
