// The production build end to end: `npm run build` compiles, and the compiled services, each
// on plain node with no loader, carry an event from ingest into the profile the gateway serves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsCurrent, BUILD_DIR } from '../scripts/service-runtime.ts';
import { bearer } from './support/auth.ts';
import { SERVICE_ENTRIES, startChildSystem, type ChildSystem } from './support/child-system.ts';
import { eventually, graphql, sendSegment } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';

const BUILD_TIMEOUT_MS = 90_000;

/** `npm run build`, resolving its exit code and output. */
async function build(): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['run', '-s', 'build'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

let sandbox: Sandbox | undefined;
let system: ChildSystem | undefined;

beforeAll(async () => {
  const built = await build();
  expect(built.code, built.output).toBe(0);
  await assertBuildIsCurrent(Object.values(SERVICE_ENTRIES));
  sandbox = await createSandbox();
  system = await startChildSystem(sandbox, 'built');
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await sandbox?.dispose();
});

describe('the production build', () => {
  it('runs every service as plain node on its compiled file, with no loader', () => {
    for (const service of system?.services ?? []) {
      const args = service.process.child.spawnargs.slice(1);
      const compiled = path.join(BUILD_DIR, SERVICE_ENTRIES[service.name].replace(/\.ts$/, '.js'));
      expect(args, service.name).toEqual([compiled]);
    }
    expect(system?.services).toHaveLength(Object.keys(SERVICE_ENTRIES).length);
  });

  it('shows a tracked event in the profile and its activities through the gateway', async () => {
    const running = system;
    if (running === undefined) throw new Error('the system is started in beforeAll');
    const userId = `user-${sandbox?.id ?? ''}`;
    const response = await sendSegment(running.gatewayUrl, 'track', {
      userId,
      event: 'Signed Up',
      properties: { plan: 'pro' },
    });
    expect(response.status).toBe(200);

    const headers = bearer(await running.token());
    const query = `query ($id: ID!) { profile(id: $id) { id eventCount activities(first: 5) { edges { node { name } } } } }`;
    const profile = await eventually(async () => {
      const answer = await graphql<{
        profile: {
          id: string;
          eventCount: number;
          activities: { edges: Array<{ node: { name: string } }> };
        } | null;
      }>(`${running.gatewayUrl}/graphql`, query, { id: userId }, headers);
      expect(answer.errors).toBeUndefined();
      const found = answer.data?.profile;
      return found && found.activities.edges.length === 1 ? found : undefined;
    });
    expect(profile).toEqual({
      id: userId,
      eventCount: 1,
      activities: { edges: [{ node: { name: 'Signed Up' } }] },
    });
  });
});
