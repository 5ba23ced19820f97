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

-- Purging removes change-log entries, but the local sequence must never be reused: the push
-- cursor, undo steps and conflict counts refer to it. The log is rebuilt with AUTOINCREMENT.
CREATE TABLE change_log_new (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    origin_node    TEXT NOT NULL,
    origin_seq     INTEGER NOT NULL CHECK (origin_seq > 0),
    hlc            TEXT NOT NULL,
    entity         TEXT NOT NULL,
    row_id         TEXT NOT NULL,
    fields         TEXT NOT NULL CHECK (json_valid(fields) AND json_type(fields) = 'object'),
    prev           TEXT NOT NULL CHECK (json_valid(prev) AND json_type(prev) = 'object'),
    author         TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    source_id      TEXT REFERENCES change_sources(id),
    reason         TEXT,
    UNIQUE (origin_node, origin_seq)
) STRICT;
INSERT INTO change_log_new(seq, origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version,
                           source_id, reason)
    SELECT seq, origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, source_id, reason
    FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_new RENAME TO change_log;
CREATE INDEX change_log_row ON change_log(entity, row_id, hlc);
