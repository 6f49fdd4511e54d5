// The system panel: the hub as its control plane sees it, from systemStatusChanged.
import { el, field, formatNumber, formatTime, setText, type Panel } from './dom.ts';
import type { SystemStatus } from './queries.ts';

const LATEST_DEAD_LETTERS = 5;

function stat(body: HTMLElement, name: string, label: string, value: string): void {
  const tiles = field(body, 'tiles', () => body.appendChild(el('div', { class: 'tiles' })));
  const tile = field(tiles, `${name}-tile`, () =>
    tiles.appendChild(el('div', { class: 'tile' }, el('span', { class: 'label', text: label }))),
  );
  const valueElement = field(tile, name, () => tile.appendChild(el('span', { class: 'value' })));
  setText(valueElement, value);
}

/** Replaces the rows of a list by keyed rows, updating rows that stay (so highlights mean change). */
function keyedRows<T>(
  list: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  make: () => HTMLElement,
  update: (row: HTMLElement, item: T) => void,
): void {
  const keep = new Set(items.map(key));
  for (const row of [...list.children] as HTMLElement[])
    if (!keep.has(row.dataset['key'] ?? '')) row.remove();
  items.forEach((item, index) => {
    const k = key(item);
    let row = [...list.children].find((child) => (child as HTMLElement).dataset['key'] === k) as
      HTMLElement | undefined;
    if (row === undefined) {
      row = make();
      row.dataset['key'] = k;
    }
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] ?? null);
    update(row, item);
  });
}

function section(body: HTMLElement, name: string, title: string): HTMLElement {
  const box = field(body, `${name}-box`, () =>
    body.appendChild(el('div', { class: 'box' }, el('h3', { text: title }))),
  );
  return field(box, name, () => box.appendChild(el('ul', { class: 'rows' })));
}

function cell(row: HTMLElement, name: string): HTMLElement {
  return field(row, name, () => row.appendChild(el('span', { class: `cell ${name}` })));
}

export function renderSystemStatus(panel: Panel, status: SystemStatus): void {
  const { body } = panel;
  const lag = (role: string) =>
    status.consumers.filter((c) => c.role === role).reduce((sum, c) => sum + c.lag, 0);
  stat(body, 'eventsPerSecond', 'events/s in', formatNumber(status.events.perSecond));
  stat(body, 'eventsTotal', 'events total', formatNumber(status.events.total));
  stat(body, 'processorLag', 'processor lag', formatNumber(lag('processor')));
  stat(body, 'archiverLag', 'archiver lag', formatNumber(lag('archiver')));
  stat(body, 'deadLettersTotal', 'dead letters', formatNumber(status.deadLetters.total));
  stat(
    body,
    'connections',
    'subscription connections',
    formatNumber(status.subscriptions.connections),
  );

  keyedRows(
    section(body, 'services', 'Services'),
    status.services,
    (service) => service.name,
    () => el('li', { class: 'row' }),
    (row, service) => {
      row.dataset['service'] = service.name;
      row.dataset['up'] = String(service.up);
      row.dataset['ready'] = String(service.ready);
      setText(cell(row, 'name'), service.name);
      setText(
        cell(row, 'state'),
        service.up ? (service.ready ? 'up, ready' : 'up, not ready') : 'down',
      );
      // Heartbeat times change every interval: in the tooltip, so only real changes flash.
      const instances = cell(row, 'instances');
      setText(
        instances,
        service.instances.map((i) => `${i.id}${i.ready ? '' : ' (not ready)'}`).join('\n') ||
          'no live instance',
      );
      instances.title = service.instances
        .map((i) => `${i.id}: last seen ${formatTime(i.lastSeenAt)}`)
        .join('\n');
    },
  );

  keyedRows(
    section(body, 'dependencies', 'Dependencies'),
    status.dependencies,
    (dependency) => dependency.name,
    () => el('li', { class: 'row' }),
    (row, dependency) => {
      row.dataset['dependency'] = dependency.name;
      row.dataset['up'] = String(dependency.reachable);
      setText(cell(row, 'name'), dependency.name);
      setText(
        cell(row, 'state'),
        dependency.reachable ? 'reachable' : `unreachable: ${dependency.error ?? ''}`,
      );
    },
  );

  keyedRows(
    section(body, 'deadLetters', 'Latest dead letters'),
    status.deadLetters.latest.slice(0, LATEST_DEAD_LETTERS),
    (letter) => `${letter.topic ?? ''}:${letter.offset ?? letter.at}`,
    () => el('li', { class: 'row' }),
    (row, letter) => {
      setText(cell(row, 'time'), formatTime(letter.at));
      setText(cell(row, 'reason'), letter.reason);
    },
  );
  panel.root.dataset['observedAt'] = status.observedAt;
}
