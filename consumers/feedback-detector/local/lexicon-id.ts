// Indonesian cues (a smaller set, Malay largely shares them), grouped by rubric like lexicon-en.ts.
// tidak/gak/bukan before the cue negates it (negation.ts); idioms ("tidak apa-apa", "sama-sama") first.
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const ID_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('halo|hai|tolong|sama-sama|sama sama|selamat (?:pagi|siang|malam)'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('tidak apa-apa|tidak apa apa|gak apa-apa|nggak apa-apa|gapapa|ga papa|tidak masalah|gak masalah|oke|baiklah|paham|mengerti|siap'), weight: 0.6, negated: 'fixed', tag: 'tidak apa-apa' },
  { rubric: 'praise', pattern: w('lumayan|tidak buruk|gak jelek'), weight: 0.9, negated: 'fixed', tag: 'lumayan' },
  { rubric: 'learning', pattern: w('baru tahu|baru tau|tidak tahu itu|menarik|sekarang (?:saya |aku )?(?:paham|mengerti|ngerti)'), weight: 0.9, negated: 'fixed', tag: 'baru tahu' },
  { rubric: 'ignored', pattern: w('bukan itu yang (?:saya|aku|gue) (?:tanya|tanyakan|minta|maksud)|bukan itu maksud(?:nya|ku|saya)|jawab pertanyaan(?:ku| saya)|saya sudah bilang|aku udah bilang|sudah saya bilang'), weight: 1.4, negated: 'fixed', tag: 'bukan itu yang saya tanya' },
  { rubric: 'factual_error', pattern: w('salah|keliru|tidak benar|gak bener|tidak tepat|kurang tepat|yakin\\?|beneran\\?|ngawur|ngaco'), weight: 1.2, negated: 'fixed', tag: 'salah' },
  { rubric: 'negative_feedback', pattern: w('tidak berfungsi|gak jalan|nggak jalan|tidak bekerja|tidak membantu|gak membantu|masih error|masih salah|jelek|buruk|payah|parah|kecewa|mengecewakan|tidak berguna|gak guna|percuma|bodoh|menyebalkan|buang waktu'), weight: 1.3, negated: 'fixed', tag: 'tidak membantu' },
  { rubric: 'no_engagement', pattern: w('lupakan|sudahlah|udahlah|terserah|gak usah|nggak usah|tidak usah'), weight: 1.0, negated: 'fixed', tag: 'lupakan' },
  { rubric: 'style', pattern: w('terlalu (?:panjang|pendek|rumit|formal|kaku)|lebih (?:singkat|pendek|sederhana|simpel|santai)|singkat saja|poin-poin|dalam (?:bentuk )?(?:tabel|poin|daftar)|(?:pakai|dalam) bahasa (?:indonesia|inggris)'), weight: 1.1, negated: 'fixed', tag: 'terlalu panjang' },
  { rubric: 'insufficient_detail', pattern: w('lebih (?:detail|rinci|lengkap|jelas)|lebih detail lagi|secara detail|contohnya\\?|beri contoh|kasih contoh|terlalu (?:umum|singkat)|kurang (?:jelas|lengkap|detail)|itu saja\\?|pilihan lain|opsi lain'), weight: 1.0, negated: 'fixed', tag: 'lebih detail' },
  { rubric: 'revision', pattern: w('coba lagi|ulangi|tulis ulang|perbaiki|ganti|ubah|yang lain|maksud (?:saya|aku|ku)'), weight: 1.0, negated: 'fixed', tag: 'coba lagi' },
  { rubric: 'gratitude', pattern: w('terima kasih banyak|makasih banyak|sangat membantu|membantu sekali|sangat berguna|sangat bermanfaat'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'terima kasih banyak' },
  { rubric: 'gratitude', pattern: w('terima kasih|terimakasih|makasih|trims|thx|membantu|bermanfaat|berguna'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'terima kasih' },
  { rubric: 'praise', pattern: w('mantap|mantul|keren|sempurna|hebat|luar biasa|bagus sekali|bagus banget|sangat bagus|top|jos|pas banget'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'mantap' },
  { rubric: 'praise', pattern: w('bagus|baik|oke banget'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'bagus' },
  { rubric: 'acknowledgment', pattern: w('benar|betul|bener|tepat|setuju|masuk akal|iya benar'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'benar' },
  { rubric: 'compliance', pattern: w('akan (?:saya )?coba|saya coba|aku coba|sudah (?:bisa|jalan|berhasil)|udah bisa|berhasil|sekarang (?:bisa|jalan)'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'berhasil' },
  { rubric: 'humor', pattern: w('wkwk\\p{L}*|haha\\p{L}*|lucu'), weight: 0.8, negated: 'fixed', tag: 'wkwk' },
  { rubric: 'positive_closure', pattern: w('itu saja|sudah cukup|sampai jumpa|dadah'), weight: 0.3, negated: 'fixed', tag: 'itu saja' },
];
