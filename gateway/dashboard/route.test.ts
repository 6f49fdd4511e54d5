import { mkdtemp, rm, utimes } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_SOURCE_DIR,
  MANIFEST_FILE,
  buildDashboard,
  dashboardIsStale,
} from '../../dashboard/build.ts';
import { contentSecurityPolicy } from './headers.ts';
import { dashboardRoute } from './route.ts';

describe('dashboard build and route', () => {
  let buildDir: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    buildDir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-dashboard-'));
    await buildDashboard(buildDir);
    const route = dashboardRoute({ buildDir });
    server = http.createServer((req, res) => {
      void route(req, res).then((answered) => {
        if (!answered) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(buildDir, { recursive: true, force: true });
  });

  it('is stale with no build, current after one, stale again once a source is newer', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-dashboard-none-'));
    expect(await dashboardIsStale(empty)).toBe(true);
    await rm(empty, { recursive: true });
    expect(await dashboardIsStale(buildDir)).toBe(false);
    // A build older than every source, however long ago the sources were last touched.
    const epoch = new Date(0);
    await utimes(path.join(buildDir, MANIFEST_FILE), epoch, epoch);
    expect(await dashboardIsStale(buildDir)).toBe(true);
    await buildDashboard(buildDir);
    expect(await dashboardIsStale(buildDir)).toBe(false);
    expect(DASHBOARD_SOURCE_DIR.endsWith('dashboard')).toBe(true);
  });

  it('serves the index uncached, hashed assets immutable, both with the page policy', async () => {
    for (const url of ['/dashboard', '/dashboard/']) {
      const index = await fetch(`${base}${url}`);
      expect(index.status).toBe(200);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(index.headers.get('x-content-type-options')).toBe('nosniff');
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
      const html = await index.text();
      // Without development sign-in the page is told to ask for a token.
      expect(html).toContain('<meta name="pulsehub-sign-in" content="token" />');
      const assets = [...html.matchAll(/"(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets).toHaveLength(2);
      for (const asset of assets) {
        const answer = await fetch(`${base}${asset ?? ''}`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('cache-control')).toContain('immutable');
        expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
      }
    }
  });

  it('answers nothing outside the built files, and no session without development sign-in', async () => {
    for (const url of [
      '/dashboard/assets/../index.html',
      '/dashboard/assets/%2e%2e%2fmanifest.json',
      '/dashboard/manifest.json',
      '/dashboard/assets/missing-AAAA.js',
    ])
      expect((await fetch(`${base}${url}`)).status, url).toBe(404);
    expect((await fetch(`${base}/dashboard/session`, { method: 'POST' })).status).toBe(404);
  });

  it('allows WebSockets to the page host only, and no inline script', () => {
    const policy = contentSecurityPolicy('hub.example.com:4000');
    expect(policy).toContain(
      "connect-src 'self' ws://hub.example.com:4000 wss://hub.example.com:4000",
    );
    expect(policy).not.toContain('unsafe-inline');
    expect(contentSecurityPolicy('evil" onload')).toContain("connect-src 'self';");
  });
});
