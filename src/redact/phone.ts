// Phone numbers: international (+CC or 00CC, 8-15 digits), North American (area code 2-9, 3-3-4 with
// separators or parentheses) and European national formats (trunk 0, 9-12 digits in groups of 2+).
// A candidate is a run of digit groups joined by single separators; the shape decides. Plain digit runs,
// dates (2024-01-15, 15.01.2024), times (10:30), versions (1.2.3) and ids glued to words are not phones.
import { acceptedSpans, replaceSpans } from './runs.js';
import { PLACEHOLDERS, type Detector } from './types.js';

// Groups of digits separated by one non-digit separator each: unambiguous, so linear.
const CANDIDATE = /(?<![\w@#$%&+\-/(])(?<!\d[.,])(?:\(\+|\+?\(?)\d+(?:(?:[ \-./]|\)[ \-.]?|[ \-.]?\()\d+)*(?![\w@]|[\-/.,:]\d)/g;
const PRECHECK = /\d(?:[ \-.()/]{0,2}\d){6}/;
/** The most space-separated chunks one phone number spans (+33 1 23 45 67 89). */
const MAX_CHUNKS = 8;

export function isPhoneNumber(text: string): boolean {
  const groups = text.match(/\d+/g) ?? [];
  const digits = groups.join('');
  const n = digits.length;
  if (text.startsWith('+') || text.startsWith('(+')) return n >= 8 && n <= 15 && digits[0] !== '0' && !text.includes('/');
  if (groups.length < 2) return false; // a plain digit run: an id, an amount, a timestamp
  if (digits.startsWith('00')) return digits[2] !== '0' && n - 2 >= 8 && n - 2 <= 15 && !text.includes('/');
  if (digits[0] === '0') return n >= 9 && n <= 12 && groups.length <= 5 && groups.every((g) => g.length >= 2) && groups[0]!.length <= 5;
  if (text.includes('/')) return false;
  // North American: [1] AAA EEE NNNN.
  const rest = groups[0] === '1' ? groups.slice(1) : groups;
  return rest.length === 3 && rest[0]!.length === 3 && rest[1]!.length === 3 && rest[2]!.length === 4 && rest[0]![0]! >= '2';
}

export const phoneDetector: Detector = {
  type: 'phone',
  mayContain: (text) => PRECHECK.test(text),
  replace: (text, hit) => text.replace(CANDIDATE, (run) => replaceSpans(run, acceptedSpans(run, { maxChunks: MAX_CHUNKS, minDigits: 8, maxDigits: 17, accept: isPhoneNumber }), PLACEHOLDERS.phone, hit)),
};
