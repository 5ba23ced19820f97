-- One index per table for serial numbers instead of two. The unique index now leads with the
-- serial number, so the import's look-up by serial number alone (migration 0002) uses it too,
-- and every written device, access point and presentation item updates one B-tree fewer.
-- What is unique stays the same: a serial number per manufacturer among live rows.
DROP INDEX devices_serial;
DROP INDEX devices_serial_number;
CREATE UNIQUE INDEX devices_serial ON devices(serial_number, lower(manufacturer))
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;

DROP INDEX access_points_serial;
DROP INDEX access_points_serial_number;
CREATE UNIQUE INDEX access_points_serial ON access_points(serial_number, lower(manufacturer))
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;

DROP INDEX presentation_serial;
DROP INDEX presentation_serial_number;
CREATE UNIQUE INDEX presentation_serial ON presentation_hardware(serial_number, lower(manufacturer))
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;
