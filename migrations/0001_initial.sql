-- Schulinventar schema, version 1.
-- Conventions: ids are UUIDv7 text, money is integer cents, dates are ISO text (YYYY-MM-DD),
-- timestamps are RFC 3339 UTC text derived from the hybrid logical clock of the write.
-- Every entity table has created_at, updated_at and deleted_at (soft delete, a field like any other
-- so that sync can undelete). Writes go through the store only, which appends to change_log in the
-- same transaction.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE school_authorities (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (length(trim(name)) > 0),
    land             TEXT NOT NULL CHECK (land IN ('BW','BY','BE','BB','HB','HH','HE','MV','NI','NW','RP','SL','SN','ST','SH','TH')),
    ags              TEXT CHECK (ags IS NULL OR (length(ags) = 8 AND ags NOT GLOB '*[^0-9]*')),
    authority_number TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;

CREATE TABLE schools (
    id                TEXT PRIMARY KEY,
    authority_id      TEXT NOT NULL REFERENCES school_authorities(id),
    land              TEXT NOT NULL CHECK (land IN ('BW','BY','BE','BB','HB','HH','HE','MV','NI','NW','RP','SL','SN','ST','SH','TH')),
    school_number     TEXT NOT NULL CHECK (length(school_number) > 0),
    name              TEXT NOT NULL CHECK (length(trim(name)) > 0),
    school_type_label TEXT NOT NULL,
    school_type       TEXT NOT NULL CHECK (school_type IN ('primary','lower_secondary','intermediate','comprehensive','grammar','special_needs','vocational','other')),
    street            TEXT,
    postcode          TEXT CHECK (postcode IS NULL OR (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9]*')),
    city              TEXT,
    pupils            INTEGER CHECK (pupils IS NULL OR pupils >= 0),
    teachers          INTEGER CHECK (teachers IS NULL OR teachers >= 0),
    headcount_date    TEXT,
    social_index      INTEGER CHECK (social_index IS NULL OR social_index BETWEEN 1 AND 9),
    notes             TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
) STRICT;
CREATE UNIQUE INDEX schools_number ON schools(land, school_number) WHERE deleted_at IS NULL;
CREATE INDEX schools_authority ON schools(authority_id);
CREATE INDEX schools_name ON schools(name, id);

CREATE TABLE buildings (
    id         TEXT PRIMARY KEY,
    school_id  TEXT NOT NULL REFERENCES schools(id),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    code       TEXT,
    street     TEXT,
    notes      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX buildings_school ON buildings(school_id, name, id);

CREATE TABLE rooms (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    building_id   TEXT REFERENCES buildings(id),
    number        TEXT NOT NULL CHECK (length(trim(number)) > 0),
    name          TEXT,
    floor         INTEGER CHECK (floor IS NULL OR floor BETWEEN -5 AND 60),
    kind          TEXT NOT NULL CHECK (kind IN ('classroom','specialist_room','staff_room','administration','server_room','hall','other')),
    wlan_coverage TEXT CHECK (wlan_coverage IS NULL OR wlan_coverage IN ('none','partial','full')),
    notes         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
) STRICT;
CREATE INDEX rooms_school ON rooms(school_id, number, id);
CREATE INDEX rooms_building ON rooms(building_id);

-- The common asset columns are repeated in devices, access_points and presentation_hardware.
-- Inventory numbers are unique per Schulträger across all three: inventory_numbers is kept by
-- triggers and its primary key refuses a duplicate even if a write bypassed the store's check.

CREATE TABLE devices (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL REFERENCES schools(id),
    building_id      TEXT REFERENCES buildings(id),
    room_id          TEXT REFERENCES rooms(id),
    inventory_number TEXT,
    serial_number    TEXT,
    manufacturer     TEXT,
    model            TEXT,
    purchase_date    TEXT,
    price_cents      INTEGER CHECK (price_cents IS NULL OR price_cents >= 0),
    warranty_end     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('ordered','in_stock','in_use','on_loan','in_repair','retired')),
    notes            TEXT,
    category         TEXT NOT NULL CHECK (category IN ('laptop','tablet','desktop','thin_client','other')),
    user_group       TEXT NOT NULL CHECK (user_group IN ('pupils','teachers','administration')),
    os               TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE INDEX devices_school_purchase ON devices(school_id, purchase_date, id);
CREATE INDEX devices_school_invno ON devices(school_id, inventory_number, id);
CREATE INDEX devices_invno ON devices(inventory_number, id);
CREATE INDEX devices_purchase ON devices(purchase_date, id);
CREATE INDEX devices_warranty ON devices(warranty_end, id);
CREATE INDEX devices_room ON devices(room_id);
CREATE UNIQUE INDEX devices_serial ON devices(lower(manufacturer), serial_number)
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE loans (
    id             TEXT PRIMARY KEY,
    device_id      TEXT NOT NULL REFERENCES devices(id),
    holder_name    TEXT,
    holder_erased  INTEGER NOT NULL DEFAULT 0 CHECK (holder_erased IN (0,1)),
    loaned_on      TEXT NOT NULL,
    due_on         TEXT,
    returned_on    TEXT,
    notes          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    CHECK (due_on IS NULL OR due_on >= loaned_on),
    CHECK (returned_on IS NULL OR returned_on >= loaned_on),
    CHECK (holder_erased = 0 OR holder_name IS NULL)
) STRICT;
CREATE INDEX loans_device ON loans(device_id, loaned_on);
CREATE UNIQUE INDEX loans_one_open ON loans(device_id) WHERE returned_on IS NULL AND deleted_at IS NULL;

CREATE TABLE access_points (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL REFERENCES schools(id),
    building_id      TEXT REFERENCES buildings(id),
    room_id          TEXT REFERENCES rooms(id),
    inventory_number TEXT,
    serial_number    TEXT,
    manufacturer     TEXT,
    model            TEXT,
    purchase_date    TEXT,
    price_cents      INTEGER CHECK (price_cents IS NULL OR price_cents >= 0),
    warranty_end     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('ordered','in_stock','in_use','on_loan','in_repair','retired')),
    notes            TEXT,
    mac_address      TEXT CHECK (mac_address IS NULL OR (length(mac_address) = 17 AND mac_address GLOB '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]')),
    wifi_standard    TEXT CHECK (wifi_standard IS NULL OR wifi_standard IN ('wifi4','wifi5','wifi6','wifi6e','wifi7','other')),
    bands            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(bands) AND json_type(bands) = 'array'),
    poe              INTEGER CHECK (poe IS NULL OR poe IN (0,1)),
    controller       TEXT,
    ssids            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(ssids) AND json_type(ssids) = 'array'),
    installed_on     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE INDEX access_points_school ON access_points(school_id, inventory_number, id);
CREATE INDEX access_points_room ON access_points(room_id);
CREATE UNIQUE INDEX access_points_mac ON access_points(mac_address)
    WHERE mac_address IS NOT NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX access_points_serial ON access_points(lower(manufacturer), serial_number)
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE presentation_hardware (
    id               TEXT PRIMARY KEY,
    school_id        TEXT NOT NULL REFERENCES schools(id),
    building_id      TEXT REFERENCES buildings(id),
    room_id          TEXT REFERENCES rooms(id),
    inventory_number TEXT,
    serial_number    TEXT,
    manufacturer     TEXT,
    model            TEXT,
    purchase_date    TEXT,
    price_cents      INTEGER CHECK (price_cents IS NULL OR price_cents >= 0),
    warranty_end     TEXT,
    status           TEXT NOT NULL CHECK (status IN ('ordered','in_stock','in_use','on_loan','in_repair','retired')),
    notes            TEXT,
    kind             TEXT NOT NULL CHECK (kind IN ('interactive_display','interactive_whiteboard','projector','document_camera','audio','streaming_box','other')),
    size_inches      INTEGER CHECK (size_inches IS NULL OR size_inches BETWEEN 1 AND 300),
    installed_on     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE INDEX presentation_school ON presentation_hardware(school_id, inventory_number, id);
CREATE INDEX presentation_room ON presentation_hardware(room_id);
CREATE UNIQUE INDEX presentation_serial ON presentation_hardware(lower(manufacturer), serial_number)
    WHERE serial_number IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE fibre_links (
    id                 TEXT PRIMARY KEY,
    school_id          TEXT NOT NULL REFERENCES schools(id),
    link_type          TEXT NOT NULL CHECK (link_type IN ('uplink','inter_building')),
    provider           TEXT,
    technology         TEXT CHECK (technology IS NULL OR technology IN ('fttb','ftth','vdsl','cable','radio','other')),
    down_mbps          INTEGER CHECK (down_mbps IS NULL OR down_mbps > 0),
    up_mbps            INTEGER CHECK (up_mbps IS NULL OR up_mbps > 0),
    status             TEXT NOT NULL CHECK (status IN ('planned','ordered','under_construction','live','terminated')),
    commissioned_on    TEXT,
    contract_end       TEXT,
    monthly_cost_cents INTEGER CHECK (monthly_cost_cents IS NULL OR monthly_cost_cents >= 0),
    fibre_type         TEXT CHECK (fibre_type IS NULL OR fibre_type IN ('os2','om3','om4','other')),
    fibre_count        INTEGER CHECK (fibre_count IS NULL OR fibre_count > 0),
    length_m           INTEGER CHECK (length_m IS NULL OR length_m > 0),
    from_building_id   TEXT REFERENCES buildings(id),
    to_building_id     TEXT REFERENCES buildings(id),
    notes              TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    deleted_at         TEXT,
    CHECK (link_type = 'uplink' OR (from_building_id IS NOT NULL AND to_building_id IS NOT NULL AND from_building_id <> to_building_id))
) STRICT;
CREATE INDEX fibre_links_school ON fibre_links(school_id, link_type, id);

CREATE TABLE inventory_numbers (
    authority_id     TEXT NOT NULL,
    inventory_number TEXT NOT NULL,
    entity           TEXT NOT NULL,
    row_id           TEXT NOT NULL,
    PRIMARY KEY (authority_id, inventory_number)
) STRICT, WITHOUT ROWID;

-- One trigger set per asset table keeps inventory_numbers in step.
CREATE TRIGGER devices_invno_insert AFTER INSERT ON devices
WHEN NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO inventory_numbers VALUES ((SELECT authority_id FROM schools WHERE id = NEW.school_id), NEW.inventory_number, 'device', NEW.id);
END;
CREATE TRIGGER devices_invno_update AFTER UPDATE OF inventory_number, deleted_at, school_id ON devices BEGIN
    DELETE FROM inventory_numbers WHERE row_id = OLD.id AND inventory_number = OLD.inventory_number
        AND authority_id = (SELECT authority_id FROM schools WHERE id = OLD.school_id);
    INSERT INTO inventory_numbers SELECT authority_id, NEW.inventory_number, 'device', NEW.id FROM schools
    WHERE id = NEW.school_id AND NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL;
END;
CREATE TRIGGER access_points_invno_insert AFTER INSERT ON access_points
WHEN NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO inventory_numbers VALUES ((SELECT authority_id FROM schools WHERE id = NEW.school_id), NEW.inventory_number, 'access_point', NEW.id);
END;
CREATE TRIGGER access_points_invno_update AFTER UPDATE OF inventory_number, deleted_at, school_id ON access_points BEGIN
    DELETE FROM inventory_numbers WHERE row_id = OLD.id AND inventory_number = OLD.inventory_number
        AND authority_id = (SELECT authority_id FROM schools WHERE id = OLD.school_id);
    INSERT INTO inventory_numbers SELECT authority_id, NEW.inventory_number, 'access_point', NEW.id FROM schools
    WHERE id = NEW.school_id AND NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL;
END;
CREATE TRIGGER presentation_invno_insert AFTER INSERT ON presentation_hardware
WHEN NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO inventory_numbers VALUES ((SELECT authority_id FROM schools WHERE id = NEW.school_id), NEW.inventory_number, 'presentation_hardware', NEW.id);
END;
CREATE TRIGGER presentation_invno_update AFTER UPDATE OF inventory_number, deleted_at, school_id ON presentation_hardware BEGIN
    DELETE FROM inventory_numbers WHERE row_id = OLD.id AND inventory_number = OLD.inventory_number
        AND authority_id = (SELECT authority_id FROM schools WHERE id = OLD.school_id);
    INSERT INTO inventory_numbers SELECT authority_id, NEW.inventory_number, 'presentation_hardware', NEW.id FROM schools
    WHERE id = NEW.school_id AND NEW.inventory_number IS NOT NULL AND NEW.deleted_at IS NULL;
END;

-- Where a batch of operations came from (an import file, a sync, the demo generator).
CREATE TABLE change_sources (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('manual','import','sync','bundle','demo','restore')),
    file_name  TEXT,
    sha256     TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- The change log: one row per operation. An operation sets one or more fields of one row under
-- one HLC timestamp. `prev` holds, for each field, the HLC of the value it overwrote (null when the
-- field had no value yet); sync derives conflicts from it. (origin_node, origin_seq) identifies an
-- operation on every replica.
CREATE TABLE change_log (
    seq            INTEGER PRIMARY KEY,
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
    UNIQUE (origin_node, origin_seq)
) STRICT;
CREATE INDEX change_log_row ON change_log(entity, row_id, hlc);

-- Full-text search over schools, rooms and the three asset kinds. Text is folded by the store
-- (lower case, umlauts and diacritics removed, ß → ss) before it is indexed or searched.
-- rowid = entity code * 2^40 + rowid of the entity row, so a row is found again without a scan.
CREATE VIRTUAL TABLE search_index USING fts5(
    entity UNINDEXED,
    row_id UNINDEXED,
    school_id UNINDEXED,
    title UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = 'none'
);
-- The index's terms, so that a prefix can be expanded into whole words (see query::fts_match).
CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_index, 'row');
-- Bigger in-memory batches and fewer merges: bulk writes (imports, sync) flush far less often.
INSERT INTO search_index(search_index, rank) VALUES ('hashsize', 16777216);
INSERT INTO search_index(search_index, rank) VALUES ('automerge', 8);
