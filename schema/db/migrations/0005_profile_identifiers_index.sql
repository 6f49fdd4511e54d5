-- The person of an identifier merged into another profile (docs/identity.md): snapshots are
-- found by the identifiers they list, without a scan of the table.
CREATE INDEX "profiles_identifiers_idx" ON "profiles" USING gin (("snapshot" -> 'profile' -> 'identifiers') jsonb_path_ops);
