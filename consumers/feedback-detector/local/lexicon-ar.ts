// Arabic cues (a smaller set, Modern Standard with common dialect forms), grouped by rubric like
// lexicon-en.ts. لا/ليس/غير/لم before the cue negates it (negation.ts); idioms ("لا مشكلة", "عفوا") first.
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const AR_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('مرحبا|السلام عليكم|عفوا|من فضلك|لو سمحت|على الرحب والسعة'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('لا مشكلة|لا بأس|مفهوم|فهمت|حسنا|حسناً|تمام|ماشي|اوكي'), weight: 0.6, negated: 'fixed', tag: 'لا مشكلة' },
  { rubric: 'praise', pattern: w('ليس سيئا|ليس سيئاً|مش بطال|مو سيء'), weight: 0.9, negated: 'fixed', tag: 'ليس سيئا' },
  { rubric: 'learning', pattern: w('لم أكن أعرف|لم اكن اعرف|ما كنت اعرف|معلومة جديدة|مثير للاهتمام|الآن فهمت|الان فهمت'), weight: 0.9, negated: 'fixed', tag: 'لم أكن أعرف' },
  { rubric: 'ignored', pattern: w('(?:هذا )?ليس ما (?:طلبت|سألت|أردت|قصدت)|لم تجب (?:على )?سؤالي|أجب (?:على )?سؤالي|اجب على سؤالي|قلت لك|سبق أن قلت|خارج الموضوع'), weight: 1.4, negated: 'fixed', tag: 'ليس ما طلبت' },
  { rubric: 'factual_error', pattern: w('خطأ|خاطئ|خاطئة|غلط|غير صحيح|ليس صحيحا|ليس صحيحاً|غير دقيق|هل أنت متأكد|متأكد\\?|كلام فارغ'), weight: 1.2, negated: 'fixed', tag: 'خطأ' },
  { rubric: 'negative_feedback', pattern: w('لا يعمل|ما يشتغل|مش شغال|لم يساعد|ما ساعد|لا فائدة|عديم الفائدة|سيء|سيئ|سيئة|فاشل|مخيب|خيبة أمل|مزعج|غبي|مضيعة للوقت|ما زال (?:لا يعمل|خطأ)'), weight: 1.3, negated: 'fixed', tag: 'لا يعمل' },
  { rubric: 'no_engagement', pattern: w('انس الأمر|انسى الموضوع|لا يهم|مش مهم|خلاص|دعك من هذا'), weight: 1.0, negated: 'fixed', tag: 'انس الأمر' },
  { rubric: 'style', pattern: w('طويل جدا|طويل جداً|أطول من اللازم|أقصر|اختصر|باختصار|بشكل مختصر|أبسط|نقاط|على شكل (?:نقاط|جدول)|في جدول|بالعربية|بالعربي|بالإنجليزية|بالانجليزي'), weight: 1.1, negated: 'fixed', tag: 'طويل جدا' },
  { rubric: 'insufficient_detail', pattern: w('تفاصيل أكثر|المزيد من التفاصيل|بالتفصيل|اشرح أكثر|وضح أكثر|مثال\\?|أعطني مثال|عام جدا|غير كاف|هل هذا كل شيء|خيارات أخرى'), weight: 1.0, negated: 'fixed', tag: 'تفاصيل أكثر' },
  { rubric: 'revision', pattern: w('مرة أخرى|مرة ثانية|أعد (?:الكتابة|كتابة|صياغة|المحاولة)|اعد كتابة|صحح|عدل|قصدت|أقصد|اقصد'), weight: 1.0, negated: 'fixed', tag: 'مرة أخرى' },
  { rubric: 'gratitude', pattern: w('شكرا جزيلا|شكراً جزيلاً|شكرا جزيلاً|شكرا كثيرا|ألف شكر|الف شكر|مفيد جدا|مفيد جداً|ساعدتني كثيرا|جزاك الله خيرا'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'شكرا جزيلا' },
  { rubric: 'gratitude', pattern: w('شكرا|شكراً|شكرًا|مشكور|تسلم|يعطيك العافية|مفيد|مفيدة|ساعدتني'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'شكرا' },
  { rubric: 'praise', pattern: w('ممتاز|ممتازة|رائع|رائعة|مذهل|مثالي|عظيم|أحسنت|احسنت|جميل جدا|بالضبط ما (?:أريد|احتاج)|تمام التمام|يا سلام'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'ممتاز' },
  { rubric: 'praise', pattern: w('جيد|جيدة|جميل|حلو|كويس|زين'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'جيد' },
  { rubric: 'acknowledgment', pattern: w('صحيح|صح|معك حق|عندك حق|بالضبط|منطقي|أوافق|موافق'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'صحيح' },
  { rubric: 'compliance', pattern: w('سأجرب|سوف أجرب|راح اجرب|اشتغل|نجح|تم الحل|انحلت'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'سأجرب' },
  { rubric: 'humor', pattern: w('ه{3,}|هههه\\p{L}*|مضحك'), weight: 0.8, negated: 'fixed', tag: 'هههه' },
  { rubric: 'positive_closure', pattern: w('هذا كل شيء|مع السلامة|إلى اللقاء|الى اللقاء|يوم سعيد'), weight: 0.3, negated: 'fixed', tag: 'مع السلامة' },
];
