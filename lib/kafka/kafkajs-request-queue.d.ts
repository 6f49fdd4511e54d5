// The part of kafkajs' internal per-connection request queue that request-queue-fix.ts replaces.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  export default class RequestQueue {
    constructor(options: {
      instrumentationEmitter?: unknown;
      maxInFlightRequests: number | null;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      clientId: string;
      broker: string;
      logger: unknown;
      isConnected?: () => boolean;
    });
    pending: unknown[];
    /** Until when (ms since the epoch) the broker asked this connection to hold its requests. */
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    checkPendingRequests(): void;
    scheduleCheckPendingRequests(): void;
    destroy(): void;
  }
}
