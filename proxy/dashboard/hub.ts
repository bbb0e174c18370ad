// One bus subscription per proxy process feeds the dashboard, rather than one per browser tab (as the
// preference stream does): each tab would cost a consumer on the bus. One ephemeral subscription, started on
// the first dashboard request, reads only the last ringSize records of each partition (fromLast, so opening
// the dashboard on a large retained topic reads 500 records per partition, not the topic) into bounded ring
// buffers (the last 500 events of each topic) and then follows them; every tab gets a backfill from the rings
// and its live events from the same subscription, fanned out in memory. Closed with the proxy.
import { randomBytes } from 'node:crypto';
import type { Bus, DeliveredRecord, Subscription } from '../../src/bus/types.js';
import type { Logger } from '../../src/log.js';
import { TOPICS } from '../../src/topics.js';
import { DEFAULT_RING_SIZE, DashboardStore } from './store.js';
import { turnRow, type DashboardEvent } from './views.js';

export type Listener = (event: DashboardEvent) => void;

const KIND_OF_TOPIC: Record<string, DashboardEvent['kind']> = {
  [TOPICS.turns]: 'turn',
  [TOPICS.feedback]: 'feedback',
  [TOPICS.preferences]: 'preference',
  [TOPICS.training]: 'training',
};

/** The dashboard's view of one record; null for records that are not events of the expected shape. */
export function toDashboardEvent(record: DeliveredRecord): DashboardEvent | null {
  const kind = KIND_OF_TOPIC[record.topic];
  let value: unknown;
  try {
    value = JSON.parse(record.value);
  } catch {
    return null;
  }
  if (!kind || !value || typeof value !== 'object' || typeof (value as { created_at?: unknown }).created_at !== 'string') return null;
  try {
    if (kind === 'turn') return { kind, data: turnRow(value as never) };
    return { kind, data: value as never };
  } catch {
    return null; // a turn missing the fields a row needs
  }
}

export interface DashboardHub {
  readonly store: DashboardStore;
  /** Starts the shared subscription once; rejects (and retries on the next call) when the bus is unreachable. */
  ready(): Promise<void>;
  /** Registers a listener of new events; returns its removal. */
  listen(listener: Listener): () => void;
  close(): Promise<void>;
}

export function createDashboardHub(deps: { bus: Bus; logger: Logger; ringSize?: number }): DashboardHub {
  const store = new DashboardStore({ ringSize: deps.ringSize });
  const listeners = new Set<Listener>();
  let starting: Promise<Subscription> | undefined;
  let closed = false;

  const deliver = async (records: DeliveredRecord[]) => {
    for (const record of records) {
      const event = toDashboardEvent(record);
      if (!event || !store.add(event)) continue;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          deps.logger.warn('a dashboard listener failed', { error });
        }
      }
    }
  };

  return {
    store,
    ready() {
      if (closed) return Promise.reject(new Error('the dashboard is closed'));
      starting ??= deps.bus
        .subscribe({
          group: `insitu.dashboard-${randomBytes(6).toString('hex')}`,
          topics: [TOPICS.turns, TOPICS.feedback, TOPICS.preferences, TOPICS.training],
          fromLast: deps.ringSize ?? DEFAULT_RING_SIZE, // what the rings can hold, no more
          ephemeral: true,
          handler: deliver,
        })
        .catch((error) => {
          starting = undefined;
          throw error;
        });
      return starting.then(() => undefined);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      const subscription = await starting?.catch(() => undefined);
      starting = undefined;
      await subscription?.close();
    },
  };
}
