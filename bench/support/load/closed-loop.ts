import { summarize, type Summary } from '../stats.ts';

export interface LoopSettings {
  /** Operations in flight at once: each of these loops starts its next one when one ends. */
  concurrency: number;
  /** Operations before the measured window, results thrown away, ms. */
  warmupMs: number;
  /** The measured window, ms. */
  durationMs: number;
}

export interface LoopResult {
  /** Operations that started and ended inside the measured window. */
  operations: number;
  /** Operations of the window that failed; the first failure's message is kept. */
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  /** Operation latency inside the window, ms. */
  latency: Summary;
}

/**
 * Runs `operation` in `concurrency` closed loops: warm-up, then a measured window. Only
 * operations wholly inside the window count, so neither the ramp-up nor the tail skews it.
 */
export async function runClosedLoop(
  operation: (loop: number, iteration: number) => Promise<void>,
  settings: LoopSettings,
): Promise<LoopResult> {
  const startMs = performance.now();
  const windowStart = startMs + settings.warmupMs;
  const windowEnd = windowStart + settings.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;

  const loop = async (index: number) => {
    for (let iteration = 0; ; iteration++) {
      const began = performance.now();
      if (began >= windowEnd) return;
      let failed = false;
      try {
        await operation(index, iteration);
      } catch (error) {
        failed = true;
        if (began >= windowStart) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
      const ended = performance.now();
      if (!failed && began >= windowStart && ended <= windowEnd) latencies.push(ended - began);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, (_, index) => loop(index)));
  const seconds = settings.durationMs / 1_000;
  return {
    operations: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    seconds,
    perSecond: latencies.length / seconds,
    latency: summarize(latencies),
  };
}
