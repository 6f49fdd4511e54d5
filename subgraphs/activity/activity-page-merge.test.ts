import { describe, expect, it } from 'vitest';
import type { RecentActivity } from '../../profiles/recent-activity.ts';
import type { ActivityFilter, ActivityRow } from './activity-repository.ts';
import { compareNewestFirst, mergeActivityPage, type ActivityNode } from './activity-page-merge.ts';
import type { ActivityCursor } from './cursor.ts';

function recent(
  messageId: string,
  timestamp: string,
  overrides: Partial<RecentActivity> = {},
): RecentActivity {
  return {
    messageId,
    profileId: 'u1',
    type: 'track',
    name: 'Clicked',
    timestamp,
    receivedAt: timestamp,
    properties: null,
    traits: null,
    context: null,
    ...overrides,
  };
}

/** The archive's row of the same event, as listPersonActivities reads it back. */
function archived(activity: RecentActivity): ActivityRow {
  return {
    ...activity,
    userId: activity.profileId,
    anonymousId: null,
    extra: null,
    sourcePartition: 0,
    sourceOffset: 0,
  };
}

const positionOf = (node: ActivityNode): ActivityCursor => ({
  timestamp: node.timestamp,
  messageId: node.messageId,
  profileId: node.profileId,
});

/** The archive's page as listActivities answers it: past the cursor, in order, `limit` rows. */
function archivePage(
  rows: readonly ActivityRow[],
  after: ActivityCursor | undefined,
  limit: number,
): ActivityRow[] {
  return rows
    .filter((row) => after === undefined || compareNewestFirst(row, after) > 0)
    .sort(compareNewestFirst)
    .slice(0, limit);
}

/** Every page of `size` in turn, following each page's last cursor, as a client does. */
function walk(
  all: readonly ActivityRow[],
  recentList: readonly RecentActivity[],
  size: number,
): string[][] {
  const pages: string[][] = [];
  let after: ActivityCursor | undefined;
  for (;;) {
    const nodes = mergeActivityPage({
      recent: recentList,
      archive: archivePage(all, after, size + 1),
      filter: {},
      after,
      limit: size + 1,
    });
    const page = nodes.slice(0, size);
    pages.push(page.map((node) => node.messageId));
    if (nodes.length <= size) return pages;
    const last = page.at(-1);
    if (last === undefined) throw new Error('a full page without a last node');
    after = positionOf(last);
  }
}

