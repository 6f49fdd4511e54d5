import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PUBLIC_KEY_FILE, ensureDevKeyPair, mintToken } from '../gateway/auth/dev-keys.ts';
import { DASHBOARD_SCOPES, DASHBOARD_SUBJECT } from '../gateway/dashboard/dev-session.ts';
import { REPO_ROOT } from '../gateway/repo-root.ts';
import { stopService } from '../lib/service.ts';
import { TEST_TOKEN_CLAIMS } from './support/auth.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

const eventCount = (page: Page) =>
  page.locator('#profile [data-field="eventCount"]').textContent({ timeout: 10_000 });

/**
 * What functions run in the page use of it: this file is typed for Node, not the DOM, and the
 * page's policy forbids evaluating strings, so page code is passed as functions.
 */
interface PageScope {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    getElementById(id: string): { dataset: Record<string, string | undefined> } | null;
    cookie: string;
  };
  sessionStorage: { length: number };
  localStorage: { length: number };
  __hacked?: boolean;
  __frames?: number;
  requestAnimationFrame(callback: () => void): number;
}

/** Watches `id` in the profile viewer. */
async function watchProfile(page: Page, id: string): Promise<void> {
  await page.fill('#profile-id', id);
  await page.click('#profile-form button[type="submit"]');
  await page.locator(`#profile[data-profile="${id}"]`).waitFor();
}

/**
 * Resolves with the browser's clock at the first frame where the profile viewer shows
 * `count` events (polled every animation frame, so the time is the frame's).
 */
