// Email addresses. Lengths are bounded (RFC 5321: local part <= 64, labels <= 63) and a match may only begin
// at the start of a run of address characters, so matching stays linear on adversarial input.
import { PLACEHOLDERS, type Detector } from './types.js';

const EMAIL =
  /(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}(?!(?:png|jpe?g|gif|svg|webp|bmp|ico|js|mjs|css|json|html?|tsx?|jsx)(?![A-Za-z0-9\-]))[A-Za-z]{2,24}(?![A-Za-z0-9\-])/g;

export const emailDetector: Detector = {
  type: 'email',
  mayContain: (text) => text.includes('@'),
  replace: (text, hit) =>
    text.replace(EMAIL, () => {
      hit();
      return PLACEHOLDERS.email;
    }),
};
