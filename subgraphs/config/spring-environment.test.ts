import { describe, expect, it } from 'vitest';
import { flattenProperties, toSpringEnvironment } from './spring-environment.ts';

describe('the Spring Cloud Config environment shape', () => {
  it('flattens like Spring: dotted keys, [n] for list items, empty list and null as ""', () => {
    expect(
      flattenProperties({
        kafka: { brokers: 'a:9092', retry: { attempts: 3 } },
        keys: ['a', 'b'],
        rules: [{ name: 'vip', when: { plan: 'pro' } }],
        none: [],
        nothing: null,
        empty: {},
      }),
    ).toEqual({
      'kafka.brokers': 'a:9092',
      'kafka.retry.attempts': 3,
      'keys[0]': 'a',
      'keys[1]': 'b',
      'rules[0].name': 'vip',
      'rules[0].when.plan': 'pro',
      none: '',
      nothing: '',
    });
  });

  it('lists sources highest precedence first, named after the repository, with the requested label', () => {
    const environment = {
      name: 'gateway',
      profiles: ['prod'],
      requestedLabel: undefined,
      label: 'main',
      version: 'abc123',
      sources: [],
    };
    const sources = [
      { name: 'application.yml', source: { a: { b: 1 } } },
      { name: 'gateway-prod.yml', source: { a: { b: 2 } } },
    ];
    expect(
      toSpringEnvironment(environment, sources, { uri: 'file:///repo', nested: false }),
    ).toEqual({
      name: 'gateway',
      profiles: ['prod'],
      label: null,
      version: 'abc123',
      state: null,
      propertySources: [
        { name: 'file:///repo/gateway-prod.yml', source: { 'a.b': 2 } },
        { name: 'file:///repo/application.yml', source: { 'a.b': 1 } },
      ],
    });
    expect(
      toSpringEnvironment({ ...environment, requestedLabel: 'v1' }, sources, {
        uri: 'file:///repo',
        nested: true,
      }),
    ).toMatchObject({
      label: 'v1',
      propertySources: [{ source: { a: { b: 2 } } }, { source: { a: { b: 1 } } }],
    });
  });
});
