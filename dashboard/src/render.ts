// Batched rendering: updates arriving between two frames are collected and each view renders
// once per animation frame with the latest state, however many messages came in meanwhile.

export interface FrameScheduler {
  /** Runs `render` in the next frame; a later call with the same key replaces it. */
  schedule(key: string, render: () => void): void;
}

export function createFrameScheduler(
  onError: (key: string, error: unknown) => void,
): FrameScheduler {
  let pending = new Map<string, () => void>();
  let requested = false;
  const flush = () => {
    requested = false;
    const renders = pending;
    pending = new Map();
    for (const [key, render] of renders) {
      try {
        render();
      } catch (error) {
        onError(key, error);
      }
    }
  };
  return {
    schedule(key, render) {
      pending.set(key, render);
      if (requested) return;
      requested = true;
      requestAnimationFrame(flush);
    },
  };
}

/** A list that keeps only its newest `limit` items, newest first. */
export function pushBounded<T>(list: T[], item: T, limit: number): void {
  list.unshift(item);
  if (list.length > limit) list.length = limit;
}