describe('a page of activities merged from the recent list and the archive', () => {
  it('lists the events the archive lacks yet, in the archive order', () => {
    const rows = [
      recent('m1', '2026-03-01T10:00:00.000Z'),
      recent('m2', '2026-03-01T10:01:00.000Z'),
    ];
    const page = mergeActivityPage({
      recent: [recent('m3', '2026-03-01T10:02:00.000Z'), ...rows],
      archive: archivePage(rows.map(archived), undefined, 5),
      filter: {},
      after: undefined,
      limit: 5,
    });
    expect(page.map((node) => node.messageId)).toEqual(['m3', 'm2', 'm1']);
  });

  it('lists an event both hold once, as the archive row', () => {
    const event = recent('m1', '2026-03-01T10:00:00.000Z');
    const page = mergeActivityPage({
      recent: [event, event],
      archive: [archived(event)],
      filter: {},
      after: undefined,
      limit: 5,
    });
    expect(page).toEqual([archived(event)]);
  });

  it('keeps two identifiers’ events with one messageId apart, ordered by profileId', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const page = mergeActivityPage({
      recent: [recent('m1', at, { profileId: 'a-phone' }), recent('m1', at, { profileId: 'u1' })],
      archive: [],
      filter: {},
      after: undefined,
      limit: 5,
    });
    expect(page.map((node) => node.profileId)).toEqual(['u1', 'a-phone']);
  });

  it('orders ties on time by messageId byte by byte, as the C collation does', () => {
    const at = '2026-03-01T10:00:00.000Z';
    // U+FF5E sorts before U+1F600 in UTF-8 bytes, after it in UTF-16 units.
    const page = mergeActivityPage({
      recent: [recent('\uFF5E', at), recent('\u{1F600}', at), recent('Z', at), recent('a', at)],
      archive: [],
      filter: {},
      after: undefined,
      limit: 5,
    });
    expect(page.map((node) => node.messageId)).toEqual(['\u{1F600}', '\uFF5E', 'a', 'Z']);
  });

  it('applies the page filters to the recent activities', () => {
    const filter: ActivityFilter = {
      type: 'track',
      name: 'Clicked',
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-02T00:00:00.000Z',
    };
    const page = mergeActivityPage({
      recent: [
        recent('kept', '2026-03-01T10:00:00.000Z'),
        recent('other-type', '2026-03-01T10:00:00.000Z', { type: 'page' }),
        recent('other-name', '2026-03-01T10:00:00.000Z', { name: 'Viewed' }),
        recent('before-since', '2026-02-28T23:59:59.999Z'),
        recent('at-until', '2026-03-02T00:00:00.000Z'),
      ],
      archive: [],
      filter,
      after: undefined,
      limit: 10,
    });
    expect(page.map((node) => node.messageId)).toEqual(['kept']);
  });

  it('leaves out the recent activities at or before the cursor', () => {
    const after = { timestamp: '2026-03-01T10:01:00.000Z', messageId: 'm2', profileId: 'u1' };
    const page = mergeActivityPage({
      recent: [
        recent('m3', '2026-03-01T10:02:00.000Z'),
        recent('m2', '2026-03-01T10:01:00.000Z'),
        recent('m1', '2026-03-01T10:00:00.000Z'),
      ],
      archive: [],
      filter: {},
      after,
      limit: 5,
    });
    expect(page.map((node) => node.messageId)).toEqual(['m1']);
  });

  it('returns at most limit nodes, so the caller can tell a next page follows', () => {
    const list = ['m1', 'm2', 'm3', 'm4'].map((id, i) => recent(id, `2026-03-01T10:0${i}:00.000Z`));
    const page = mergeActivityPage({
      recent: list,
      archive: [],
      filter: {},
      after: undefined,
      limit: 3,
    });
    expect(page.map((node) => node.messageId)).toEqual(['m4', 'm3', 'm2']);
  });

  it('pages through every event exactly once, whatever the archive lacks yet', () => {
    // Twelve events and a late one with an old timestamp; the archive holds the first few,
    // the list the rest and some it shares with the archive. Every walk must list all
    // thirteen, newest first, once each.
    const events = Array.from({ length: 12 }, (_, i) =>
      recent(`m${String(i).padStart(2, '0')}`, new Date(Date.UTC(2026, 2, 1, 10, i)).toISOString()),
    );
    const late = recent('late', '2026-03-01T09:00:00.000Z');
    const all = [...events, late];
    const expected = [...all].sort(compareNewestFirst).map((node) => node.messageId);
    for (const archivedCount of [0, 5, 9, 12]) {
      const rows = events.slice(0, archivedCount).map(archived);
      const list = [late, ...events.slice(Math.min(archivedCount, 4))];
      for (const size of [1, 2, 3, 5, 20]) {
        const listed = walk(rows, list, size).flat();
        expect(listed, `archived ${archivedCount}, pages of ${size}`).toEqual(expected);
      }
    }
  });

  it('is the archive page alone when the list holds nothing past the cursor', () => {
    const rows = [archived(recent('m1', '2026-03-01T10:00:00.000Z'))];
    const page = mergeActivityPage({
      recent: [recent('m9', '2026-03-01T11:00:00.000Z')],
      archive: rows,
      filter: {},
      after: { timestamp: '2026-03-01T10:30:00.000Z', messageId: 'x', profileId: 'u1' },
      limit: 5,
    });
    expect(page).toEqual(rows);
  });
});
