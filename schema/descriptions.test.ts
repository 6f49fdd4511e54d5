import {
  Kind,
  parse,
  type DefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES, subgraphSdl } from './sdl.ts';

type Described = { description?: { value: string } | undefined; name: { value: string } };

/** Every type, field, argument, input field and enum value of a subgraph that lacks a description. */
function undescribed(definition: DefinitionNode): string[] {
  if (!('name' in definition) || definition.name === undefined) return [];
  if (definition.kind === Kind.DIRECTIVE_DEFINITION) return [];
  const name = definition.name.value;
  const missing: string[] = [];
  const check = (node: Described, path: string) => {
    if (!node.description?.value.trim()) missing.push(path);
  };
  check(definition as Described, name);
  const fields = ('fields' in definition ? definition.fields : undefined) as
    ReadonlyArray<FieldDefinitionNode | InputValueDefinitionNode> | undefined;
  for (const field of fields ?? []) {
    check(field, `${name}.${field.name.value}`);
    for (const arg of ('arguments' in field ? field.arguments : undefined) ?? [])
      check(arg, `${name}.${field.name.value}(${arg.name.value})`);
  }
  if (definition.kind === Kind.ENUM_TYPE_DEFINITION)
    for (const value of definition.values ?? []) check(value, `${name}.${value.name.value}`);
  return missing;
}

describe('subgraph SDL', () => {
  it.each(SUBGRAPH_NAMES)('%s describes every type, field, argument and enum value', (name) => {
    const missing = parse(subgraphSdl(name)).definitions.flatMap(undescribed);
    expect(missing).toEqual([]);
  });
});
