import type { RecentActivity } from '../../profiles/recent-activity.ts';
import type { ActivityFilter, ActivityRow } from './activity-repository.ts';
import type { ActivityCursor } from './cursor.ts';

/** An activity as a page lists it: an archived row, or a recent one the archive lacks yet. */
export type ActivityNode = RecentActivity | ActivityRow;

/**
 * Text in the archive's order: byte by byte in UTF-8, as PostgreSQL's C collation of the id
 * columns (schema/db/tables.ts). JavaScript's `<` compares UTF-16 units, which differs above
 * U+FFFF.
 */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The archive's page order, newest first: timestamp, then messageId, then profileId, each
 * descending (listActivities). Negative when `a` comes before `b`.
 */
export function compareNewestFirst(a: ActivityCursor, b: ActivityCursor): number {
  const byTime = Date.parse(b.timestamp) - Date.parse(a.timestamp);
  if (byTime !== 0) return byTime;
  return compareBytes(b.messageId, a.messageId) || compareBytes(b.profileId, a.profileId);
}

/** The dedupe key of the archive, (profileId, messageId); the length prefix keeps ids apart. */
const keyOf = (node: ActivityNode) => `${node.profileId.length}:${node.profileId}${node.messageId}`;

/** Whether a recent activity passes the page's filters (the archive applies them in SQL). */
function matches(activity: RecentActivity, filter: ActivityFilter): boolean {
  if (filter.type != null && activity.type !== filter.type) return false;
  if (filter.name != null && activity.name !== filter.name) return false;
  const at = Date.parse(activity.timestamp);
  if (filter.since != null && at < Date.parse(filter.since)) return false;
  if (filter.until != null && at >= Date.parse(filter.until)) return false;
  return true;
}

export interface PageSources {
  /** The person's recent activities (any order, any position). */
  recent: readonly RecentActivity[];
  /** The archive's page for the same filter and cursor: at most `limit` rows, in page order. */
  archive: readonly ActivityRow[];
  filter: ActivityFilter;
  after: ActivityCursor | undefined;
  /** The most nodes to return (the page size plus one, to tell whether another follows). */
  limit: number;
}

/**
 * One page from the archive's page and the recent activities: the recent ones that pass the
 * filters and lie beyond the cursor join the archive's rows, an event both hold is listed once
 * (the archive's row: the record), and the first `limit` in page order are the page. The
 * archive's page holds its first `limit` rows past the cursor, so the first `limit` of the
 * union are exactly those of the whole person; every node keeps its place in one order, so a
 * cursor taken from either source continues the same sequence.
 */
export function mergeActivityPage(sources: PageSources): ActivityNode[] {
  const { after, filter } = sources;
  const archived = new Set(sources.archive.map(keyOf));
  const pending = new Map<string, RecentActivity>();
  for (const activity of sources.recent) {
    const key = keyOf(activity);
    if (archived.has(key) || pending.has(key) || !matches(activity, filter)) continue;
    if (after !== undefined && compareNewestFirst(activity, after) <= 0) continue;
    pending.set(key, activity);
  }
  if (pending.size === 0) return sources.archive.slice(0, sources.limit);
  return [...sources.archive, ...pending.values()].sort(compareNewestFirst).slice(0, sources.limit);
}
