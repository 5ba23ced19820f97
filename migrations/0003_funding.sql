-- The DigitalPakt funding ledger: programmes (a seeded catalogue users extend), allocations of
-- a programme's budget to a Schulträger (optionally per school), measures with their approval,
-- and invoices whose lines are split into federal / Land / own / third-party money and linked to
-- the inventory items they paid for. Money is integer cents; shares are basis points (1 % = 100).

CREATE TABLE programmes (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL CHECK (length(trim(name)) > 0),
    short_name            TEXT,
    -- NULL: every Land
    land                  TEXT CHECK (land IS NULL OR land IN ('BW','BY','BE','BB','HB','HH','HE','MV','NI','NW','RP','SL','SN','ST','SH','TH')),
    eligible_from         TEXT,
    eligible_to           TEXT,
    application_deadline  TEXT,
    binding_deadline      TEXT,
    implementation_end    TEXT,
    proof_due             TEXT,
    federal_share_bp      INTEGER NOT NULL CHECK (federal_share_bp BETWEEN 0 AND 10000),
    land_share_bp         INTEGER NOT NULL DEFAULT 0 CHECK (land_share_bp BETWEEN 0 AND 10000),
    min_cofinancing_bp    INTEGER NOT NULL CHECK (min_cofinancing_bp BETWEEN 0 AND 10000),
    earmark_years         INTEGER NOT NULL DEFAULT 0 CHECK (earmark_years BETWEEN 0 AND 30),
    -- Mobile-device cap for general-education schools (DigitalPakt VV §3(1) Nr. 6c): mobile
    -- spending ≤ this share of the Schulträger's investment, or ≤ the amount per school.
    mobile_cap_bp                INTEGER CHECK (mobile_cap_bp IS NULL OR mobile_cap_bp BETWEEN 0 AND 10000),
    mobile_cap_per_school_cents  INTEGER CHECK (mobile_cap_per_school_cents IS NULL OR mobile_cap_per_school_cents >= 0),
    -- JSON array of funding category codes
    categories            TEXT NOT NULL DEFAULT '[]',
    notes                 TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    deleted_at            TEXT,
    CHECK (federal_share_bp + land_share_bp <= 10000),
    CHECK (eligible_to IS NULL OR eligible_from IS NULL OR eligible_to >= eligible_from)
) STRICT;

CREATE TABLE allocations (
    id                TEXT PRIMARY KEY,
    programme_id      TEXT NOT NULL REFERENCES programmes(id),
    authority_id      TEXT NOT NULL REFERENCES school_authorities(id),
    -- NULL: the Schulträger's whole budget; else this school's share of it
    school_id         TEXT REFERENCES schools(id),
    amount_cents      INTEGER NOT NULL CHECK (amount_cents >= 0),
    pupils            INTEGER CHECK (pupils IS NULL OR pupils >= 0),
    per_pupil_cents   INTEGER CHECK (per_pupil_cents IS NULL OR per_pupil_cents >= 0),
    key_note          TEXT,
    notes             TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
) STRICT;
CREATE INDEX allocations_programme ON allocations(programme_id, authority_id, school_id);

CREATE TABLE measures (
    id                TEXT PRIMARY KEY,
    programme_id      TEXT NOT NULL REFERENCES programmes(id),
    school_id         TEXT NOT NULL REFERENCES schools(id),
    category          TEXT NOT NULL,
    title             TEXT NOT NULL CHECK (length(trim(title)) > 0),
    planned_cents     INTEGER NOT NULL CHECK (planned_cents >= 0),
    status            TEXT NOT NULL CHECK (status IN ('planned','applied','approved','amended','completed','withdrawn')),
    applied_on        TEXT,
    approved_on       TEXT,
    file_number       TEXT,
    approved_cents    INTEGER CHECK (approved_cents IS NULL OR approved_cents >= 0),
    funding_rate_bp   INTEGER CHECK (funding_rate_bp IS NULL OR funding_rate_bp BETWEEN 0 AND 10000),
    -- Sachbericht text for the Verwendungsnachweis: goals, what was done, deviations
    narrative         TEXT,
    notes             TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
) STRICT;
CREATE INDEX measures_programme ON measures(programme_id, school_id);

CREATE TABLE invoices (
    id              TEXT PRIMARY KEY,
    authority_id    TEXT NOT NULL REFERENCES school_authorities(id),
    supplier        TEXT NOT NULL CHECK (length(trim(supplier)) > 0),
    invoice_number  TEXT NOT NULL CHECK (length(trim(invoice_number)) > 0),
    invoice_date    TEXT NOT NULL,
    paid_on         TEXT,
    net_cents       INTEGER NOT NULL,
    vat_cents       INTEGER NOT NULL,
    gross_cents     INTEGER NOT NULL,
    notes           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT,
    CHECK (gross_cents = net_cents + vat_cents)
) STRICT;
CREATE UNIQUE INDEX invoices_number ON invoices(authority_id, lower(supplier), invoice_number) WHERE deleted_at IS NULL;
CREATE INDEX invoices_date ON invoices(invoice_date, id);

CREATE TABLE invoice_lines (
    id                  TEXT PRIMARY KEY,
    invoice_id          TEXT NOT NULL REFERENCES invoices(id),
    position            INTEGER NOT NULL CHECK (position >= 1),
    description         TEXT,
    school_id           TEXT REFERENCES schools(id),
    programme_id        TEXT REFERENCES programmes(id),
    category            TEXT NOT NULL,
    net_cents           INTEGER NOT NULL,
    vat_cents           INTEGER NOT NULL,
    gross_cents         INTEGER NOT NULL,
    federal_cents       INTEGER NOT NULL,
    land_cents          INTEGER NOT NULL,
    own_cents           INTEGER NOT NULL,
    third_party_cents   INTEGER NOT NULL,
    notes               TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT,
    CHECK (gross_cents = net_cents + vat_cents),
    CHECK (federal_cents + land_cents + own_cents + third_party_cents = gross_cents)
) STRICT;
CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, position);
CREATE INDEX invoice_lines_programme ON invoice_lines(programme_id, school_id);

