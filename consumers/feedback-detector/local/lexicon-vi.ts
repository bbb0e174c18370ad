// Vietnamese cues (a smaller set), grouped by rubric like lexicon-en.ts. Words are syllables separated by
// spaces; không/chưa/chẳng before the cue negates it (negation.ts); idioms ("không sao", "không có gì") first.
import type { CueSpec } from './cues.js';
import { wordPattern as w } from './languages.js';

export const VI_CUES: readonly CueSpec[] = [
  { rubric: null, pattern: w('xin chào|chào bạn|không có gì|làm ơn|vui lòng'), weight: 0 },
  { rubric: 'acknowledgment', pattern: w('không sao|không vấn đề|được rồi|ok rồi|hiểu rồi|tôi hiểu|mình hiểu|đã hiểu'), weight: 0.6, negated: 'fixed', tag: 'không sao' },
  { rubric: 'praise', pattern: w('không tệ|cũng không tệ'), weight: 0.9, negated: 'fixed', tag: 'không tệ' },
  { rubric: 'learning', pattern: w('tôi không biết|không biết điều này|thú vị|giờ thì hiểu|bây giờ (?:tôi |mình )?hiểu'), weight: 0.9, negated: 'fixed', tag: 'thú vị' },
  { rubric: 'ignored', pattern: w('không phải (?:cái|điều) (?:tôi|mình|em) (?:hỏi|muốn)|không trả lời (?:câu hỏi|đúng)|trả lời câu hỏi của (?:tôi|mình)|tôi đã nói|mình đã nói|lạc đề'), weight: 1.4, negated: 'fixed', tag: 'không phải cái tôi hỏi' },
  { rubric: 'factual_error', pattern: w('sai rồi|sai|không đúng|chưa đúng|không chính xác|nhầm|bạn chắc không|thật không\\?|vô lý'), weight: 1.2, negated: 'fixed', tag: 'sai rồi' },
  { rubric: 'negative_feedback', pattern: w('không hoạt động|không chạy|không giúp|vô dụng|tệ|dở|kém|tồi|thất vọng|chán|ngu|phí thời gian|vẫn (?:lỗi|sai|không)'), weight: 1.3, negated: 'fixed', tag: 'vô dụng' },
  { rubric: 'no_engagement', pattern: w('thôi bỏ đi|bỏ đi|quên đi|thôi khỏi|sao cũng được|kệ đi'), weight: 1.0, negated: 'fixed', tag: 'thôi bỏ đi' },
  { rubric: 'style', pattern: w('dài quá|quá dài|ngắn gọn|ngắn hơn|đơn giản hơn|dễ hiểu hơn|gạch đầu dòng|dạng bảng|bằng tiếng (?:việt|anh)'), weight: 1.1, negated: 'fixed', tag: 'dài quá' },
  { rubric: 'insufficient_detail', pattern: w('chi tiết hơn|cụ thể hơn|giải thích thêm|thêm chi tiết|ví dụ\\?|cho ví dụ|chung chung|chưa đủ|còn gì nữa không|lựa chọn khác'), weight: 1.0, negated: 'fixed', tag: 'chi tiết hơn' },
  { rubric: 'revision', pattern: w('làm lại|viết lại|thử lại|sửa lại|đổi (?:cái )?khác|cái khác|ý (?:tôi|mình) là'), weight: 1.0, negated: 'fixed', tag: 'làm lại' },
  { rubric: 'gratitude', pattern: w('cảm ơn (?:bạn )?(?:rất )?nhiều|cám ơn nhiều|rất hữu ích|giúp ích (?:rất )?nhiều'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'cảm ơn nhiều' },
  { rubric: 'gratitude', pattern: w('cảm ơn|cám ơn|cảm tạ|thanks|hữu ích|giúp ích'), weight: 0.6, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'cảm ơn' },
  { rubric: 'praise', pattern: w('tuyệt vời|tuyệt|hoàn hảo|xuất sắc|quá đỉnh|đỉnh|rất tốt|rất hay|giỏi quá|đúng cái tôi cần'), weight: 1.2, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: 'tuyệt vời' },
  { rubric: 'praise', pattern: w('tốt|đẹp|ổn'), weight: 0.7, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: 'tốt' },
  { rubric: 'acknowledgment', pattern: w('đúng rồi|chính xác|đúng vậy|bạn nói đúng|hợp lý|đồng ý'), weight: 0.9, negated: { rubric: 'factual_error', weight: 0.9 }, tag: 'đúng rồi' },
  { rubric: 'compliance', pattern: w('tôi sẽ thử|mình sẽ thử|để tôi thử|chạy được rồi|được rồi đó|thành công|giải quyết được'), weight: 0.9, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: 'chạy được rồi' },
  { rubric: 'humor', pattern: w('haha\\p{L}*|buồn cười|hài'), weight: 0.8, negated: 'fixed', tag: 'haha' },
  { rubric: 'positive_closure', pattern: w('vậy thôi|thế thôi|tạm biệt|hẹn gặp lại'), weight: 0.3, negated: 'fixed', tag: 'tạm biệt' },
];
