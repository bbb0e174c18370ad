// Negation scope: is a cue negated by what comes just before it in the same clause? English looks back up to
// three words ("not very helpful", "doesn't really work"); a bare "no" only negates the word right after it
// ("no help"), so "no, thanks" is not a negation, and idioms such as "no problem" are matched whole before
// this check runs. Chinese looks at the characters right before the cue, allowing one degree word (不太好).

const EN_NEGATORS = new Set([
  'not', 'never', 'hardly', 'barely', 'nothing', 'neither', 'nor', 'without', 'cannot', 'nobody', 'none',
  "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "wouldn't", "can't", "couldn't",
  "shouldn't", "haven't", "hasn't", "hadn't", "ain't", 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt',
  'wont', 'wouldnt', 'cant', 'couldnt', 'havent', 'hasnt',
]);

const WORD_BEFORE_RE = /([a-z']+)[^a-z']*$/;

/** True when the English cue starting at `at` is negated within its clause (which starts at `clauseStart`). */
export function negatedEn(norm: string, clauseStart: number, at: number): boolean {
  let end = at;
  for (let k = 0; k < 3; k++) {
    const m = WORD_BEFORE_RE.exec(norm.slice(clauseStart, end));
    if (!m) return false;
    const w = m[1] as string;
    if (EN_NEGATORS.has(w)) return true;
    if (w === 'no' && k === 0 && norm.slice(clauseStart, clauseStart + m.index).trim() !== '') return true;
    end = clauseStart + m.index;
  }
  return false;
}

const ZH_NEGATORS = ['不', '没', '没有', '别', '未', '无', '非', '不是', '并不', '一点也不', '一点都不'];
const ZH_DEGREE = ['太', '很', '那么', '够', '怎么', '是很', '大'];

/** True when the Chinese cue starting at `at` is negated by the characters right before it. */
export function negatedZh(norm: string, clauseStart: number, at: number): boolean {
  const window = norm.slice(Math.max(clauseStart, at - 5), at);
  for (const n of ZH_NEGATORS) if (window.endsWith(n)) return true;
  for (const d of ZH_DEGREE) {
    if (!window.endsWith(d)) continue;
    const rest = window.slice(0, -d.length);
    if (ZH_NEGATORS.some((n) => rest.endsWith(n))) return true;
  }
  return false;
}
