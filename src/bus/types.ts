// The bus: topics of keyed records, partitioned by key, consumed by groups with committed offsets.
// Two implementations share this interface and one contract test suite: Kafka (kafkajs) and embedded.

export interface OutgoingRecord {
  topic: string;
  key: string;
  /** Serialized event (JSON text). */
  value: string;
  headers?: Record<string, string>;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

export interface DeliveredRecord {
  topic: string;
  partition: number;
  /** Opaque, increasing within a partition. */
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

/** Records of one partition, in order. The batch's offsets are committed after the handler resolves. */
export type BatchHandler = (records: DeliveredRecord[]) => Promise<void>;

export interface SubscribeOptions {
  group: string;
  topics: string[];
  /** Where a group with no committed offset starts: the beginning or only new records (default). */
  fromBeginning?: boolean;
  /**
   * Where a group with no committed offset starts, overriding fromBeginning: the last N records of each
   * partition as it is when subscribing, then everything new. For taps that show recent history (the
   * dashboard) without replaying a whole retained topic.
   */
  fromLast?: number;
  handler: BatchHandler;
  /** Do not keep committed offsets (a tap): the embedded bus writes no group file. */
  ephemeral?: boolean;
  /** Called when the handler throws; the batch is retried after a pause. */
  onError?: (error: unknown, records: DeliveredRecord[]) => void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** Creates missing topics (no-op for existing ones). */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Publishes all records or throws (BusError: retriable; RecordRejectedError: never accepted). */
  publish(records: OutgoingRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Per partition of the topic, the offset its next record will get (Kafka's high watermark; the embedded log's
   * size): every record there now has a smaller offset, every later one an equal or larger one.
   */
  endOffsets(topic: string): Promise<Map<number, string>>;
  /** Throws when the bus is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
