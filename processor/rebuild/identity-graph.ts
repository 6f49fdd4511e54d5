import type pg from 'pg';

/**
 * The identity decisions a canonical profile's snapshot records (docs/identity.md): the rebuild
 * takes them as they are rather than deriving them again from the events.
 */
export interface PersonIdentity {
  userId: string | null;
  identifiers: string[];
  mergedFrom: string[];
}

/**
 * Loads the identity graph from the snapshot table (the graph's durable record, fed from
 * profile-changelog) into temp tables of the replay's own transaction, so both see one
 * snapshot of the database:
 * - `rebuild_identities(identifier, canonical)`: every identifier of a person with more than
 *   one identifier (its canonical id included) -> that person's canonical profile id;
 * - `rebuild_persons(canonical, identity)`: the person's userId, identifiers and mergedFrom.
 * An identifier listed by two snapshots (a merged-away profile whose tombstone the archiver
 * has not applied yet, still listing itself) goes to the profile that lists it as another
 * one's, else to the snapshot with the highest version. Persons of one identifier are left
 * out: their events replay by their own profile id, as without identity resolution.
 */
export async function loadIdentityGraph(client: pg.PoolClient): Promise<void> {
  await client.query(`
    create temp table rebuild_persons on commit drop as
    select profile_id as canonical, version,
           jsonb_build_object(
             'userId', snapshot -> 'profile' -> 'userId',
             'identifiers', coalesce(snapshot -> 'profile' -> 'identifiers', '[]'::jsonb),
             'mergedFrom', coalesce(snapshot -> 'profile' -> 'mergedFrom', '[]'::jsonb)
           ) as identity
    from profiles
    where jsonb_array_length(coalesce(snapshot -> 'profile' -> 'mergedFrom', '[]'::jsonb)) > 0
       or jsonb_array_length(coalesce(snapshot -> 'profile' -> 'identifiers', '[]'::jsonb)) > 1`);
  await client.query(`
    create temp table rebuild_identities on commit drop as
    select distinct on (identifier) identifier, canonical
    from (
      select listed.identifier, persons.canonical, persons.version
      from rebuild_persons persons
      cross join lateral jsonb_array_elements_text(
        (persons.identity -> 'identifiers') || (persons.identity -> 'mergedFrom')
          || jsonb_build_array(persons.canonical)
      ) as listed(identifier)
    ) as claims
    order by identifier, identifier <> canonical desc, version desc`);
  // The replay anti-joins the archive against this table in profile id order (merge join).
  await client.query('create unique index on rebuild_identities (identifier)');
  await client.query('create index on rebuild_identities (canonical)');
  await client.query('analyze rebuild_identities');
  await client.query('create unique index on rebuild_persons (canonical)');
  await client.query('analyze rebuild_persons');
}

/** A person's identity as the snapshot row holds it, with anything malformed left out. */
export function parsePersonIdentity(raw: unknown): PersonIdentity {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return {
    userId: typeof record['userId'] === 'string' ? record['userId'] : null,
    identifiers: strings(record['identifiers']),
    mergedFrom: strings(record['mergedFrom']),
  };
}
