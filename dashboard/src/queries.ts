// The GraphQL documents the page sends, and the shapes of their answers.

export interface SystemStatus {
  observedAt: string;
  events: { total: number; perSecond: number };
  consumers: Array<{ role: string; group: string; topic: string; lag: number }>;
  deadLetters: {
    total: number;
    latest: Array<{ reason: string; at: string; topic: string | null; offset: string | null }>;
  };
  services: Array<{
    name: string;
    up: boolean;
    ready: boolean;
    instances: Array<{ id: string; url: string | null; ready: boolean; lastSeenAt: string }>;
  }>;
  dependencies: Array<{ name: string; reachable: boolean; error: string | null }>;
  subscriptions: { connections: number };
}

export const SYSTEM_STATUS = /* GraphQL */ `
  subscription SystemStatus {
    systemStatusChanged {
      observedAt
      events {
        total
        perSecond
      }
      consumers {
        role
        group
        topic
        lag
      }
      deadLetters {
        total
        latest {
          reason
          at
          topic
          offset
        }
      }
      services {
        name
        up
        ready
        instances {
          id
          url
          ready
          lastSeenAt
        }
      }
      dependencies {
        name
        reachable
        error
      }
      subscriptions {
        connections
      }
    }
  }
`;

export interface Profile {
  id: string;
  userId: string | null;
  anonymousIds: string[];
  traits: Record<string, unknown>;
  device: { type: string; os: string | null; browser: string | null } | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  eventCount: number;
  pageViews: number;
  eventCounts: Array<{ name: string; count: number }>;
  sessionCount: number;
  segments: string[];
  version: number;
  updatedAt: string;
}

const PROFILE_FIELDS = `
  id userId anonymousIds traits device { type os browser } firstSeenAt lastSeenAt
  eventCount pageViews eventCounts { name count } sessionCount segments version updatedAt
`;

export const PROFILE_UPDATED = /* GraphQL */ `
  subscription ProfileUpdated($id: ID!) { profileUpdated(id: $id) { ${PROFILE_FIELDS} } }
`;

export interface Activity {
  id: string;
  type: string;
  name: string | null;
  timestamp: string;
}

/** Recent activities come from the archive, asked for over HTTP when the profile changes. */
export const RECENT_ACTIVITIES = /* GraphQL */ `
  query RecentActivities($id: ID!) {
    profile(id: $id) {
      activities(first: 10) {
        edges {
          node {
            id
            type
            name
            timestamp
          }
        }
      }
    }
  }
`;

export interface Segment {
  name: string;
  description: string | null;
  size: number;
}

export const SEGMENTS = /* GraphQL */ `
  query Segments {
    segments {
      name
      description
      size
    }
  }
`;

export const SEGMENT_SIZE = /* GraphQL */ `
  query SegmentSize($name: String!) {
    segment(name: $name) {
      size
    }
  }
`;

export interface MembershipChange {
  kind: 'ENTERED' | 'LEFT';
  profile: { id: string };
}

export const MEMBERSHIP_CHANGED = /* GraphQL */ `
  subscription Membership($segment: String!) {
    segmentMembershipChanged(segment: $segment) {
      kind
      profile {
        id
      }
    }
  }
`;

export const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer {
      subject
      scopes
    }
  }
`;
