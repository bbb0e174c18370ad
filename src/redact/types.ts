// What redaction recognises, and the typed placeholder each kind of personal data is replaced by.
// Placeholders never match a detector, so redacting redacted text changes nothing.

export const PII_TYPES = ['email', 'phone', 'card', 'ip', 'secret'] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** `[EMAIL]` email addresses, `[PHONE]` phone numbers, `[CARD]` Luhn-valid payment card numbers,
 * `[IP]` IPv4/IPv6 addresses, `[SECRET]` API keys, tokens and passwords. */
export const PLACEHOLDERS: Record<PiiType, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  ip: '[IP]',
  secret: '[SECRET]',
};

export type RedactionCounts = Record<PiiType, number>;

export const zeroCounts = (): RedactionCounts => ({ email: 0, phone: 0, card: 0, ip: 0, secret: 0 });

/** One kind of personal data: a cheap test that rules out clean text, and the replacement itself. */
export interface Detector {
  type: PiiType;
  /** False when `text` certainly holds none (linear, allocation-free); true means "look closer". */
  mayContain(text: string): boolean;
  /** `text` with every occurrence replaced by the placeholder; `hit` is called once per replacement. */
  replace(text: string, hit: () => void): string;
}
