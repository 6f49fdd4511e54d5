import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { createSchemaGate } from './schema-gate.ts';

const logger = createLogger('schema-gate-test', 'silent');
const retry = { initialBackoffMs: 10, maxBackoffMs: 20 };
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await check()).toBe(true);
}

describe('the archive schema gate', () => {
  it('is open once the migrations at start succeeded', async () => {
    const gate = createSchemaGate({ migrate: () => Promise.resolve(), logger, retry });
    await gate.start();
    expect(await gate.ready()).toBe(true);
    expect(() => gate.ensureApplied()).not.toThrow();
    await gate.stop();
  });

  it('starts while PostgreSQL is down, holds writes, and opens when a later attempt succeeds', async () => {
    let attempts = 0;
    const gate = createSchemaGate({
      migrate: () => (++attempts < 3 ? Promise.reject(refused()) : Promise.resolve()),
      logger,
      retry,
    });
    await gate.start();
    expect(await gate.ready()).toBe(false);
    expect(() => gate.ensureApplied()).toThrow(/not applied/);
    await until(() => gate.ready());
    expect(attempts).toBe(3);
    expect(() => gate.ensureApplied()).not.toThrow();
    await gate.stop();
  });

  it('fails the start on a migration PostgreSQL refuses for what it is', async () => {
    const broken = Object.assign(new Error('syntax error'), { name: 'error', code: '42601' });
    const gate = createSchemaGate({ migrate: () => Promise.reject(broken), logger, retry });
    await expect(gate.start()).rejects.toThrow('syntax error');
  });

  it('stops retrying when stopped', async () => {
    let attempts = 0;
    const gate = createSchemaGate({
      migrate: () => {
        attempts += 1;
        return Promise.reject(refused());
      },
      logger,
      retry,
    });
    await gate.start();
    await gate.stop();
    const after = attempts;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(attempts).toBe(after);
  });
});
