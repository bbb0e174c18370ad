// Small structural checks shared by the per-format line validators (validate<Format>Line). Each returns a list
// of problems, empty when the value is right; a problem names where it is ("prompt[2].role: ...").

export type Problems = string[];

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with every required key and no key outside required + optional. */
export function checkKeys(value: unknown, where: string, required: readonly string[], optional: readonly string[] = []): Problems {
  if (!isObject(value)) return [`${where}: expected an object`];
  const problems: Problems = [];
  for (const key of required) if (!(key in value)) problems.push(`${where}: missing "${key}"`);
  for (const key of Object.keys(value)) if (!required.includes(key) && !optional.includes(key)) problems.push(`${where}: unexpected "${key}"`);
  return problems;
}

export function checkText(value: unknown, where: string, options: { nonEmpty?: boolean } = {}): Problems {
  if (typeof value !== 'string') return [`${where}: expected a string`];
  if (options.nonEmpty && value.trim() === '') return [`${where}: empty`];
  return [];
}

/**
 * An OpenAI-style message list: [{role, content: string}], roles from `roles`, at least one message, and
 * (lastRole) the role of the last one. `extra` names optional per-message keys allowed per role.
 */
export function checkChatMessages(
  value: unknown,
  where: string,
  options: { roles: readonly string[]; lastRole?: string; extra?: Record<string, readonly string[]> },
): Problems {
  if (!Array.isArray(value)) return [`${where}: expected an array of messages`];
  if (value.length === 0) return [`${where}: no messages`];
  const problems: Problems = [];
  value.forEach((message: unknown, i) => {
    const at = `${where}[${i}]`;
    const role = isObject(message) ? message.role : undefined;
    if (typeof role !== 'string' || !options.roles.includes(role)) {
      problems.push(`${at}.role: expected one of ${options.roles.join(', ')}`);
      return;
    }
    problems.push(...checkKeys(message, at, ['role', 'content'], options.extra?.[role] ?? []), ...checkText((message as Record<string, unknown>).content, `${at}.content`));
  });
  const last = value[value.length - 1] as { role?: unknown };
  if (options.lastRole && last?.role !== options.lastRole) problems.push(`${where}: the last message must be a ${options.lastRole} message`);
  if (!value.some((m: unknown) => isObject(m) && m.role === 'user')) problems.push(`${where}: no user message`);
  return problems;
}

/** A one-message output list [{role: 'assistant', content}] (DPO preferred/non-preferred, TRL chosen/rejected). */
export function checkSingleAssistant(value: unknown, where: string): Problems {
  if (!Array.isArray(value) || value.length !== 1) return [`${where}: expected exactly one assistant message`];
  const message = value[0] as Record<string, unknown>;
  const problems = checkKeys(message, `${where}[0]`, ['role', 'content']);
  if (isObject(message) && message.role !== 'assistant') problems.push(`${where}[0].role: expected assistant`);
  return [...problems, ...(isObject(message) ? checkText(message.content, `${where}[0].content`, { nonEmpty: true }) : [])];
}
