-- Declarative partitioning, which drizzle-kit cannot express: `events` becomes a table
-- partitioned by the UTC month of "timestamp", so retention drops whole months (DROP TABLE,
-- instant, no bloat) instead of DELETE + VACUUM over hundreds of millions of rows. The columns,
-- primary key and indexes stay exactly as drizzle-kit generated them (migrations 0000, 0001),
-- so the drizzle snapshot keeps describing the table. Partitions are named events_yYYYYmMM;
-- the archiver creates them ahead of time and on demand (archiver/partitions.ts).
ALTER TABLE "events" RENAME TO "events_unpartitioned";--> statement-breakpoint
CREATE TABLE "events" (LIKE "events_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ("timestamp");--> statement-breakpoint
DO $$
DECLARE
  month timestamp;
BEGIN
  FOR month IN
    SELECT DISTINCT date_trunc('month', "timestamp" AT TIME ZONE 'UTC') FROM "events_unpartitioned"
    UNION
    SELECT date_trunc('month', now() AT TIME ZONE 'UTC')
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "events" FOR VALUES FROM (%L) TO (%L)',
      'events_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
      to_char(month, 'YYYY-MM-DD"T"00:00:00"Z"'),
      to_char(month + interval '1 month', 'YYYY-MM-DD"T"00:00:00"Z"')
    );
  END LOOP;
END
$$;--> statement-breakpoint
INSERT INTO "events" SELECT * FROM "events_unpartitioned";--> statement-breakpoint
DROP TABLE "events_unpartitioned";--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_pkey" PRIMARY KEY("message_id","timestamp");--> statement-breakpoint
CREATE INDEX "events_profile_newest_idx" ON "events" USING btree ("profile_id","timestamp" DESC NULLS LAST,"message_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "events_timestamp_brin" ON "events" USING brin ("timestamp");
