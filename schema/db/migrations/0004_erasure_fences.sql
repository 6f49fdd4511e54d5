-- Deletion fences (ADR 0005): per erased profile, the first offset of each events-topic partition
-- that is not erased; the archiver and the snapshot consumer drop what is below it.
CREATE TABLE "erasures" (
	"profile_id" text PRIMARY KEY NOT NULL,
	"fence_id" text NOT NULL,
	"offsets" jsonb NOT NULL,
	"erased_at" timestamp with time zone NOT NULL
);
