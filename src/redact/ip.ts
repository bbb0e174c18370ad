// IP addresses: IPv4 with valid octets (no leading zeros), IPv6 full, compressed and IPv4-mapped, checked by
// node:net. Times (10:30, 10:30:45) and MAC addresses are not IPv6 and stay.
import { isIPv6 } from 'node:net';
import { PLACEHOLDERS, type Detector } from './types.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.\\-])(?:${OCTET}\\.){3}${OCTET}(?![\\w\\-]|\\.\\d)`, 'g');
// Hex groups separated by colons; the ':'-delimited groups make the split unambiguous (no backtracking blow-up).
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|(?=:))(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?![\w:])/g;
const PRECHECK = /\d\.\d|::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:/;

export const isIpv6Address = (candidate: string): boolean => candidate !== '::' && /\d/.test(candidate) && isIPv6(candidate);

export const ipDetector: Detector = {
  type: 'ip',
  mayContain: (text) => PRECHECK.test(text),
  replace: (text, hit) =>
    text
      .replace(IPV6, (m) => {
        if (!isIpv6Address(m)) return m;
        hit();
        return PLACEHOLDERS.ip;
      })
      .replace(IPV4, () => {
        hit();
        return PLACEHOLDERS.ip;
      }),
};
