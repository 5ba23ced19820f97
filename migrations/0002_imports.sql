-- Import history and saved column mappings. Both are local to this replica: they describe what
-- this installation did, the imported rows themselves travel through the change log.

CREATE TABLE import_runs (
    id             TEXT PRIMARY KEY,
    source_id      TEXT REFERENCES change_sources(id),
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    sheet          TEXT,
    entity         TEXT NOT NULL,
    match_key      TEXT NOT NULL,
    author         TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    rows           INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL,
    unchanged      INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    valid_only     INTEGER NOT NULL CHECK (valid_only IN (0, 1))
) STRICT;
CREATE INDEX import_runs_started ON import_runs(started_at);

CREATE TABLE import_profiles (
    name        TEXT PRIMARY KEY,
    entity      TEXT,
    match_key   TEXT,
    -- JSON object: folded header text -> field name ("" = ignore the column)
    columns     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- Matching imported rows by serial number alone.
CREATE INDEX devices_serial_number ON devices(serial_number) WHERE serial_number IS NOT NULL;
CREATE INDEX access_points_serial_number ON access_points(serial_number) WHERE serial_number IS NOT NULL;
CREATE INDEX presentation_serial_number ON presentation_hardware(serial_number) WHERE serial_number IS NOT NULL;
