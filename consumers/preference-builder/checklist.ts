// A local checklist judge: the stand-in that keeps on-policy pairs only when the response generated with the
// user's preferences follows them better than the one generated without (the paper filters on-policy data the
// same way, with GPT-4 and the preferences as a checklist). It checks what can be checked without a model:
// length wishes, list formatting, code, the response language, things the user asked to leave out, and
// otherwise how many of the preference's content words the response covers. The checklist-guided LLM judge
// of the evaluation step replaces it where a judge model is configured.

export type ChecklistVerdict = 'chosen' | 'rejected' | 'tie';

export const LOCAL_CHECKLIST_JUDGE = 'local-checklist';

const STOPWORDS = new Set(
  'the a an and or but to of in on for with that this these those is are was were be been being it its user users prefers prefer wants want would like likes answer answers response responses should more less very not no any all their they them his her from into about than then also use using used'.split(' '),
);

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const cjkShare = (text: string) => {
  const letters = text.match(/\p{L}/gu) ?? [];
  return letters.length === 0 ? 0 : letters.filter((c) => /\p{Script=Han}/u.test(c)).length / letters.length;
};
const listLines = (text: string) => text.split('\n').filter((l) => /^\s*(?:[-*•]|\d+[.)])\s+/.test(l)).length;

/** +1: `a` follows the preference better, -1: `b` does, 0: no difference the rules can see. */
function compareOn(preference: string, a: string, b: string): number {
  const p = preference.toLowerCase();
  const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
  if (/\b(short|shorter|concise|brief|briefer|succinct|less verbose)\b|简短|简洁|短一点/.test(p)) return sign(b.length - a.length);
  if (/\b(longer|more detail|detailed|elaborate|in depth|thorough)\b|详细/.test(p)) return sign(a.length - b.length);
  if (/\b(bullet|bulleted|list|numbered|steps)\b|列表|分点/.test(p)) return sign(listLines(a) - listLines(b));
  if (/\b(code|snippet|example code)\b|代码/.test(p)) return sign(Number(a.includes('```')) - Number(b.includes('```')));
  if (/\b(chinese|mandarin)\b|中文/.test(p)) return sign(cjkShare(a) - cjkShare(b));
  if (/\benglish\b|英文/.test(p)) return sign(cjkShare(b) - cjkShare(a));
  const avoid = /\b(?:without|avoid|no more|not include|leave out|omit|stop (?:using|adding))\s+([\p{L}\p{N} -]{3,40})/iu.exec(preference);
  if (avoid) {
    const term = avoid[1]!.trim().toLowerCase().split(/\s+/).slice(0, 3).join(' ');
    return sign(Number(b.toLowerCase().includes(term)) - Number(a.toLowerCase().includes(term)));
  }
  const wanted = new Set(words(preference).filter((w) => w.length >= 4 && !STOPWORDS.has(w)));
  if (wanted.size === 0) return 0;
  const cover = (text: string) => {
    const have = new Set(words(text));
    return [...wanted].filter((w) => have.has(w)).length;
  };
  return sign(cover(a) - cover(b));
}

/** Which of two responses follows the preferences (a checklist) better. */
export function judgeAgainstChecklist(preferences: string[], chosen: string, rejected: string): ChecklistVerdict {
  const score = preferences.reduce((sum, p) => sum + compareOn(p, chosen, rejected), 0);
  return score > 0 ? 'chosen' : score < 0 ? 'rejected' : 'tie';
}
