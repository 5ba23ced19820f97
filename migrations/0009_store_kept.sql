-- Two kinds of trigger move into the store, which is the only writer of these tables. A table
-- with an INSERT trigger makes every INSERT into it keep a statement journal (a copy of each
-- page the statement touches, so that it can be undone on its own); for the items and the change
-- log that cost about a fifth of the time of applying a sync to an empty laptop.
--
-- A new item's inventory number is recorded in inventory_numbers by the store, in the statement
-- right after the row's INSERT. The primary key of inventory_numbers still refuses a duplicate,
-- and the UPDATE triggers still follow a changed number, a moved school, a delete or undelete.
DROP TRIGGER devices_invno_insert;
DROP TRIGGER access_points_invno_insert;
DROP TRIGGER presentation_invno_insert;

-- A loan's operation erasing the holder's name blanks it in the loan's earlier operations, and
-- an earlier operation arriving after such an erasure is blanked as it is logged: the store runs
-- the same two UPDATEs as the triggers of migration 0008, right after logging a loan's operation.
DROP TRIGGER change_log_erase_holder;
DROP TRIGGER change_log_erased_holder_arrives;
