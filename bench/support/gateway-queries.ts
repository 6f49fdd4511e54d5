/**
 * The profile and its activities, the field both gateway scenarios query: one request becomes
 * a Profile subgraph fetch and an Activity entity fetch.
 */
export const PROFILE_FIELD = `profile(id: $id) {
    id eventCount lastSeenAt
    activities(first: 5) { edges { node { id name timestamp } } }
  }`;
