-- Rows whose operations arrived but which could not be written: a device whose school has not
-- arrived yet (a bundle carried out of order), or values that break a table rule together. The
-- operations are in the change log; each later sync tries these rows again, so a row is written
-- as soon as what it needs is there, and nothing received is lost.
CREATE TABLE sync_unwritten (
    entity   TEXT NOT NULL,
    row_id   TEXT NOT NULL,
    message  TEXT NOT NULL,
    PRIMARY KEY (entity, row_id)
) STRICT, WITHOUT ROWID;
