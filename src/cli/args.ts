// Command-line argument helpers shared by every `insitu` command. A UsageError prints one line and exits 2.
import { InsituError } from '../errors.js';

export class UsageError extends InsituError {}

/** Removes `name` from args; true when it was there. */
export function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

/** Removes `name value` from args and returns the value; undefined when absent. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return value;
}
