import {
  Kind,
  type ArgumentNode,
  getNamedType,
  getNullableType,
  isListType,
  valueFromAST,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fieldOf, fragmentsOf } from '../../lib/graphql/operation-shape.ts';

/** Arguments that say how many items a list field returns. */
const SLICING_ARGUMENTS = ['first', 'ids'] as const;

/** How many items a field returns, from its `first` or `ids` argument when it has one. */
function slicedSize(
  field: GraphQLField<unknown, unknown>,
  node: { arguments?: readonly ArgumentNode[] | undefined },
  variables: Record<string, unknown>,
): number | undefined {
  for (const name of SLICING_ARGUMENTS) {
    const definition = field.args.find((arg) => arg.name === name);
    if (definition === undefined) continue;
    const given = node.arguments?.find((arg) => arg.name.value === name);
    const value = given
      ? valueFromAST(given.value, definition.type, variables)
      : definition.defaultValue;
    if (typeof value === 'number') return Math.max(0, value);
    if (Array.isArray(value)) return value.length;
  }
  return undefined;
}

/**
 * Estimated cost of an operation: every field costs 1, times the size of every list above it.
 * A list's size is its `first` or `ids` argument (variables applied) or else `defaultListSize`;
 * a list directly inside a sliced object (a connection's `edges`) is sized by that slice, not
 * counted again. Introspection and `__typename` are free.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  defaultListSize: number,
): number {
  const fragments = fragmentsOf(document);
  // Cost is linear in the multiplier, so each fragment is priced once per slicing context.
  const memo = new Map<string, number>();

  function price(
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    sliced: boolean,
  ): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = fieldOf(parent, name);
        if (field === undefined) continue;
        const size = slicedSize(field, selection, variables);
        const list = isListType(getNullableType(field.type));
        const factor = size ?? (list && !sliced ? defaultListSize : 1);
        const inner = selection.selectionSet
          ? price(
              selection.selectionSet,
              getNamedType(field.type) as GraphQLCompositeType,
              size !== undefined && !list,
            )
          : 0;
        total += 1 + factor * inner;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
          : parent;
        total += price(selection.selectionSet, typed, sliced);
      } else {
        const key = `${selection.name.value}:${sliced}`;
        let cost = memo.get(key);
        const fragment = fragments.get(selection.name.value);
        if (cost === undefined && fragment !== undefined) {
          cost = price(
            fragment.selectionSet,
            schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType,
            sliced,
          );
          memo.set(key, cost);
        }
        total += cost ?? 0;
      }
    }
    return total;
  }

  const root = schema.getRootType(operation.operation);
  return root ? price(operation.selectionSet, root, false) : 0;
}
