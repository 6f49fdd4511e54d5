import type { Caller } from '../../lib/graphql/identity-headers.ts';
import type { GitIdentity } from './git/git-output.ts';

/**
 * Who is calling, for the commit's author: the subject of the identity the gateway forwarded
 * (and signed), else the config service's own identity (calls without a user).
 */
export function callerOf(caller: Caller | undefined, service: GitIdentity): GitIdentity {
  const subject = caller?.subject.trim() ?? '';
  if (subject === '') return service;
  return { name: subject, email: subject.includes('@') ? subject : '' };
}
