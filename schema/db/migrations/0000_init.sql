CREATE TABLE "events" (
	"message_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"profile_id" text NOT NULL,
	"user_id" text,
	"anonymous_id" text,
	"properties" jsonb,
	"traits" jsonb,
	"context" jsonb,
	"timestamp" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"source_partition" integer NOT NULL,
	"source_offset" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"profile_id" text PRIMARY KEY NOT NULL,
	"snapshot" jsonb NOT NULL,
	"version" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "events_profile_newest_idx" ON "events" USING btree ("profile_id","timestamp" DESC NULLS LAST,"message_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "events_timestamp_idx" ON "events" USING btree ("timestamp");