// Charts of the last few minutes: events per second, and consumer lag per role (uPlot).
import uPlot from 'uplot';
import { el, type Panel } from './dom.ts';
import type { SystemStatus } from './queries.ts';

/** Points kept per series: five minutes at the default one-second status interval. */
const MAX_POINTS = 300;

export interface Charts {
  add(status: SystemStatus): void;
  /** Redraws with the points added since the last draw (call once per frame). */
  draw(): void;
}

function chart(host: HTMLElement, title: string, series: Array<{ label: string; stroke: string }>) {
  const box = host.appendChild(el('div', { class: 'chart' }));
  const width = () => Math.max(280, box.clientWidth || 600);
  const plot = new uPlot(
    {
      title,
      width: width(),
      height: 180,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      series: [{}, ...series.map((s) => ({ ...s, width: 2 }))],
    },
    [[], ...series.map(() => [])],
    box,
  );
  new ResizeObserver(() => plot.setSize({ width: width(), height: 180 })).observe(box);
  return plot;
}

export function createCharts(panel: Panel): Charts {
  const volume = chart(panel.body, 'events per second', [{ label: 'events/s', stroke: '#2f6fde' }]);
  const lag = chart(panel.body, 'consumer lag (messages)', [
    { label: 'processor', stroke: '#d9480f' },
    { label: 'archiver', stroke: '#2b8a3e' },
  ]);
  const times: number[] = [];
  const perSecond: number[] = [];
  const processorLag: number[] = [];
  const archiverLag: number[] = [];
  const bounded = (...lists: number[][]) => {
    for (const list of lists)
      if (list.length > MAX_POINTS) list.splice(0, list.length - MAX_POINTS);
  };
  const lagOf = (status: SystemStatus, role: string) =>
    status.consumers.filter((c) => c.role === role).reduce((sum, c) => sum + c.lag, 0);
  return {
    add(status) {
      times.push(new Date(status.observedAt).getTime() / 1_000);
      perSecond.push(status.events.perSecond);
      processorLag.push(lagOf(status, 'processor'));
      archiverLag.push(lagOf(status, 'archiver'));
      bounded(times, perSecond, processorLag, archiverLag);
    },
    draw() {
      volume.setData([times, perSecond]);
      lag.setData([times, processorLag, archiverLag]);
      panel.root.dataset['points'] = String(times.length);
    },
  };
}
