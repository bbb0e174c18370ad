// Redacts one string with the detectors of the given types. Order matters: secrets first (a token may hold
// digit runs or '@'), then emails, cards, IPs, phones last (their digit groups are the loosest).
import { cardDetector } from './card.js';
import { emailDetector } from './email.js';
import { ipDetector } from './ip.js';
import { phoneDetector } from './phone.js';
import { secretDetector } from './secret.js';
import { zeroCounts, type Detector, type PiiType, type RedactionCounts } from './types.js';

const DETECTORS: Detector[] = [secretDetector, emailDetector, cardDetector, ipDetector, phoneDetector];

export interface RedactedText {
  text: string;
  counts: RedactionCounts;
}

export function redactText(text: string, types: ReadonlySet<PiiType>, counts: RedactionCounts = zeroCounts()): RedactedText {
  let out = text;
  if (types.size === 0 || out.length === 0) return { text: out, counts };
  for (const detector of DETECTORS) {
    if (!types.has(detector.type) || !detector.mayContain(out)) continue;
    out = detector.replace(out, () => counts[detector.type]++);
  }
  return { text: out, counts };
}
