// A concurrency limit: at most `limit` tasks run at once; the rest wait in arrival order.

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createSemaphore(limit: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
