-- Erasing a loan holder's name (GDPR Art. 17) removes it from the change log as well, not only
-- from the loan row: otherwise the history, conflicts, bundles and the hub would keep serving it.
-- The operation that erases (holder_erased = true) blanks holder_name in every operation of the
-- same loan up to its own time stamp; an older operation that arrives later (a stale bundle, a
-- slow replica) is blanked as it is logged. Both run inside the writing transaction, the same on
-- every replica and on the hub, whatever order the operations come in. Only operations that a
-- later one erased are touched, and the row itself is already written by the ordinary merge.
CREATE TRIGGER change_log_erase_holder AFTER INSERT ON change_log
WHEN NEW.entity = 'loan' AND json_extract(NEW.fields, '$.holder_erased') = 1
BEGIN
    UPDATE change_log SET fields = json_set(fields, '$.holder_name', NULL)
    WHERE entity = 'loan' AND row_id = NEW.row_id AND hlc <= NEW.hlc
      AND json_type(fields, '$.holder_name') = 'text';
END;

CREATE TRIGGER change_log_erased_holder_arrives AFTER INSERT ON change_log
WHEN NEW.entity = 'loan' AND json_type(NEW.fields, '$.holder_name') = 'text'
  AND EXISTS (SELECT 1 FROM change_log e WHERE e.entity = 'loan' AND e.row_id = NEW.row_id
              AND e.hlc >= NEW.hlc AND json_extract(e.fields, '$.holder_erased') = 1)
BEGIN
    UPDATE change_log SET fields = json_set(fields, '$.holder_name', NULL) WHERE seq = NEW.seq;
END;

-- Open loans by due date: the overdue list and the dashboard's count.
CREATE INDEX loans_open_due ON loans(due_on) WHERE returned_on IS NULL AND deleted_at IS NULL;
