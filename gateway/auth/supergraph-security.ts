import { parse, print, visit } from 'graphql';
import { ACCESS_SPECS, stringArgument } from '../../lib/graphql/access-policy.ts';

/**
 * The supergraph as @apollo/gateway loads it. The gateway refuses `for: SECURITY` features it
 * does not enforce itself; this gateway enforces `@authenticated` and `@requiresScopes` in its
 * operation guard (gateway/operation/guard-plugin.ts) and its subscription endpoint, so their
 * links lose the `for: SECURITY` marker here, and only here. Any other security feature still
 * makes the gateway refuse.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  return print(
    visit(parse(supergraphSdl), {
      Directive(node) {
        if (node.name.value !== 'link') return undefined;
        const url = stringArgument(node, 'url') ?? '';
        if (!Object.values(ACCESS_SPECS).some((prefix) => url.startsWith(prefix))) return undefined;
        return { ...node, arguments: node.arguments?.filter((arg) => arg.name.value !== 'for') };
      },
    }),
  );
}
