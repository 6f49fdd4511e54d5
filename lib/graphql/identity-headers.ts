/**
 * Headers the gateway adds to every subgraph request: the caller's identity, and a signature
 * over them with the shared gateway secret so a subgraph can refuse calls that went around
 * the gateway.
 */
export const IDENTITY_HEADERS = {
  subject: 'x-pulsehub-subject',
  scopes: 'x-pulsehub-scopes',
  signature: 'x-pulsehub-gateway-signature',
} as const;
