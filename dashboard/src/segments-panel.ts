// The segments panel: every configured segment with its size, kept live from
// segmentMembershipChanged, and the latest profiles to enter or leave it.
import type { Api } from './api.ts';
import { el, field, formatNumber, formatTime, setText, type Panel } from './dom.ts';
import { live } from './live.ts';
import {
  MEMBERSHIP_CHANGED,
  SEGMENT_SIZE,
  SEGMENTS,
  type MembershipChange,
  type Segment,
} from './queries.ts';
import { pushBounded, type FrameScheduler } from './render.ts';

const LATEST_CHANGES = 8;
const RETRY_MS = 5_000;

interface SegmentState {
  size: number;
  changes: Array<{ text: string; kind: string }>;
}

function renderSegment(card: HTMLElement, state: SegmentState): void {
  const header = card.querySelector('header') ?? card;
  setText(
    field(card, 'size', () => header.appendChild(el('span', { class: 'size' }))),
    formatNumber(state.size),
  );
  const list = field(card, 'changes', () => card.appendChild(el('ul', { class: 'rows changes' })));
  list.replaceChildren(
    ...state.changes.map((change) =>
      el('li', { text: change.text, attrs: { 'data-kind': change.kind } }),
    ),
  );
}

function watchSegment(api: Api, frames: FrameScheduler, body: HTMLElement, segment: Segment): void {
  const card = body.appendChild(
    el(
      'article',
      { class: 'segment', attrs: { 'data-segment': segment.name } },
      el('header', {}, el('h3', { text: segment.name })),
      el('p', { class: 'muted', text: segment.description ?? '' }),
      el('p', { class: 'error', attrs: { 'data-role': 'segment-error' } }),
    ),
  );
  const errorLine = card.querySelector('[data-role="segment-error"]');
  const state: SegmentState = { size: segment.size, changes: [] };
  const render = () => frames.schedule(`segment:${segment.name}`, () => renderSegment(card, state));
  render();
  live<{ segmentMembershipChanged: MembershipChange }>(
    api,
    MEMBERSHIP_CHANGED,
    { segment: segment.name },
    {
      // The stream carries changes, not the size: after every (re)subscription the size is
      // read again, so changes missed while disconnected do not skew it.
      subscribed: () =>
        void api
          .query<{ segment: { size: number } }>(SEGMENT_SIZE, { name: segment.name })
          .then((answer) => {
            state.size = answer.segment.size;
            render();
          })
          .catch(() => undefined),
      next: ({ segmentMembershipChanged: change }) => {
        state.size = Math.max(0, state.size + (change.kind === 'ENTERED' ? 1 : -1));
        const verb = change.kind === 'ENTERED' ? 'entered' : 'left';
        pushBounded(
          state.changes,
          {
            text: `${formatTime(new Date().toISOString())} ${change.profile.id} ${verb}`,
            kind: change.kind,
          },
          LATEST_CHANGES,
        );
        render();
      },
      error: (message) => {
        if (errorLine !== null) errorLine.textContent = message ?? '';
      },
    },
  );
}

export function createSegmentsPanel(panel: Panel, api: Api, frames: FrameScheduler): void {
  const load = () => {
    api
      .query<{ segments: Segment[] }>(SEGMENTS)
      .then(({ segments }) => {
        panel.error(undefined);
        panel.body.replaceChildren();
        if (segments.length === 0)
          panel.body.append(el('p', { class: 'muted', text: 'no segments are configured' }));
        for (const segment of segments) watchSegment(api, frames, panel.body, segment);
      })
      .catch((error: unknown) => {
        panel.error((error as Error).message);
        setTimeout(load, RETRY_MS);
      });
  };
  load();
}
