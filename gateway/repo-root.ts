// The repository root, against which relative paths in the gateway's settings resolve; found
// the same way from the sources and from the build (schema/repo-root.ts).
export { REPO_ROOT } from '../schema/repo-root.ts';
