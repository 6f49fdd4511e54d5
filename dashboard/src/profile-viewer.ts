// The profile viewer: one profile live from profileUpdated(id), its recent activities from
// the archive. However many updates arrive, the view renders once per frame, changed values
// highlighted.
import type { Api } from './api.ts';
import { el, field, formatNumber, formatTime, required, setText, type Panel } from './dom.ts';
import { live } from './live.ts';
import { PROFILE_UPDATED, RECENT_ACTIVITIES, type Activity, type Profile } from './queries.ts';
import type { FrameScheduler } from './render.ts';

/** Activities are asked for at most this often while the profile keeps changing. */
const ACTIVITY_REFRESH_MS = 1_000;

function valueRow(list: HTMLElement, name: string, label: string, value: string): void {
  const row = field(list, `${name}-row`, () =>
    list.appendChild(el('div', { class: 'kv' }, el('dt', { text: label }))),
  );
  setText(
    field(row, name, () => row.appendChild(el('dd'))),
    value,
  );
}

/** Rebuilds a small list of texts, highlighting entries that were not there before. */
function texts(list: HTMLElement, items: readonly string[]): void {
  const before = new Set([...list.children].map((child) => child.textContent));
  list.replaceChildren(
    ...items.map((text) => {
      const item = el('li', { text });
      if (before.size > 0 && !before.has(text)) item.classList.add('new');
      return item;
    }),
  );
}

function listBox(body: HTMLElement, name: string, title: string): HTMLElement {
  const box = field(body, `${name}-box`, () =>
    body.appendChild(el('div', { class: 'box' }, el('h3', { text: title }))),
  );
  return field(box, name, () => box.appendChild(el('ul', { class: 'rows' })));
}

/** Traits as the client sent them: attacker-controlled, so rendered as text only. */
const traitText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

function renderProfile(body: HTMLElement, profile: Profile): void {
  const facts = field(body, 'facts', () => body.appendChild(el('dl', { class: 'facts' })));
  valueRow(facts, 'id', 'id', profile.id);
  valueRow(facts, 'userId', 'user id', profile.userId ?? '—');
  valueRow(facts, 'eventCount', 'events', formatNumber(profile.eventCount));
  valueRow(facts, 'pageViews', 'page views', formatNumber(profile.pageViews));
  valueRow(facts, 'sessionCount', 'sessions', formatNumber(profile.sessionCount));
  valueRow(
    facts,
    'device',
    'device',
    profile.device
      ? [profile.device.type, profile.device.os, profile.device.browser].filter(Boolean).join(' · ')
      : '—',
  );
  valueRow(facts, 'firstSeenAt', 'first seen', formatTime(profile.firstSeenAt));
  valueRow(facts, 'lastSeenAt', 'last seen', formatTime(profile.lastSeenAt));
  valueRow(facts, 'version', 'version', String(profile.version));
  texts(listBox(body, 'segments', 'Segments'), profile.segments);
  texts(
    listBox(body, 'eventCounts', 'Event counts'),
    profile.eventCounts.map((e) => `${e.name}: ${formatNumber(e.count)}`),
  );
  const traits = field(body, 'traits-box', () =>
    body.appendChild(el('div', { class: 'box' }, el('h3', { text: 'Traits' }))),
  );
  const traitList = field(traits, 'traits', () => traits.appendChild(el('dl', { class: 'facts' })));
  const entries = Object.entries(profile.traits);
  for (const row of [...traitList.children] as HTMLElement[])
    if (!Object.hasOwn(profile.traits, row.dataset['trait'] ?? '')) row.remove();
  for (const [name, value] of entries) {
    let row = [...traitList.children].find((c) => (c as HTMLElement).dataset['trait'] === name);
    if (row === undefined) {
      row = traitList.appendChild(el('div', { class: 'kv' }, el('dt', { text: name }), el('dd')));
      (row as HTMLElement).dataset['trait'] = name;
    }
    const dd = row.querySelector('dd');
    if (dd !== null) setText(dd, traitText(value));
  }
}

function renderActivities(body: HTMLElement, activities: readonly Activity[]): void {
  texts(
    listBox(body, 'activities', 'Recent activities (archive)'),
    activities.map((a) => `${formatTime(a.timestamp)} ${a.type}${a.name ? ` ${a.name}` : ''}`),
  );
}

export function createProfileViewer(panel: Panel, api: Api, frames: FrameScheduler): void {
  const form = required<HTMLFormElement>('profile-form');
  const input = required<HTMLInputElement>('profile-id');
  let stop: () => void = () => undefined;
  let updates = 0;
  let renders = 0;

  const watch = (id: string) => {
    stop();
    panel.body.replaceChildren(el('p', { class: 'muted', text: `waiting for profile ${id}…` }));
    panel.error(undefined);
    panel.root.dataset['profile'] = id;
    let latest: Profile | undefined;
    let activityTimer: ReturnType<typeof setTimeout> | undefined;
    let activityVersion = -1;
    let closed = false;
    let shown = false;
    // The first render replaces the waiting line, whichever of the two views comes first.
    const show = () => {
      if (!shown) panel.body.replaceChildren();
      shown = true;
    };
    const loadActivities = () => {
      activityTimer = undefined;
      if (closed || latest === undefined || latest.version === activityVersion) return;
      activityVersion = latest.version;
      api
        .query<{ profile: { activities: { edges: Array<{ node: Activity }> } } | null }>(
          RECENT_ACTIVITIES,
          { id },
        )
        .then((answer) => {
          const activities = answer.profile?.activities.edges.map((edge) => edge.node) ?? [];
          if (closed) return;
          frames.schedule('activities', () => {
            show();
            renderActivities(panel.body, activities);
          });
        })
        .catch((error: unknown) => panel.error(`activities: ${(error as Error).message}`));
    };
    const stopLive = live<{ profileUpdated: Profile }>(
      api,
      PROFILE_UPDATED,
      { id },
      {
        next: ({ profileUpdated }) => {
          updates += 1;
          panel.root.dataset['updates'] = String(updates);
          const first = latest === undefined;
          latest = profileUpdated;
          frames.schedule('profile', () => {
            show();
            renders += 1;
            panel.root.dataset['renders'] = String(renders);
            if (latest !== undefined) renderProfile(panel.body, latest);
          });
          activityTimer ??= setTimeout(loadActivities, first ? 0 : ACTIVITY_REFRESH_MS);
        },
        error: (message) => panel.error(message),
      },
    );
    stop = () => {
      closed = true;
      clearTimeout(activityTimer);
      stopLive();
    };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (id === '') return;
    history.replaceState(null, '', `#profile=${encodeURIComponent(id)}`);
    watch(id);
  });
  const fromHash = /^#profile=(.+)$/.exec(location.hash)?.[1];
  if (fromHash !== undefined) {
    input.value = decodeURIComponent(fromHash);
    watch(input.value);
  }
}
