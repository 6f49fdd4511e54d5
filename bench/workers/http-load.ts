// Load generator (its own process): one kind of HTTP operation in fixed-concurrency closed
// loops, warm-up then a measured window. Reports operations/s and latency.
import { subgraphRequestSigner } from '../support/auth.ts';
import { incomingEvent, type EventPlan } from '../support/events.ts';
import { createHttpClient, expectGraphQLData } from '../support/load/http-client.ts';
import { runClosedLoop, type LoopResult, type LoopSettings } from '../support/load/closed-loop.ts';
import { runAsWorker } from '../support/worker-side.ts';

/** A federated query through a gateway, one profile id per request, round robin. */
export interface GatewayQueryOperation {
  kind: 'graphql';
  url: string;
  query: string;
  ids: string[];
  headers: Record<string, string>;
}

/** What a gateway does for that query, done by hand: the profile, then its activities entity. */
export interface DirectSubgraphsOperation {
  kind: 'subgraphs';
  profileUrl: string;
  profileQuery: string;
  activityUrl: string;
  entitiesQuery: string;
  ids: string[];
}

/** `POST /v1/batch` with `batchSize` events, from a pool of distinct prepared batches. */
export interface IngestBatchOperation {
  kind: 'ingest';
  url: string;
  plan: EventPlan;
  batchSize: number;
  distinctBatches: number;
  headers: Record<string, string>;
}

export type HttpLoadSettings = LoopSettings & {
  operation: GatewayQueryOperation | DirectSubgraphsOperation | IngestBatchOperation;
};

type Operation = (loop: number, iteration: number) => Promise<void>;

function buildOperation(settings: HttpLoadSettings): Operation {
  const client = createHttpClient(settings.concurrency * 2);
  const { operation } = settings;
  const pick = <T>(items: readonly T[], loop: number, iteration: number): T =>
    items[(iteration * settings.concurrency + loop) % items.length] as T;
  switch (operation.kind) {
    case 'graphql': {
      const url = new URL(operation.url);
      const bodies = operation.ids.map((id) =>
        JSON.stringify({ query: operation.query, variables: { id } }),
      );
      return async (loop, iteration) => {
        const answer = await client.post(url, pick(bodies, loop, iteration), operation.headers);
        expectGraphQLData(answer, operation.url);
      };
    }
    case 'subgraphs': {
      const profileUrl = new URL(operation.profileUrl);
      const activityUrl = new URL(operation.activityUrl);
      const pairs = operation.ids.map((id) => [
        JSON.stringify({ query: operation.profileQuery, variables: { id } }),
        JSON.stringify({
          query: operation.entitiesQuery,
          variables: { representations: [{ __typename: 'Profile', id }] },
        }),
      ]);
      // Signed per request like every subgraph request of a gateway (where subgraphs require it).
      const sign = subgraphRequestSigner() ?? (() => ({}));
      return async (loop, iteration) => {
        const [profileBody, entitiesBody] = pick(pairs, loop, iteration) as [string, string];
        expectGraphQLData(
          await client.post(profileUrl, profileBody, sign(profileBody, profileUrl)),
          'profile',
        );
        expectGraphQLData(
          await client.post(activityUrl, entitiesBody, sign(entitiesBody, activityUrl)),
          'activity',
        );
      };
    }
    case 'ingest': {
      const url = new URL(operation.url);
      const bodies = Array.from({ length: operation.distinctBatches }, (_, batch) =>
        JSON.stringify({
          batch: Array.from({ length: operation.batchSize }, (_, index) =>
            incomingEvent(operation.plan, batch * operation.batchSize + index),
          ),
        }),
      );
      return async (loop, iteration) => {
        const answer = await client.post(url, pick(bodies, loop, iteration), operation.headers);
        if (answer.status !== 200)
          throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 500)}`);
      };
    }
    default: {
      const unreachable: never = operation;
      throw new Error(`unknown operation ${JSON.stringify(unreachable)}`);
    }
  }
}

runAsWorker<HttpLoadSettings, LoopResult>((settings) =>
  runClosedLoop(buildOperation(settings), settings),
);
