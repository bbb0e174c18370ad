// The demo's sample: short multi-turn chats written for the project, each showing one kind of signal the
// pipeline learns from: praise, corrections, style complaints followed by an accepted revision, a change of
// topic. The assistant's answers are part of the script; the demo model plays them back.
export interface DemoConversation {
  user: string;
  system?: string;
  turns: { user: string; assistant: string }[];
}

export const DEMO_CONVERSATIONS: DemoConversation[] = [
  {
    user: 'ana',
    system: 'You are a helpful assistant.',
    turns: [
      {
        user: 'How do I reverse a list in Python?',
        assistant:
          'There are several ways to reverse a list in Python, and which one you choose depends on whether you want to modify the list in place or create a new list. The list type has a method called reverse() which reverses the elements in place and returns None. Alternatively, slicing with a step of -1, as in my_list[::-1], creates a reversed copy. There is also the built-in reversed() function, which returns an iterator that yields the items in reverse order; you can pass it to list() if you need a list. Each approach has different performance characteristics and memory trade-offs that are worth considering for very large lists.',
      },
      {
        user: 'That is way too long. Just give me the code, in bullet points.',
        assistant: '- In place: `my_list.reverse()`\n- New list: `my_list[::-1]`\n- Iterator: `reversed(my_list)`',
      },
      { user: 'Perfect, thanks!', assistant: 'Glad it helped!' },
    ],
  },
  {
    user: 'ben',
    turns: [
      { user: 'What is the capital of Australia?', assistant: 'The capital of Australia is Sydney.' },
      { user: "No, that's wrong. Sydney is not the capital.", assistant: 'You are right, my mistake: the capital of Australia is Canberra.' },
      { user: 'Yes, Canberra. Thank you!', assistant: "You're welcome!" },
    ],
  },
  {
    user: 'chen',
    turns: [
      { user: 'Give me a name for a coffee shop run by cats.', assistant: 'How about "The Purrfect Brew"?' },
      { user: 'Haha, I love it, that is great!', assistant: 'Happy to help. Enjoy the cats and the coffee!' },
    ],
  },
  {
    user: 'dana',
    turns: [
      {
        user: 'Explain what a Kafka consumer group is.',
        assistant:
          'A consumer group is a set of consumers that cooperate to read a topic. Kafka assigns each partition of the topic to exactly one consumer in the group, so the group as a whole reads every record once while the work is spread across its members. Each group commits its own offsets, so several groups can read the same topic independently. When a consumer joins or leaves, the group rebalances and partitions move between members. This design lets you scale consumption horizontally up to the number of partitions, and it is the basis of at-least-once processing when offsets are committed after processing, or at-most-once when they are committed before.',
      },
      { user: 'Too long and too technical. Explain it in two sentences for a beginner.', assistant: 'A consumer group is a team of programs sharing the work of reading a stream of messages. Each message is read by only one member of the team, so adding members makes reading faster.' },
      { user: "Much better, that's clear now. Thanks!", assistant: 'Great, glad it is clear!' },
    ],
  },
  {
    user: 'eli',
    turns: [
      { user: 'Translate "good morning" into Spanish.', assistant: '"Good morning" in Spanish is "Buenas noches".' },
      { user: 'That is not right, buenas noches means good night.', assistant: 'Sorry about that: "good morning" is "Buenos días".' },
      { user: 'Correct, thanks.', assistant: 'You are welcome!' },
    ],
  },
  {
    user: 'fay',
    turns: [
      { user: 'Write a one-line motto for a running club.', assistant: 'Every mile is a conversation with yourself.' },
      { user: 'Nice. Now, unrelated: how many ounces are in a pound?', assistant: 'There are 16 ounces in a pound.' },
      { user: 'Thanks, that is exactly what I needed.', assistant: 'Any time!' },
    ],
  },
  {
    user: 'gus',
    turns: [
      { user: '用一句话解释什么是机器学习。', assistant: '机器学习是一门让计算机从数据中学习规律、而不是被显式编程的学科，它包括监督学习、无监督学习和强化学习等多种方法，并广泛应用于图像识别、语音识别、推荐系统等许多领域。' },
      { user: '太长了，简短一点。', assistant: '机器学习就是让计算机从数据中自己学会规律。' },
      { user: '很好，谢谢！', assistant: '不客气！' },
    ],
  },
];