-- Which inventory item an invoice line paid for.
CREATE TABLE invoice_items (
    id            TEXT PRIMARY KEY,
    line_id       TEXT NOT NULL REFERENCES invoice_lines(id),
    item_entity   TEXT NOT NULL CHECK (item_entity IN ('device','access_point','presentation_hardware','fibre_link')),
    item_id       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
) STRICT;
CREATE UNIQUE INDEX invoice_items_link ON invoice_items(line_id, item_id) WHERE deleted_at IS NULL;
CREATE INDEX invoice_items_item ON invoice_items(item_id);
-- The funding check walks every item of every school in one pass of these (items no invoice
-- paid for), without touching the rows themselves.
CREATE INDEX devices_school_status ON devices(school_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX access_points_school_status ON access_points(school_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX presentation_school_status ON presentation_hardware(school_id, status, id) WHERE deleted_at IS NULL;

-- The seeded catalogue, identical on every replica (fixed ids), extended and corrected by users.
INSERT INTO programmes(id, name, short_name, land, eligible_from, eligible_to, application_deadline, binding_deadline,
    implementation_end, proof_due, federal_share_bp, land_share_bp, min_cofinancing_bp, earmark_years,
    mobile_cap_bp, mobile_cap_per_school_cents, categories, notes, created_at, updated_at) VALUES
('programme-digitalpakt-basis', 'DigitalPakt Schule 2019–2024 (Basis)', 'DigitalPakt Basis', NULL, '2019-05-17', '2024-05-16',
    NULL, '2024-05-16', '2024-05-16', '2025-12-31', 9000, 0, 1000, 5, 2000, 2500000,
    '["networking","wlan","learning_platforms","display_devices","work_equipment","mobile_devices"]',
    'Verwaltungsvereinbarung vom 17.05.2019; Länder setzen eigene Fristen (z. B. NRW: Umsetzung bis 31.10.2024).',
    '2019-05-17T00:00:00Z', '2019-05-17T00:00:00Z'),
('programme-sofortausstattung', 'Sofortausstattungsprogramm', 'Sofortausstattung', NULL, '2020-07-04', '2024-05-16',
    NULL, NULL, '2024-05-16', '2025-12-31', 9000, 0, 1000, 5, NULL, NULL, '["mobile_devices"]',
    'Zusatzvereinbarung: mobile Endgeräte für Schülerinnen und Schüler.', '2020-07-04T00:00:00Z', '2020-07-04T00:00:00Z'),
('programme-administration', 'Administration (IT-Administratoren)', 'Administration', NULL, '2020-11-04', '2024-05-16',
    NULL, NULL, '2024-05-16', '2025-12-31', 9000, 0, 1000, 0, NULL, NULL, '["administration"]',
    'Zusatzvereinbarung: Förderung der IT-Administration.', '2020-11-04T00:00:00Z', '2020-11-04T00:00:00Z'),
('programme-leihgeraete', 'Leihgeräte für Lehrkräfte', 'Leihgeräte Lehrkräfte', NULL, '2021-01-28', '2024-05-16',
    NULL, NULL, '2024-05-16', '2025-12-31', 9000, 0, 1000, 5, NULL, NULL, '["mobile_devices"]',
    'Zusatzvereinbarung: dienstliche Endgeräte für Lehrkräfte.', '2021-01-28T00:00:00Z', '2021-01-28T00:00:00Z'),
('programme-digitalpakt-2', 'DigitalPakt Schule 2.0 (2025–2030)', 'DigitalPakt 2.0', NULL, '2025-01-01', '2030-12-31',
    NULL, NULL, NULL, NULL, 5000, 0, 5000, 5, NULL, NULL,
    '["networking","wlan","learning_platforms","display_devices","work_equipment","mobile_devices","administration"]',
    'Bund und Länder je 2,5 Mrd. EUR; Landesrichtlinien legen Anteile und Fristen fest.', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'),
('programme-gute-schule-2020', 'Gute Schule 2020 (NRW)', 'Gute Schule 2020', 'NW', '2017-01-01', '2020-12-31',
    NULL, NULL, '2020-12-31', NULL, 0, 10000, 0, 0, NULL, NULL,
    '["networking","wlan","learning_platforms","display_devices","work_equipment","mobile_devices","administration"]',
    'Landesprogramm NRW über die NRW.BANK.', '2017-01-01T00:00:00Z', '2017-01-01T00:00:00Z'),
('programme-eigenmittel', 'Eigenmittel des Schulträgers', 'Eigenmittel', NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL,
    '["networking","wlan","learning_platforms","display_devices","work_equipment","mobile_devices","administration"]',
    'Ohne Förderung bezahlte Ausstattung.', '2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z');

-- Why an operation was made, where a rule asks for a documented reason (retiring or moving an
-- item inside its earmarking period). Travels with the operation.
ALTER TABLE change_log ADD COLUMN reason TEXT;

-- A school's technical-pedagogical concept (Medienkonzept / Medienentwicklungsplan); funds flow
-- only to schools that have one.
CREATE TABLE media_concepts (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    status        TEXT NOT NULL CHECK (status IN ('missing','in_progress','present')),
    adopted_on    TEXT,
    notes         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
) STRICT;
CREATE UNIQUE INDEX media_concepts_school ON media_concepts(school_id) WHERE deleted_at IS NULL;
