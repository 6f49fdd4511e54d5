import { getOperationAST, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from 'vitest';
import { schemaAccessFromSdl } from '../../lib/graphql/access-policy.ts';
import { supergraphSdl } from '../../schema/sdl.ts';
import { estimateCost } from './cost.ts';
import { operationShape } from '../../lib/graphql/operation-shape.ts';
import { countTokens, tokenLimitRefusal } from './tokens.ts';

const schema = buildSubgraphSchema(
  parse(`
    type Query { items(first: Int = 10): [Item!]! byIds(ids: [ID!]!): [Item]! one: Item tags: [Tag!]! }
    type Item { id: ID! children(first: Int = 5): Page! tags: [Tag!]! }
    type Page { edges: [Edge!]! }
    type Edge { node: Item! }
    type Tag { name: String! }
  `),
);
const access = schemaAccessFromSdl(supergraphSdl());

function analyse(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return {
    ...operationShape(schema, document, operation, access),
    cost: estimateCost(schema, document, operation, variables, 10),
  };
}

describe('operation shape', () => {
  it('measures depth through fragments, ignoring __typename and introspection', () => {
    expect(analyse('{ one { id } }').depth).toBe(2);
    expect(analyse('{ one { children { edges { node { id } } } } }').depth).toBe(5);
    expect(
      analyse('{ ...F } fragment F on Query { one { ... on Item { tags { name } } } }').depth,
    ).toBe(3);
    expect(
      analyse('{ __typename __schema { types { fields { type { ofType { name } } } } } }').depth,
    ).toBe(0);
  });

  it('counts aliases as often as fragments spread them, in linear time', () => {
    expect(analyse('{ a: one { b: id } c: __typename }').aliases).toBe(3);
    const bomb = [
      'query { ...F0 ...F0 }',
      ...Array.from(
        { length: 30 },
        (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
      ),
      'fragment F30 on Query { x: __typename }',
    ].join('\n');
    expect(analyse(bomb).aliases).toBe(2 ** 31);
  });
});

describe('estimated cost', () => {
  it('multiplies by first, ids and a default list size, not counting edges twice', () => {
    expect(analyse('{ one { id } }').cost).toBe(2);
    expect(analyse('{ items(first: 3) { id } }').cost).toBe(1 + 3 * 1);
    expect(analyse('{ items { id } }').cost).toBe(1 + 10 * 1); // the argument's default
    expect(analyse('{ tags { name } }').cost).toBe(1 + 10 * 1); // defaultListSize
    expect(
      analyse('query ($ids: [ID!]!) { byIds(ids: $ids) { id } }', { ids: ['a', 'b'] }).cost,
    ).toBe(3);
    // children(first: 5) sizes its edges: 1 + 5 * (edges 1 + node 1 + id 1)
    expect(analyse('{ one { children { edges { node { id } } } } }').cost).toBe(1 + 1 + 5 * 3);
  });

  it('reads variables, so the same document costs what its variables ask', () => {
    const query = 'query ($n: Int) { items(first: $n) { tags { name } } }';
    expect(analyse(query, { n: 1 }).cost).toBe(1 + 1 * (1 + 10));
    expect(analyse(query, { n: 100 }).cost).toBe(1 + 100 * (1 + 10));
  });
});

describe('token limit', () => {
  it('counts lexical tokens, stopping past the limit', () => {
    expect(countTokens('{ one { id } }', 100)).toBe(6);
    expect(countTokens('{ a b c d e f }', 3)).toBe(4);
    expect(tokenLimitRefusal('{ a }', 3)).toBeUndefined();
    expect(tokenLimitRefusal('{ a b c }', 3)).toMatchObject({
      status: 400,
      code: 'QUERY_TOO_COMPLEX',
    });
  });
});
