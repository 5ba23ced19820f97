-- Rows that sync keeps hidden because a row created earlier holds the same unique value (two
-- laptops registered the same serial number, inventory number, school number … while offline).
-- A hidden row is stored with deleted_at set to its own last change time, so every replica that
-- holds the same operations hides the same rows; the entry names the row that holds the value.
CREATE TABLE sync_parked (
    entity         TEXT NOT NULL,
    row_id         TEXT NOT NULL,
    field          TEXT NOT NULL,
    blocker_entity TEXT NOT NULL,
    blocker_id     TEXT NOT NULL,
    PRIMARY KEY (entity, row_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX sync_parked_blocker ON sync_parked(blocker_id);
