import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { useSystem } from './support/use-system.ts';

describe('GraphQL over HTTP conformance of the gateway (graphql-http server audits)', () => {
  const { system } = useSystem();

  it('passes every MUST audit', async () => {
    const results = [];
    for (const audit of serverAudits({ url: system().graphqlUrl })) results.push(await audit.fn());
    const must = results.filter((result) => result.name.startsWith('MUST'));
    expect(must.length).toBeGreaterThanOrEqual(10);
    const failed = must
      .filter((result) => result.status !== 'ok')
      .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
    // The SHOULD and MAY results, for the record (not requirements of the spec).
    const others = results.filter((result) => !result.name.startsWith('MUST'));
    const notOk = others.filter((result) => result.status !== 'ok').map((r) => `${r.id} ${r.name}`);
    console.log(
      `graphql-http audits: ${must.length} MUST ok; ${others.length - notOk.length}/${others.length} SHOULD/MAY ok` +
        (notOk.length > 0 ? `; not met: ${notOk.join(' | ')}` : ''),
    );
  });
});
