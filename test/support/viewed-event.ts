import type { ActivityEvent } from '../../schema/event.ts';

/** A `Viewed` track event of `userId` that happened now, stamped as ingest would stamp it. */
export function viewedNow(userId: string, messageId: string): ActivityEvent {
  const now = new Date().toISOString();
  return { type: 'track', event: 'Viewed', userId, messageId, timestamp: now, receivedAt: now };
}
