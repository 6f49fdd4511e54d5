// The dashboard page: signs in, then runs every panel against the gateway's public API. Each
// panel reports its own errors, so one failing query leaves the others working.
import { createApi } from './api.ts';
import { createCharts } from './charts.ts';
import { panel, required, setText } from './dom.ts';
import { live } from './live.ts';
import { createProfileViewer } from './profile-viewer.ts';
import { SYSTEM_STATUS, VIEWER, type SystemStatus } from './queries.ts';
import { createFrameScheduler } from './render.ts';
import { createSegmentsPanel } from './segments-panel.ts';
import { createSession, type SignInForm } from './session.ts';
import { renderSystemStatus } from './system-panel.ts';

function signInForm(): SignInForm {
  const form = required<HTMLFormElement>('sign-in');
  const token = required<HTMLTextAreaElement>('token');
  const message = required<HTMLElement>('sign-in-error');
  let pending: ((token: string) => void) | undefined;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (token.value.trim() !== '') pending?.(token.value);
  });
  return {
    ask(reason) {
      message.textContent = reason;
      token.value = '';
      form.hidden = false;
      token.focus();
      return new Promise((resolve) => (pending = resolve));
    },
    hide() {
      form.hidden = true;
      pending = undefined;
    },
  };
}

function start(): void {
  const system = panel('system');
  const charts = panel('charts');
  const frames = createFrameScheduler((key, error) => {
    const target = key.startsWith('segment')
      ? panel('segments')
      : key === 'system'
        ? system
        : panel('profile');
    target.error(`rendering failed: ${(error as Error).message}`);
  });
  const session = createSession(signInForm());
  const api = createApi(session);

  const connection = required<HTMLElement>('connection');
  api.onConnection((state) => {
    connection.dataset['state'] = state.split(' ')[0] ?? state;
    setText(connection, state);
  });
  const viewer = required<HTMLElement>('viewer');
  const signOut = required<HTMLButtonElement>('sign-out');
  signOut.addEventListener('click', () => session.signOut());
  session.onToken(() => {
    api
      .query<{ viewer: { subject: string } }>(VIEWER)
      .then(({ viewer: v }) => {
        viewer.textContent = `signed in as ${v.subject}`;
        signOut.hidden = false;
      })
      .catch(() => (viewer.textContent = ''));
  });

  const chartView = createCharts(charts);
  let latest: SystemStatus | undefined;
  live<{ systemStatusChanged: SystemStatus }>(
    api,
    SYSTEM_STATUS,
    {},
    {
      next: ({ systemStatusChanged: status }) => {
        latest = status;
        chartView.add(status);
        frames.schedule('system', () => {
          if (latest !== undefined) renderSystemStatus(system, latest);
          chartView.draw();
        });
      },
      error: (message) => {
        system.error(message);
        charts.error(message === undefined ? undefined : 'no system status to chart');
      },
    },
  );
  createProfileViewer(panel('profile'), api, frames);
  createSegmentsPanel(panel('segments'), api, frames);
}

start();
