// A client that keeps posting events through ingest, each event posted once and to a profile
// of its own, recording every answer with when its request went out: a test can then tell, per
// event, what ingest promised (200) and check it against what was counted.
import { sendSegment } from './http.ts';
import { sleep } from './processor.ts';

export interface Post {
  /** The event's userId: its own profile, whose eventCount is 1 once counted. */
  userId: string;
  messageId: string;
  startedAt: number;
  answeredAt: number;
  /** HTTP status; 0 when no answer came (connection error). */
  status: number;
}

export interface DistinctPosts {
  /** Every answered post so far. */
  readonly answered: readonly Post[];
  /** Answered posts whose request went out at or after `since` (epoch ms). */
  since(since: number): Post[];
  /** Ends the loops after their current request; resolves once all are answered. */
  stop(): Promise<void>;
}

export interface DistinctPostsOptions {
  gatewayUrl: string;
  /** Starts every userId and messageId, so runs never share ids. */
  tag: string;
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  /** Pause after each answer, per loop, to keep the load modest. Default 25 ms. */
  pauseMs?: number;
}

export function startDistinctPosts(options: DistinctPostsOptions): DistinctPosts {
  const answered: Post[] = [];
  let sequence = 0;
  let running = true;
  const loop = async () => {
    while (running) {
      const n = sequence++;
      const userId = `${options.tag}-u${n}`;
      const messageId = `${options.tag}-m${n}`;
      const startedAt = Date.now();
      const response = await sendSegment(options.gatewayUrl, 'track', {
        userId,
        messageId,
        event: 'Failover Probe',
      }).catch(() => undefined);
      await response?.body?.cancel();
      answered.push({
        userId,
        messageId,
        startedAt,
        answeredAt: Date.now(),
        status: response?.status ?? 0,
      });
      await sleep(options.pauseMs ?? 25);
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 2 }, loop);
  return {
    answered,
    since: (since) => answered.filter((post) => post.startedAt >= since),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
