// Chinese cues, grouped by rubric. No word boundaries in Chinese, so cues are multi-character phrases; idioms
// that contain a negator or a cue character (不错, 没问题, 不好意思, 不客气) come first and claim their span.
import type { CueSpec } from './cues.js';

export const ZH_CUES: readonly CueSpec[] = [
  // ---- neutral idioms -------------------------------------------------------------------------------------
  { rubric: null, pattern: '不好意思|不客气|没关系吗|好不好|好吗|对不对|对吗|是不是|行不行|可以吗|能不能|好像|你好|您好|好久|好几|最好|好多(?!了)|不用谢', weight: 0 },

  // ---- idioms with negation inside ------------------------------------------------------------------------
  { rubric: 'acknowledgment', pattern: '没问题|没关系|没事|不要紧|无所谓了|也行|也可以|还行', weight: 0.7, negated: 'fixed', tag: '没问题' },
  { rubric: 'praise', pattern: '不错|挺不错|还不错|没得说|无可挑剔|不能再好|再好不过', weight: 1.0, negated: 'fixed', tag: '不错' },
  { rubric: 'learning', pattern: '原来如此|原来是这样|原来这样|原来是|我都不知道|之前不知道|以前不知道|没想到|学到了|学习了|长知识|涨知识|受教了|受益匪浅|有意思|有趣', weight: 1.0, negated: 'fixed', tag: '原来如此' },

  // ---- dissatisfaction ------------------------------------------------------------------------------------
  { rubric: 'ignored', pattern: '没有回答|没回答|答非所问|文不对题|跑题|离题|我问的是|我问的不是|不是我问的|不是我要的|不是我想要的|我要的是|我说的是|我已经说了|我已经说过|我都说了|我说过了|我刚才说|你没看|你没听|没看懂我|没理解我|没明白我|你理解错|理解错了|听不懂|看不懂我', weight: 1.4, negated: 'fixed', tag: '答非所问' },
  { rubric: 'factual_error', pattern: '不对|错了|错误|有误|有错|搞错|弄错|说错|写错|算错|不正确|不准确|不是这样|不是这个意思|胡说|瞎说|乱说|瞎编|胡编|编的|不属实|你确定|确定吗|真的吗|自相矛盾|前后矛盾|矛盾', weight: 1.3, negated: 'fixed', tag: '不对' },
  { rubric: 'negative_feedback', pattern: '没用|没有用|没啥用|没什么用|没什么帮助|没帮助|垃圾|太差|很差|真差|差劲|不行|不满意|失望|生气|气死|无语|烦死|很烦|好烦|搞什么|什么玩意|有病|投诉|差评|什么态度|态度差|坑人|骗人|太烂|很烂|烂透|醉了|服了|算了吧|呵呵|废话|没意思|不好用|不靠谱|靠不住|什么鬼|糟糕|糟透|太慢|还是不行|还是没|还是不对|又错|受不了|无法接受|不能接受|不满|😠|😡|👎|🙄', weight: 1.2, negated: 'fixed', tag: '不满' },
  { rubric: 'unrealistic_expectation', pattern: '为什么不能|为什么你不能|你怎么不能|怎么就不能|就不能|你必须|你一定要|一定要给|必须给|我不管|不管怎样|你应该能|你肯定能|你应该可以', weight: 1.2, negated: 'fixed', tag: '就不能' },
  { rubric: 'lower_quality', pattern: '以前(?:的)?(?:回答|你)?(?:更好|好多了|好些)|之前(?:的)?(?:回答|版本)?(?:更好|好多了)|还不如|不如之前|不如以前|越来越差|变差|变笨|更差|退步|别的(?:ai|机器人|软件)|其他(?:ai|机器人|软件)', weight: 1.1, negated: 'fixed', tag: '不如以前' },
  { rubric: 'negative_feedback', pattern: '你在说什么|你说的什么|什么乱七八糟|莫名其妙|牛头不对马嘴', weight: 1.2, negated: 'fixed', tag: '你在说什么' },
  { rubric: 'style', pattern: '重复了|一直重复|又重复|别重复|太长|太短|太啰嗦|啰嗦|太复杂|太正式|太随意|太官方|太生硬|简短|简洁|精简|简单点|简单一点|短一点|短一些|长一点|长一些|少一点|口语化|正式一点|正式些|通俗|说人话|用中文|说中文|中文回答|用英文|用英语|英文回答|分点|用表格|列个表|列成表|换个语气|换种说法', weight: 1.1, negated: 'fixed', tag: '太长了' },
  { rubric: 'insufficient_detail', pattern: '详细|具体点|具体一点|具体一些|更具体|不够具体|更多|再多|展开|深入|太简单|太笼统|太空泛|太模糊|不够|还有吗|还有呢|还有别的|还有其他|然后呢|就这些吗|就这样吗|就这\\?|举个例子|举例', weight: 0.9, negated: 'fixed', tag: '详细' },
  { rubric: 'negative_feedback', pattern: '怎么还|为什么还|怎么又|有没有搞错|搞错没有|怎么回事|还要等多久|要等多久|能不能快点|快点|赶紧|还没(?:有)?(?:收到|到|发货|回复|处理|解决|好|退)|等了(?:很久|半天|好久|这么久)|太久了|催了', weight: 1.0, negated: 'fixed', tag: '怎么还' },
  { rubric: 'negative_feedback', pattern: '到底|究竟', weight: 0.6, negated: 'fixed', tag: '到底' },
  { rubric: 'insufficient_detail', pattern: '别的|其他的|其它的', weight: 0.6, negated: 'fixed', tag: '别的' },
  { rubric: 'revision', pattern: '重新|重来|再来|再写|再试|再说一遍|再给|再找|再查|换一个|换个|换一|改一下|改成|改为|修改|重写|重做|不是这个|不要这个|我是说|我的意思是|我指的是|应该是|而不是|不是.{1,12}而是', weight: 1.0, negated: 'fixed', tag: '重新' },
  { rubric: 'no_engagement', pattern: '算了|随便|不用了|不需要了|不管了|无所谓|别说了|不想聊|不聊了', weight: 0.8, negated: 'fixed', tag: '算了' },

  // ---- satisfaction ---------------------------------------------------------------------------------------
  { rubric: 'gratitude', pattern: '非常感谢|十分感谢|万分感谢|太感谢|多谢你|谢谢你|谢谢您|感谢你|感谢您|辛苦了|帮了大忙|帮大忙|太有帮助|很有帮助|非常有帮助|有帮助|很有用|太有用|很实用', weight: 1.3, negated: 'fixed', tag: '非常感谢' },
  { rubric: 'gratitude', pattern: '谢谢|谢啦|谢了|多谢|感谢|感激|麻烦你了|麻烦了', weight: 0.6, negated: 'fixed', tag: '谢谢' },
  { rubric: 'praise', pattern: '太好了|太棒了|太赞了|太牛了|好棒|很棒|真棒|棒极了|真好|很好|非常好|特别好|挺好|好极了|完美|厉害|牛逼|太牛了|优秀|精彩|漂亮|给力|赞|满意|好评|惊艳|妙啊|绝了|好厉害|喜欢|爱了|👍|👌|😊|😄|😁|🥰|❤', weight: 1.2, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: '太好了' },
  { rubric: 'getting_there', pattern: '好多了|好一些|好一点了|好些了|接近了|差不多了|有进步|进步了|比之前好|比刚才好|比上次好|改进了|有点意思|基本对|基本上对|大致对|部分对', weight: 0.9, negated: { rubric: 'negative_feedback', weight: 0.8 }, tag: '好多了' },
  { rubric: 'acknowledgment', pattern: '明白了|知道了|懂了|了解了|清楚了|收到|好的|好嘞|好滴|嗯嗯|对的|是的|没错|对对|有道理|说得对|你说得对|同意|确实|可以的|行的|就是这样|正是|确认', weight: 0.7, negated: { rubric: 'factual_error', weight: 0.7 }, tag: '好的' },
  { rubric: 'acknowledgment', pattern: '^(?:好|嗯|行|可以|对|是|ok|好吧)', weight: 0.3, negated: 'fixed', clauseStart: true, tag: '好', hint: true },
  { rubric: 'compliance', pattern: '我试试|我去试|试试看|试一下|按你说的|照你说的|听你的|就这个|就这样|就这么办|就它了|就选|下单|去买|帮我订|订吧|成功了|解决了|搞定了|可以用了|能用了|好了', weight: 1.0, negated: { rubric: 'negative_feedback', weight: 1.2 }, tag: '就这个' },
  { rubric: 'humor', pattern: '哈哈|嘿嘿|嘻嘻|笑死|😂|🤣|😆', weight: 1.0, negated: 'fixed', tag: '哈哈' },
  { rubric: 'positive_closure', pattern: '没有了|没别的了|没其他|就这些|就这样吧|再见|拜拜|回见|先这样|祝你|晚安', weight: 0.5, negated: 'fixed', tag: '再见' },
  { rubric: 'personal_details', pattern: '我(?:老婆|老公|妻子|丈夫|孩子|儿子|女儿|家人|朋友|男朋友|女朋友|妈妈|爸爸|老板|同事|同学|学生)|我是(?:一名|一个)?(?:学生|老师|程序员|工程师|医生|护士|设计师)', weight: 0.3, negated: 'fixed', tag: '我家' },
  // last: bare positive words that only matter when negated (不好, 没用 is above, 不满意 ...)
  { rubric: 'negative_feedback', pattern: '好|行|有用|有帮助|满意|喜欢|靠谱', weight: 0, negated: { rubric: 'negative_feedback', weight: 1.1 }, tag: '不好' },
];
