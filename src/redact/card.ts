// Payment card numbers: 13-19 digits, optionally grouped by single spaces or dashes the way cards are printed
// (4-4-4-4, 4-6-5, ...; dots as in 4111.1111.1111.1111 too), an issuer's first digit (2-6) and a valid Luhn checksum. A 16-digit number failing
// Luhn is left alone.
import { acceptedSpans, replaceSpans } from './runs.js';
import { PLACEHOLDERS, type Detector } from './types.js';

// A run of digit groups joined by single spaces or dashes; the cards are looked for inside it.
const CANDIDATE = /(?<![\w\-+.,])\d+(?:[ \-.]\d+)*(?![\w]|[\-.,]\d)/g;
/** The most space-separated chunks one card number spans (4 4 4 4 3). */
const MAX_CHUNKS = 5;
const PRECHECK = /\d(?:[ \-.]?\d){12}/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Groupings cards are written in: one block, fours (last one shorter), or Amex/Diners 4-6-5 and 4-6-4. */
function cardGrouping(groups: number[]): boolean {
  if (groups.length === 1) return true;
  const [a, b, c] = groups;
  if (groups.length === 3 && a === 4 && b === 6 && (c === 5 || c === 4)) return true;
  return groups.slice(0, -1).every((g) => g === 4) && groups[groups.length - 1]! >= 1 && groups[groups.length - 1]! <= 4;
}

export function isCardNumber(candidate: string): boolean {
  const groups = candidate.split(/[ \-.]/);
  const digits = groups.join('');
  if (digits.length < 13 || digits.length > 19) return false;
  if (digits[0]! < '2' || digits[0]! > '6') return false;
  return cardGrouping(groups.map((g) => g.length)) && luhnValid(digits);
}

export const cardDetector: Detector = {
  type: 'card',
  mayContain: (text) => PRECHECK.test(text),
  replace: (text, hit) => text.replace(CANDIDATE, (run) => replaceSpans(run, acceptedSpans(run, { maxChunks: MAX_CHUNKS, minDigits: 13, maxDigits: 19, opensGroup: (chunk) => chunk.length === 4, accept: isCardNumber }), PLACEHOLDERS.card, hit)),
};
