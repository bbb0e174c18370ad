// Identifiers. Turn ids are ULIDs: 26 Crockford base32 characters, lexicographically sortable by creation
// time, monotonic within one process (same millisecond -> random part incremented).
import { randomBytes, createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = -1;
const lastRandom = new Uint8Array(10);

function encodeTime(time: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[time % 32] + out;
    time = Math.floor(time / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 characters of 5 bits each.
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or earlier, after a clock step back) millisecond: keep order by incrementing the random part.
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i]! < 255) {
        lastRandom[i]!++;
        break;
      }
      lastRandom[i] = 0;
    }
    now = lastTime;
  } else {
    lastRandom.set(randomBytes(10));
    lastTime = now;
  }
  return encodeTime(now) + encodeRandom(lastRandom);
}

export const newTurnId = (): string => `turn_${ulid()}`;
export const newConversationId = (): string => `conv_${ulid()}`;

/** Short, stable, URL-safe digest of a string (sha256, base64url, 128 bits). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/**
 * A ULID that is a function of its inputs: the time part from `timeMs`, the random part from a digest of
 * `seed`. Replaying the same history (a resumed backfill) gives the same ids, so consumers dedupe it.
 */
export function deterministicUlid(timeMs: number, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 10);
  return encodeTime(Math.max(0, Math.min(2 ** 48 - 1, Math.floor(timeMs)))) + encodeRandom(bytes);
}
