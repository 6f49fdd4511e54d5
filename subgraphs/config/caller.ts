import type http from 'node:http';
import { IDENTITY_HEADERS } from '../../lib/graphql/identity-headers.ts';
import type { GitIdentity } from './git/git-output.ts';

/**
 * Who is calling, for the commit's author: the subject the gateway forwards in
 * `x-pulsehub-subject`, else the config service's own identity (calls without a user).
 */
export function callerOf(
  headers: http.IncomingHttpHeaders | undefined,
  service: GitIdentity,
): GitIdentity {
  const raw = headers?.[IDENTITY_HEADERS.subject];
  const subject = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
  if (subject === '') return service;
  return { name: subject, email: subject.includes('@') ? subject : '' };
}
