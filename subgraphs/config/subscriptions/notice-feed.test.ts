import { describe, expect, it } from 'vitest';
import type { ConfigNotice } from '../../../config/client/bus.ts';
import { createNoticeFeed } from './notice-feed.ts';

const notice = (applications: string[], version: string): ConfigNotice => ({
  applications,
  version,
  label: 'main',
  origin: 'setConfig',
  at: '2026-01-01T00:00:00.000Z',
});

describe('the notice feed', () => {
  it('delivers accepted notices in order, queued or awaited, until returned', async () => {
    const feed = createNoticeFeed();
    const gateway = feed.subscribe((n) => n.applications.includes('gateway'));
    const pending = gateway.next();
    feed.push(notice(['gateway'], 'v1'));
    feed.push(notice(['processor'], 'v2'));
    feed.push(notice(['gateway'], 'v3'));
    expect((await pending).value).toMatchObject({ version: 'v1' });
    expect((await gateway.next()).value).toMatchObject({ version: 'v3' });
    await gateway.return?.();
    feed.push(notice(['gateway'], 'v4'));
    expect(await gateway.next()).toEqual({ done: true, value: undefined });
  });

  it('keeps the newest 100 notices of a slow subscriber', async () => {
    const feed = createNoticeFeed();
    const slow = feed.subscribe(() => true);
    for (let i = 1; i <= 150; i++) feed.push(notice(['gateway'], `v${i}`));
    expect((await slow.next()).value).toMatchObject({ version: 'v51' });
    await slow.return?.();
  });

  it('ends open subscriptions on close', async () => {
    const feed = createNoticeFeed();
    const waiting = feed.subscribe(() => true).next();
    feed.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
