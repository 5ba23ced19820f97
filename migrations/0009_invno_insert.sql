-- A new item's inventory number is recorded in inventory_numbers by the store, in the statement
-- right after the row's INSERT, instead of by a trigger. A table with an INSERT trigger makes
-- every INSERT keep a statement journal (a copy of each page it touches), which cost about a
-- quarter of the time of applying a sync to an empty laptop. The store is the only writer of
-- these tables; the primary key of inventory_numbers still refuses a duplicate, and the UPDATE
-- triggers still follow a changed number, a moved school and a delete or undelete.
DROP TRIGGER devices_invno_insert;
DROP TRIGGER access_points_invno_insert;
DROP TRIGGER presentation_invno_insert;
