-- Garbage collection of tombstones. A deleted row whose deletion every enrolled device has
-- acknowledged is purged by the hub: the row, its search entry and its operations are removed.
-- Every replica that learns of a purge removes the row the same way and remembers it here, so
-- that an operation for it arriving later (a stale bundle, a replica that missed the purge) is
-- skipped instead of bringing the row back.
CREATE TABLE purged_rows (
    entity     TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    purged_at  TEXT NOT NULL,
    PRIMARY KEY (entity, row_id)
) STRICT, WITHOUT ROWID;

-- Per origin node the highest sequence number among purged operations: the version vector never
-- goes below it, so a peer does not send the purged operations again and again.
CREATE TABLE purge_floor (
    origin_node TEXT PRIMARY KEY,
    origin_seq  INTEGER NOT NULL
) STRICT;
