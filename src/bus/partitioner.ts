// Kafka's default partitioner (murmur2 of the key, positive, modulo partitions), so a conversation lands
// on the same partition number on the embedded bus as kafkajs would choose on Kafka.

export function murmur2(data: Buffer): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = seed ^ length;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length - i;
  if (rest === 3) h ^= (data[i + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[i + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[i]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions;
}
