// API-key-like secrets: well-known key formats (OpenAI sk-, Insitu isk_, Stripe, AWS access key ids, GitHub,
// GitLab, Hugging Face, npm, Slack, Google), JWTs (a base64url JSON header), PEM private key blocks, the
// userinfo of a URL (`https://user:pass@host`: the host stays), the token of `Bearer <token>`, and high-entropy
// values after words like key, token, secret, password (`api_key=...`, `"password": "..."`). For the last three
// the surrounding text stays and only the secret becomes [SECRET], so the text still reads.
// Prefixes that also start ordinary identifiers (sk-, isk_, hf_, npm_, glpat-, xoxb-) need a random-looking body:
// `hf_hub_download`, `npm_config_cache`, `sk-learn` are code, not keys.
import { PLACEHOLDERS, type Detector } from './types.js';

const KNOWN =
  /(?<![A-Za-z0-9_\-])(?:sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_\-]{16,}|isk_[A-Za-z0-9_\-]{16,}|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_\-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|(?:xox[abeprs]|xapp)-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35})(?![A-Za-z0-9_\-])/g;
const JWT = /(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*(?![A-Za-z0-9_\-.])/g;
// BEGIN to END, or, for a block cut off before its END line, the run of base64 (and header) text after BEGIN.
// The body can only hold PEM characters, so each scan stops at the first other one: linear.
const PEM =
  /-----BEGIN ([A-Z0-9 ]{0,30})PRIVATE KEY( BLOCK)?-----(?:[A-Za-z0-9+/=:,.\s\-]*?-----END \1PRIVATE KEY\2-----|[A-Za-z0-9+/=:,.\-]*(?:\s+[A-Za-z0-9+/=:,.\-]+)*)/g;
// scheme://user:password@ or scheme://:password@ (bounded parts; the userinfo cannot hold '/', '?', '#', '@' or spaces).
const URL_USERINFO = /(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]{1,19}:\/\/)[^\s/?#@:]{0,256}:[^\s/?#@]{1,256}@(?=[A-Za-z0-9[])/g;
const BEARER = /\b(bearer)(\s+)([A-Za-z0-9._~+/\-]{8,}=*)(?![A-Za-z0-9._~+/\-=])/gi;
// An identifier ending in a secret-ish word, a ':' or '=' (quotes allowed around, as in JSON or YAML), a value.
// Starts only at the beginning of an identifier, and the prefix is bounded: linear.
const ASSIGNED =
  /(?<![A-Za-z0-9_.\-])((?:[A-Za-z0-9_.\-]{0,40}[_.\-])?(api[_\-]?key|apikey|key|token|secret|password|passwd|pwd|passphrase|credentials?|auth)s?["']?\s*[:=]\s*["']?)([^\s"'`,;:[\]<>{}()$*]{6,})/gi;
const PRECHECK = /sk-|isk_|hf_|npm_|glpat-|xapp-|PRIVATE KEY|:\/\/|k_live_|k_test_|A[KS]IA|A[GIR][PDO]A|AN[PV]A|gh[pousr]_|github_pat_|xox|AIza|eyJ|bearer|key|token|secret|passw|pwd|passphrase|credential|auth/i;

const WORDLIKE_PREFIX = /^(sk-(proj-|svcacct-|admin-|ant-)?|isk_|hf_|npm_|glpat-|xox[a-z]-|xapp-)/;
const hasDigit = (s: string) => /\d/.test(s);
const hasLetter = (s: string) => /[A-Za-z]/.test(s);

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const c of s) freq.set(c, (freq.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** Random-looking: long enough, letters and digits mixed, not a repeated pattern. */
export const looksRandom = (v: string): boolean => v.length >= 12 && hasDigit(v) && hasLetter(v) && entropy(v) >= 3;

const isPasswordWord = (word: string) => /^(password|passwd|pwd|passphrase)$/i.test(word);

/** A password value: anything but a plain word (`password: string`, `password=required`). */
const looksLikePassword = (v: string): boolean => v.length >= 6 && (/[^A-Za-z]/.test(v) || v.length >= 12);

function jsonHeader(part: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header);
  } catch {
    return false;
  }
}

export const secretDetector: Detector = {
  type: 'secret',
  mayContain: (text) => PRECHECK.test(text),
  replace(text, hit) {
    const secret = () => {
      hit();
      return PLACEHOLDERS.secret;
    };
    return text
      .replace(PEM, secret)
      .replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${secret()}@`)
      .replace(KNOWN, (m) => {
        // A hyphenated phrase after "sk-" or an identifier after "hf_" is not a key: key bodies are random.
        const body = m.replace(WORDLIKE_PREFIX, '');
        return body === m || (hasDigit(body) && hasLetter(body)) ? secret() : m;
      })
      .replace(JWT, (m) => (jsonHeader(m.slice(0, m.indexOf('.'))) ? secret() : m))
      .replace(BEARER, (m, word: string, space: string, token: string) => (hasDigit(token) || looksRandom(token) ? `${word}${space}${secret()}` : m))
      .replace(ASSIGNED, (m, lead: string, word: string, value: string) => {
        const isSecret = isPasswordWord(word) ? looksLikePassword(value) : looksRandom(value);
        return isSecret ? `${lead}${secret()}` : m;
      });
  },
};