function shownAt(page: Page, count: string): Promise<number> {
  return page
    .waitForFunction(
      (expected) =>
        (globalThis as unknown as PageScope).document.querySelector(
          '#profile [data-field="eventCount"]',
        )?.textContent === expected
          ? Date.now()
          : false,
      count,
      { polling: 'raf', timeout: 10_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<number>);
}

/**
 * The dashboard page in a real browser, against the whole system in this process: the gateway
 * serves it, it signs in with the development key and follows the hub through the public API.
 */
describe('dashboard', () => {
  let browser: TestBrowser;
  let page: Page;
  let devKey: string;
  const { sandbox, system } = useSystem({
    system: async () => {
      // Development sign-in needs a gateway that trusts the development key (as `npm start`'s).
      devKey = (await ensureDevKeyPair()).privateKey;
      return {
        gateway: {
          auth: { publicKey: '', publicKeyFile: DEV_PUBLIC_KEY_FILE },
          dashboard: { devSignIn: true },
        },
      };
    },
  });

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.page();
  });

  afterEach(() => {
    expect(browser.problems, 'console errors and page errors').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('is served with a strict policy, and signs itself in during development', async () => {
    const response = await page.goto(`${system().gatewayUrl}/dashboard`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toMatch(
      /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/,
    );
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cache-control']).toBe('no-cache');
    const script = await page.locator('script[type="module"]').getAttribute('src');
    expect(script).toMatch(/^\/dashboard\/assets\/app-[A-Z0-9]+\.js$/);
    const asset = await fetch(`${system().gatewayUrl}${script ?? ''}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    await page.locator('#viewer', { hasText: DASHBOARD_SUBJECT }).waitFor({ timeout: 10_000 });
    expect(await page.isVisible('#sign-in')).toBe(false);
    const token = await page.evaluate(() => {
      const scope = globalThis as unknown as PageScope;
      return {
        session: scope.sessionStorage.length,
        local: scope.localStorage.length,
        cookies: scope.document.cookie,
      };
    });
    expect(token).toEqual({ session: 0, local: 0, cookies: '' });
  });

  it('refuses a development sign-in asked for by another site', async () => {
    const answer = await fetch(`${system().gatewayUrl}/dashboard/session`, {
      method: 'POST',
      headers: { origin: 'https://attacker.example' },
    });
    expect(answer.status).toBe(403);
  });

  it("shows a new user's event in the profile viewer within a second", async () => {
    const user = `dash-new-${sandbox().id}`;
    await watchProfile(page, user);
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    for (const expected of ['1', '2']) {
      const shown = shownAt(page, expected);
      const response = await sendSegment(system().gatewayUrl, 'track', {
        userId: user,
        event: 'Dashboard Opened',
      });
      expect(response.status).toBe(200);
      const acknowledgedAt = Date.now();
      const elapsedMs = (await shown) - acknowledgedAt;
      console.log(`event ${expected} of a new user shown ${elapsedMs} ms after its 200`);
      expect(elapsedMs).toBeLessThan(1_000);
    }
    await page
      .locator('#profile [data-field="activities"] li', { hasText: 'Dashboard Opened' })
      .first()
      .waitFor({ timeout: 15_000 });
  });

  it('renders a hostile trait as text', async () => {
    const user = `dash-xss-${sandbox().id}`;
    const hostile = '<img src=x onerror="window.__hacked = true">';
    await watchProfile(page, user);
    expect(
      (
        await sendSegment(system().gatewayUrl, 'identify', {
          userId: user,
          traits: { bio: hostile },
        })
      ).status,
    ).toBe(200);
    const trait = page.locator('#profile [data-trait="bio"] dd');
    await trait.waitFor({ timeout: 10_000 });
    expect(await trait.textContent()).toBe(hostile);
    expect(await page.locator('#profile img').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageScope).__hacked),
    ).toBeUndefined();
  });

  it('renders a burst of updates once per frame at most', async () => {
    const user = `dash-burst-${sandbox().id}`;
    await watchProfile(page, user);
    // Counts the page's animation frames from here on.
    await page.evaluate(() => {
      const scope = globalThis as unknown as PageScope;
      scope.__frames = 0;
      const tick = () => {
        scope.__frames = (scope.__frames ?? 0) + 1;
        scope.requestAnimationFrame(tick);
      };
      scope.requestAnimationFrame(tick);
    });
    // 100 concurrent requests of 5 events: many separate profile messages, close together.
    const batch = Array.from({ length: 5 }, () => ({ type: 'track', userId: user, event: 'Tick' }));
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => sendSegment(system().gatewayUrl, 'batch', { batch })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    await page
      .locator('#profile [data-field="eventCount"]', { hasText: /^500$/ })
      .waitFor({ timeout: 15_000 });
    const { updates, renders, frames } = await page.evaluate(() => {
      const scope = globalThis as unknown as PageScope;
      const dataset = scope.document.getElementById('profile')?.dataset;
      return {
        updates: Number(dataset?.['updates']),
        renders: Number(dataset?.['renders']),
        frames: scope.__frames ?? 0,
      };
    });
    console.log(`${updates} profile messages rendered ${renders} times in ${frames} frames`);
    expect(renders).toBeGreaterThan(0);
    expect(renders).toBeLessThanOrEqual(updates);
    expect(renders).toBeLessThanOrEqual(frames);
  });

  it('shows every configured segment with its size, live', async () => {
    const segment = page.locator('#segments [data-segment="identified"]');
    await segment.locator('[data-field="size"]').waitFor({ timeout: 10_000 });
    const before = Number(
      (await segment.locator('[data-field="size"]').textContent())?.replace(/,/g, ''),
    );
    const user = `dash-segment-${sandbox().id}`;
    expect((await sendSegment(system().gatewayUrl, 'identify', { userId: user })).status).toBe(200);
    await segment.locator('[data-kind="ENTERED"]', { hasText: user }).waitFor({ timeout: 10_000 });
    await segment
      .locator('[data-field="size"]', { hasText: new RegExp(`^${before + 1}$`) })
      .waitFor({ timeout: 10_000 });
  });

  it('shows the system status live', async () => {
    const total = page.locator('#system [data-field="eventsTotal"]');
    await total.waitFor({ timeout: 10_000 });
    const before = Number((await total.textContent())?.replace(/,/g, ''));
    const batch = Array.from({ length: 25 }, (_, i) => ({
      type: 'track',
      userId: `dash-sys-${i}`,
      event: 'Ping',
    }));
    expect((await sendSegment(system().gatewayUrl, 'batch', { batch })).status).toBe(200);
    await page.waitForFunction(
      (floor) =>
        Number(
          (globalThis as unknown as PageScope).document
            .querySelector('#system [data-field="eventsTotal"]')
            ?.textContent?.replace(/,/g, ''),
        ) >= floor,
      before + 25,
      { timeout: 10_000 },
    );
    await page
      .locator('#system [data-service="archiver"][data-up="true"]')
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('#charts').getAttribute('data-points')).not.toBe('0');
  });

  it('works with a pasted token when development sign-in is off; a missing scope fails only its panel', async () => {
    const production = await system().startGateway({
      overrides: { dashboard: { devSignIn: false } },
    });
    // Stopped with the rest of the system.
    expect((await fetch(`${production.url}/dashboard/session`, { method: 'POST' })).status).toBe(
      404,
    );
    const tab = await browser.page();
    await tab.goto(`${production.url}/dashboard`);
    await tab.locator('#sign-in').waitFor({ state: 'visible', timeout: 10_000 });
    const token = await mintToken(devKey, {
      subject: 'pasted-operator',
      // Without system:read: the system panel shows the refusal, the others work.
      scopes: DASHBOARD_SCOPES.filter((scope) => scope !== 'system:read'),
      expiresInSeconds: 600,
      ...TEST_TOKEN_CLAIMS,
    });
    await tab.fill('#token', token);
    await tab.click('#sign-in button[type="submit"]');
    await tab.locator('#viewer', { hasText: 'pasted-operator' }).waitFor({ timeout: 10_000 });
    expect(await tab.isVisible('#sign-in')).toBe(false);
    await watchProfile(tab, `dash-burst-${sandbox().id}`);
    expect(await eventCount(tab)).toBe('500');
    await tab
      .locator('#system[data-state="error"] [data-role="error"]', {
        hasText: /system:read|FORBIDDEN|scope/i,
      })
      .waitFor({ timeout: 10_000 });
    expect(
      await tab.evaluate(() => {
        const scope = globalThis as unknown as PageScope;
        return scope.localStorage.length + scope.document.cookie.length;
      }),
    ).toBe(0);
    await tab.close();
  });

  it('shows a stopped service as down', async () => {
    await stopService(system().services['archiver']!);
    await page
      .locator('#system [data-service="archiver"][data-up="false"]')
      .waitFor({ timeout: 30_000 });
    if (process.env['DASHBOARD_SCREENSHOT'])
      await page.screenshot({
        path: path.resolve(REPO_ROOT, process.env['DASHBOARD_SCREENSHOT']),
        fullPage: true,
      });
  });
});
