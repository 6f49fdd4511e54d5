-- The archive's dedupe key becomes (profile_id, message_id) in the unpartitioned "event_keys",
-- written with the events (archiver/archive-rows.ts). Existing archives may hold a retried event
-- twice (a retry without a timestamp got a new one from ingest, so (message_id, timestamp)
-- differed): the first stored copy (earliest received_at, then Kafka position) stays, the later
-- copies go, as the processor counted the event once. Then every remaining event gets its key.
CREATE TABLE "event_keys" (
	"profile_id" text COLLATE "C" NOT NULL,
	"message_id" text COLLATE "C" NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	CONSTRAINT "event_keys_pkey" PRIMARY KEY("profile_id","message_id")
);
--> statement-breakpoint
DELETE FROM "events" AS e
USING (
  SELECT tableoid, ctid, row_number() OVER (
    PARTITION BY "profile_id", "message_id"
    ORDER BY "received_at", "source_partition", "source_offset", "timestamp"
  ) AS copy
  FROM "events"
) AS later
WHERE later.copy > 1 AND e.tableoid = later.tableoid AND e.ctid = later.ctid;--> statement-breakpoint
INSERT INTO "event_keys" ("profile_id", "message_id", "timestamp")
SELECT "profile_id", "message_id", "timestamp" FROM "events";--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
CREATE INDEX "event_keys_timestamp_brin" ON "event_keys" USING brin ("timestamp");
