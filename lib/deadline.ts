/** Raised by `withDeadline` when the work did not settle in time. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/**
 * Waits for `work` to settle, but at most `timeoutMs`: true when it settled in time (resolved
 * or rejected alike), false on the timeout. For waits whose outcome does not matter, only
 * their bound: a probe, a disconnect, a process exit. The work itself keeps running.
 */
export async function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The value of `work`, or a `DeadlineError` ("<what> took longer than <ms> ms") once
 * `timeoutMs` passed: for waits whose result the caller needs and whose lateness is a failure.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError(`${what} took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
