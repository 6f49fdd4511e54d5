DROP INDEX "events_timestamp_idx";--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_pkey" PRIMARY KEY("message_id","timestamp");--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "extra" jsonb;--> statement-breakpoint
CREATE INDEX "events_timestamp_brin" ON "events" USING brin ("timestamp");
