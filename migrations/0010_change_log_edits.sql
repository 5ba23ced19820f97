-- Conflicts are derived from the operations that changed an existing row: updates, deletes and
-- undeletes, which name the versions they overwrote in `prev`. A create names none ('{}'). On a
-- replica synced from scratch nearly every operation is a create, and listing the conflicts read
-- all of them (three quarters of a second for the municipality demo). This index holds only the
-- others; the listing's queries name the same condition, so SQLite reads them alone.
CREATE INDEX change_log_edits ON change_log(entity, row_id, hlc) WHERE prev <> '{}';
