//! The import on the files municipalities send (copies in tests/fixtures), into a real SQLite
//! file: every bad row reported with its sheet row number, leading zeros restored, umlauts
//! right, re-import idempotent, commit atomic, cancel leaves nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use schulinventar_core::Store;
use schulinventar_exchange::import::{
    run_import, Control, ImportEntity, ImportError, ImportOptions, ImportReport, MatchKey, Mode, Outcome,
};
use schulinventar_exchange::mapping::{header_key, Field};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

struct Db {
    dir: TempDir,
    store: Store,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("inventar.sqlite")).unwrap();
        Db { dir, store }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn count(&self, sql: &str) -> i64 {
        self.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Rows of every table that an import can write, and the operations in the change log.
    fn footprint(&self) -> Vec<i64> {
        [
            "school_authorities",
            "schools",
            "buildings",
            "rooms",
            "devices",
            "loans",
            "access_points",
            "presentation_hardware",
            "fibre_links",
            "change_log",
            "import_runs",
            "search_index",
        ]
        .iter()
        .map(|t| self.count(&format!("SELECT count(*) FROM {t}")))
        .collect()
    }

    fn import(&mut self, file: &Path, options: &ImportOptions) -> Result<ImportReport, ImportError> {
        let cancel = AtomicBool::new(false);
        run_import(&mut self.store, file, options, Control { cancel: &cancel, progress: &mut |_| {} })
    }

    fn with_schools() -> Db {
        let mut db = Db::new();
        let r = db.import(&fixture("schulen_nrw_format.csv"), &commit(false)).unwrap();
        assert_eq!((r.created, r.errors), (6, 0));
        db
    }
}

fn commit(valid_only: bool) -> ImportOptions {
    ImportOptions { mode: Mode::Commit { valid_only }, ..Default::default() }
}

fn dry() -> ImportOptions {
    ImportOptions::default()
}

fn errors_of(r: &ImportReport, row: u64) -> Vec<(&str, &str)> {
    r.error_rows.iter().filter(|e| e.row == row).map(|e| (e.column.as_str(), e.code.as_str())).collect()
}

#[test]
fn nrw_school_list_with_restored_zeros_is_idempotent() {
    let mut db = Db::new();
    let r = db.import(&fixture("schulen_nrw_format.csv"), &commit(false)).unwrap();
    assert_eq!(r.entity, ImportEntity::Schools, "recognised from the columns");
    assert_eq!((r.rows, r.created, r.updated, r.unchanged, r.errors), (6, 6, 0, 0, 0));
    assert!(r.committed);
    assert_eq!(r.unmapped_columns, vec!["Rechtsform".to_string()], "unknown columns are listed");
    assert_eq!(r.new_places.len(), 1, "the Schulträger 119 is new");
    let (name, ty, label, pupils, idx): (String, String, String, i64, Option<i64>) = db
        .store
        .conn()
        .query_row(
            "SELECT name, school_type, school_type_label, pupils, social_index FROM schools WHERE school_number = '001234'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(name, "Förderschule Am Stadtpark");
    assert_eq!((ty.as_str(), label.as_str()), ("special_needs", "Förderschule"));
    assert!(pupils > 0);
    assert!(idx.is_some());
    assert_eq!(db.count("SELECT count(*) FROM school_authorities WHERE authority_number = '119'"), 1);

    let before = db.footprint();
    let again = db.import(&fixture("schulen_nrw_format.csv"), &commit(false)).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 6));
    let mut after = db.footprint();
    // Only the history records the second import.
    after[10] -= 1;
    assert_eq!(before, after, "a re-import changes nothing");
}

#[test]
fn the_preview_lists_every_error_of_every_bad_row_and_writes_nothing() {
    let mut db = Db::with_schools();
    let before = db.footprint();
    let r = db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &dry()).unwrap();
    assert_eq!(db.footprint(), before, "a dry run writes nothing");
    assert!(!r.committed && r.dry_run);
    assert_eq!(r.entity, ImportEntity::Inventory, "a mixed list is recognised by its type column");
    assert_eq!(r.key, MatchKey::InventoryNumber);
    assert_eq!(r.file.header_row, 4, "header found below the title rows");
    assert_eq!((r.rows, r.created, r.updated, r.unchanged, r.errors), (503, 500, 0, 0, 3));
    assert_eq!(
        errors_of(&r, 505),
        vec![
            ("Inventar-Nr.", "key_missing"),
            ("Anschaffungsdatum", "invalid_date"),
            ("Preis (brutto)", "invalid_number")
        ]
    );
    assert_eq!(errors_of(&r, 506), vec![("Inventar-Nr.", "duplicate_in_file"), ("Preis (brutto)", "negative")]);
    assert!(r.error_rows.iter().any(|e| e.row == 506 && e.message.contains("Zeile 5")), "names the first row");
    assert_eq!(
        errors_of(&r, 507),
        vec![
            ("Schulnummer", "unknown_school"),
            ("Gerätetyp", "unknown_type"),
            ("Anschaffungsdatum", "invalid_date"),
            ("Status", "unknown_word")
        ]
    );
    let bad = r.error_rows.iter().find(|e| e.row == 507 && e.code == "invalid_date").unwrap();
    assert_eq!(bad.value, "gestern");
    assert!(bad.message.contains("kein Datum"), "{}", bad.message);
    // Each row goes where its type word says.
    let dev = &r.by_entity["device"];
    let pres = &r.by_entity["presentation_hardware"];
    assert_eq!(dev.created + pres.created, 500);
    assert!(dev.created > 0 && pres.created > 0);
    assert!(r.new_places.iter().any(|p| p.kind == "room" && p.name == "Kunstraum Ö1"), "new rooms are listed");
    assert!(r.warnings.iter().all(|w| w.code == "holder_unknown") && !r.warnings.is_empty());
    assert_eq!(r.row_results.iter().filter(|x| x.outcome == Outcome::Error).count(), 3);
    let keys: Vec<&str> =
        r.row_results.iter().filter(|x| x.outcome == Outcome::Error).map(|x| x.key.as_str()).collect();
    assert_eq!(keys, vec!["", "INV-00001", "X-1"], "error rows keep their key for the preview");
}

#[test]
fn a_file_with_errors_commits_nothing_unless_the_user_says_valid_only() {
    let mut db = Db::with_schools();
    let before = db.footprint();
    let r = db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &commit(false)).unwrap();
    assert!(!r.committed);
    assert_eq!(r.errors, 3);
    assert_eq!(db.footprint(), before, "all or nothing: nothing");

    let r = db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &commit(true)).unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.errors), (500, 3));
    assert_eq!(db.count("SELECT (SELECT count(*) FROM devices) + (SELECT count(*) FROM presentation_hardware)"), 500);
    // Leading zero restored: the Excel number 20374 is the school 020374.
    assert_eq!(
        db.count(
            "SELECT count(*) FROM presentation_hardware p JOIN schools s ON s.id = p.school_id
             WHERE p.inventory_number = 'INV-00001' AND s.school_number = '020374' AND p.price_cents = 304673
               AND p.purchase_date = '2025-03-19' AND p.status = 'in_repair' AND p.kind = 'projector'"
        ),
        1
    );
    // The change log records the operations as one import with file name and SHA-256.
    let (file, sha, ops): (String, String, i64) = db
        .store
        .conn()
        .query_row(
            "SELECT s.file_name, s.sha256, count(*) FROM change_log c JOIN change_sources s ON s.id = c.source_id
             WHERE s.kind = 'import' GROUP BY s.id ORDER BY s.created_at DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(file, "geraeteliste_beispielstadt.xlsx");
    assert_eq!(sha.len(), 64);
    assert!(ops >= 500, "one operation per item plus the new rooms: {ops}");
    let history = db.store.import_runs(10).unwrap();
    assert_eq!(history.len(), 2, "schools and devices");
    assert_eq!((history[0].created, history[0].errors, history[0].valid_only), (500, 3, true));
    assert_eq!(history[0].sha256, sha);

    // Re-importing the same file changes nothing.
    let before = db.footprint();
    let again = db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &commit(true)).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged, again.errors), (0, 0, 500, 3));
    let mut after = db.footprint();
    after[10] -= 1;
    assert_eq!(before, after);
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

const DEVICES_CSV: &str = "Inventar-Nr.;Seriennummer;Schulnummer;Gebäude;Raum;Gerätetyp;Hersteller;Anschaffungsdatum;Preis;Status;Ausgeliehen an
L-1;SN1;162437;Haus A;A.1.01;Laptop;Lenovo;01.02.2024;899,00;im Einsatz;
L-2;SN2;162437;Haus A;A.1.01;Tablet;Apple;15.03.2024;1.234,56 €;Lager;
L-3;SN3;162437;Haus B;B.0.02;Notebook;Dell;45735;650;verliehen;Frau Schmidt
";

#[test]
fn a_changed_cell_updates_that_field_only() {
    let mut db = Db::with_schools();
    let file = db.path("geraete.csv");
    write(&file, DEVICES_CSV);
    let r = db.import(&file, &commit(false)).unwrap();
    assert_eq!(r.entity, ImportEntity::Inventory);
    assert_eq!((r.created, r.errors), (3, 0), "{:?}", r.error_rows);
    assert_eq!(db.count("SELECT count(*) FROM buildings"), 2, "buildings the sheet names are created");
    assert_eq!(db.count("SELECT count(*) FROM rooms"), 2);
    assert_eq!(db.count("SELECT count(*) FROM loans WHERE holder_name = 'Frau Schmidt' AND returned_on IS NULL"), 1);
    assert_eq!(db.count("SELECT count(*) FROM devices WHERE purchase_date = '2025-03-19'"), 1, "Excel serial date");
    assert_eq!(db.count("SELECT price_cents FROM devices WHERE inventory_number = 'L-2'"), 123_456);

    write(&file, &DEVICES_CSV.replace("1.234,56 €", "1.199,00 €"));
    let ops = db.count("SELECT count(*) FROM change_log");
    let r = db.import(&file, &commit(false)).unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 2));
    let changed = r.row_results.iter().find(|x| x.outcome == Outcome::Updated).unwrap();
    assert_eq!(changed.row, 3);
    assert_eq!(changed.changes.len(), 1);
    assert_eq!(changed.changes[0].field, "price_cents");
    assert_eq!((changed.changes[0].old.as_i64(), changed.changes[0].new.as_i64()), (Some(123_456), Some(119_900)));
    assert_eq!(db.count("SELECT count(*) FROM change_log"), ops + 1, "one operation");
    let fields: String =
        db.store.conn().query_row("SELECT fields FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(fields, r#"{"price_cents":119900}"#, "only the changed field is written");
}

#[test]
fn the_key_can_be_the_serial_number() {
    let mut db = Db::with_schools();
    let file = db.path("geraete.csv");
    write(&file, DEVICES_CSV);
    db.import(&file, &commit(false)).unwrap();
    // The same devices with new inventory numbers: matched by serial number, numbers updated.
    write(&file, &DEVICES_CSV.replace("L-", "NEU-"));
    let options = ImportOptions { key: Some(MatchKey::SerialNumber), ..commit(false) };
    let r = db.import(&file, &options).unwrap();
    assert_eq!((r.created, r.updated, r.errors), (0, 3, 0), "{:?}", r.error_rows);
    assert_eq!(db.count("SELECT count(*) FROM devices WHERE inventory_number LIKE 'NEU-%'"), 3);
    assert_eq!(db.count("SELECT count(*) FROM devices"), 3);
}

#[test]
fn cancelling_leaves_nothing() {
    let mut db = Db::with_schools();
    let file = db.path("viele.csv");
    let mut text = String::from("Inventar-Nr.;Schulnummer;Gerätetyp\n");
    for i in 0..5000 {
        text.push_str(&format!("C-{i};162437;Laptop\n"));
    }
    write(&file, &text);
    let before = db.footprint();
    let cancel = AtomicBool::new(false);
    let mut calls = 0;
    let result = run_import(
        &mut db.store,
        &file,
        &commit(false),
        Control {
            cancel: &cancel,
            progress: &mut |p| {
                calls += 1;
                assert!(p.fraction.is_some_and(|f| f > 0.0 && f <= 1.0), "{p:?}");
                if p.rows >= 2000 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
        },
    );
    let err = result.unwrap_err();
    assert_eq!(err.code, "cancelled");
    assert!(err.message.contains("nichts gespeichert"));
    assert!(calls >= 2, "progress was reported");
    assert_eq!(db.footprint(), before);

    // Cancelled after the last row was read, just before the commit: still nothing.
    let cancel = AtomicBool::new(false);
    let result = run_import(
        &mut db.store,
        &file,
        &commit(false),
        Control {
            cancel: &cancel,
            progress: &mut |p| {
                if p.fraction == Some(1.0) && p.rows == 5000 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
        },
    );
    assert_eq!(result.unwrap_err().code, "cancelled");
    assert_eq!(db.footprint(), before);
}

#[test]
fn access_points_from_a_windows_1252_file() {
    let mut db = Db::with_schools();
    let r = db.import(&fixture("accesspoints_cp1252.csv"), &commit(true)).unwrap();
    assert_eq!(r.entity, ImportEntity::AccessPoints);
    assert_eq!(r.key, MatchKey::MacAddress);
    assert_eq!((r.rows, r.created, r.errors), (121, 120, 1));
    assert_eq!(
        errors_of(&r, 122),
        vec![
            ("MAC-Adresse", "invalid_mac"),
            ("WLAN-Standard", "unknown_word"),
            ("PoE", "invalid_bool"),
            ("Installiert am", "invalid_date")
        ]
    );
    assert!(db.count("SELECT count(*) FROM buildings WHERE name = 'Hauptgebäude'") > 0, "umlauts decoded");
    // Any MAC notation is stored the same way; "PoE+" means PoE.
    assert_eq!(db.count("SELECT count(*) FROM access_points WHERE mac_address = '62:c4:c4:51:a6:4f' AND poe = 1"), 1);
    assert_eq!(db.count("SELECT count(*) FROM access_points WHERE mac_address = '54:e5:ac:62:d0:98'"), 1);
    let note: String = db
        .store
        .conn()
        .query_row("SELECT notes FROM access_points WHERE mac_address = '62:c4:c4:51:a6:4f'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "Überprüfung nötig; Kabel \"lose\"");
    let again = db.import(&fixture("accesspoints_cp1252.csv"), &commit(true)).unwrap();
    assert_eq!((again.created, again.unchanged), (0, 120));
}

#[test]
fn profiles_and_manual_mapping_change_how_columns_are_read() {
    let mut db = Db::with_schools();
    let file = db.path("farben.csv");
    write(&file, "Inventar-Nr.;Schulnummer;Gerätetyp;Lieblingsfarbe\nF-1;162437;Laptop;blau\n");
    let r = db.import(&file, &dry()).unwrap();
    assert_eq!(r.unmapped_columns, vec!["Lieblingsfarbe".to_string()]);
    let mut columns = BTreeMap::new();
    columns.insert(header_key("Lieblingsfarbe"), "notes".to_string());
    db.store.save_import_profile("Farbliste", Some("devices"), Some("inventory_number"), &columns).unwrap();
    let profile = db.store.import_profile("Farbliste").unwrap();
    let mut options = commit(false);
    options.entity = profile.entity.as_deref().and_then(ImportEntity::from_cli_name);
    for (h, f) in &profile.columns {
        options.columns.insert(h.clone(), Field::from_name(f));
    }
    let r = db.import(&file, &options).unwrap();
    assert_eq!(r.entity, ImportEntity::Devices);
    assert!(r.unmapped_columns.is_empty());
    assert_eq!(r.created, 1);
    assert_eq!(db.count("SELECT count(*) FROM devices WHERE notes = 'blau' AND category = 'laptop'"), 1);
}

#[test]
fn hostile_cells_are_row_errors_and_text_is_stored_as_typed() {
    let mut db = Db::with_schools();
    let file = db.path("boese.csv");
    let long = "x".repeat(100_001);
    write(
        &file,
        &format!(
            "Inventar-Nr.;Schulnummer;Gerätetyp;Modell;Bemerkung\n\
             H-1;162437;Laptop;=HYPERLINK(\"http://x\");+1 Formel\n\
             H-2;162437;Laptop;Steuer\u{7}zeichen;ok\n\
             H-3;162437;Laptop;ok;{long}\n\
             H-4;162437;Laptop;ok;ok\n"
        ),
    );
    let r = db.import(&file, &commit(true)).unwrap();
    assert_eq!((r.created, r.errors), (2, 2), "{:?}", r.error_rows);
    assert_eq!(errors_of(&r, 3), vec![("Modell", "control_characters")]);
    assert_eq!(errors_of(&r, 4), vec![("", "cell_too_long")]);
    let model: String = db
        .store
        .conn()
        .query_row("SELECT model FROM devices WHERE inventory_number = 'H-1'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(model, "=HYPERLINK(\"http://x\")", "stored as typed; only exports neutralise formulas");
}

#[test]
fn files_that_are_not_spreadsheets_are_refused_in_german() {
    let mut db = Db::with_schools();
    let before = db.footprint();
    let pdf = db.path("liste.xlsx");
    std::fs::write(&pdf, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").unwrap();
    let e = db.import(&pdf, &dry()).unwrap_err();
    assert_eq!(e.code, "not_a_spreadsheet");
    assert!(e.message.contains("keine lesbare Tabellendatei"), "{}", e.message);

    let truncated = db.path("abgeschnitten.xlsx");
    let full = std::fs::read(fixture("geraeteliste_beispielstadt.xlsx")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    assert_eq!(db.import(&truncated, &dry()).unwrap_err().code, "not_a_spreadsheet");

    let bomb = db.path("bombe.xlsx");
    std::fs::write(&bomb, zip_declaring(&[("xl/worksheets/sheet1.xml", 3_000_000_000)])).unwrap();
    let e = db.import(&bomb, &dry()).unwrap_err();
    assert_eq!(e.code, "unpacks_too_large");
    assert!(e.message.contains("entpackt"), "{}", e.message);

    let binary = db.path("daten.csv");
    std::fs::write(&binary, b"\x00\x01\x02\x03binary").unwrap();
    assert_eq!(db.import(&binary, &dry()).unwrap_err().code, "not_text");

    let empty = db.path("leer.csv");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(db.import(&empty, &dry()).unwrap_err().code, "no_header");

    let titles_only = db.path("titel.csv");
    std::fs::write(&titles_only, "Geräteliste\nStand 2024\n").unwrap();
    let e = db.import(&titles_only, &dry()).unwrap_err();
    assert_eq!(e.code, "no_header");
    assert!(e.message.contains("Kopfzeile"));
    assert_eq!(db.footprint(), before, "nothing written");
}

/// A zip archive whose directory declares entries of the given (unpacked) sizes while holding
/// one byte each: what a zip bomb looks like before it is unpacked.
fn zip_declaring(entries: &[(&str, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, size) in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&0u32.to_le_bytes()); // time, date
            h.extend_from_slice(&0u32.to_le_bytes()); // crc
            h.extend_from_slice(&1u32.to_le_bytes()); // compressed size
            h.extend_from_slice(&size.to_le_bytes()); // declared unpacked size
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
                h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.push(b'x');
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn a_merged_header_over_two_rows_is_read_with_its_sub_headers() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut db = Db::with_schools();
    let file = db.path("gruppiert.xlsx");
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("Übersicht").unwrap();
    let merged = Format::new();
    s.write_string(0, 0, "Schulträger Beispielstadt").unwrap();
    s.merge_range(2, 0, 3, 0, "Schulnummer", &merged).unwrap();
    s.merge_range(2, 1, 2, 2, "Gerät", &merged).unwrap();
    s.write_string(3, 1, "Inventar-Nr.").unwrap();
    s.write_string(3, 2, "Gerätetyp").unwrap();
    s.merge_range(2, 3, 2, 4, "Preis", &merged).unwrap();
    s.write_string(3, 3, "netto").unwrap();
    s.write_string(3, 4, "brutto").unwrap();
    s.write_string(4, 0, "162437").unwrap();
    s.write_string(4, 1, "M-1").unwrap();
    s.write_string(4, 2, "Tablet").unwrap();
    s.write_number(4, 3, 100.0).unwrap();
    s.write_number(4, 4, 119.0).unwrap();
    // A second sheet with data that is not the default.
    let other = wb.add_worksheet();
    other.set_name("Notizen").unwrap();
    other.write_string(0, 0, "nichts").unwrap();
    wb.save(&file).unwrap();

    let r = db.import(&file, &commit(false)).unwrap();
    assert_eq!(r.file.sheets, vec!["Übersicht".to_string(), "Notizen".to_string()]);
    assert_eq!(r.file.sheet.as_deref(), Some("Übersicht"));
    assert_eq!(r.file.header_row, 4, "the header spans rows 3 and 4");
    assert_eq!(
        r.file.header,
        vec!["Schulnummer", "Gerät Inventar-Nr.", "Gerät Gerätetyp", "Preis netto", "Preis brutto"]
    );
    let fields: Vec<Option<String>> = r.columns.iter().map(|c| c.field.clone()).collect();
    assert_eq!(
        fields,
        vec![
            Some("school_number".into()),
            Some("inventory_number".into()),
            Some("type".into()),
            Some("net_cents".into()),
            Some("price_cents".into())
        ]
    );
    // "netto" is an invoice column: recognised, but not stored for a device.
    assert!(r.columns[3].note.as_deref().is_some_and(|n| n.contains("nicht übernommen")), "{:?}", r.columns[3]);
    assert_eq!((r.created, r.errors), (1, 0), "{:?}", r.error_rows);
    assert_eq!(db.count("SELECT price_cents FROM devices WHERE inventory_number = 'M-1'"), 11_900);

    let options = ImportOptions {
        table: schulinventar_exchange::table::TableOptions { sheet: Some("Fehlt".into()), ..Default::default() },
        ..dry()
    };
    let e = db.import(&file, &options).unwrap_err();
    assert_eq!(e.code, "unknown_sheet");
    assert!(e.message.contains("Übersicht"), "names the sheets there are: {}", e.message);
}

#[test]
fn rows_of_an_unknown_school_or_without_school_column_are_explained() {
    let mut db = Db::with_schools();
    let file = db.path("ohne_schule.csv");
    write(&file, "Inventar-Nr.;Gerätetyp\nO-1;Laptop\n");
    let e = db.import(&file, &dry()).unwrap_err();
    assert_eq!(e.code, "school_column_missing");
    let options = ImportOptions { school: Some("162437".into()), ..commit(false) };
    let r = db.import(&file, &options).unwrap();
    assert_eq!(r.created, 1, "the school chosen for the whole file");
    // A school number that lost its leading zeros still finds its school.
    write(&file, "Inventar-Nr.;Schulnummer;Gerätetyp\nO-2;1234;Laptop\n");
    let r = db.import(&file, &commit(false)).unwrap();
    assert_eq!(r.created, 1, "{:?}", r.error_rows);
    assert_eq!(
        db.count(
            "SELECT count(*) FROM devices d JOIN schools s ON s.id = d.school_id
             WHERE d.inventory_number = 'O-2' AND s.school_number = '001234'"
        ),
        1
    );
}

#[test]
fn reconciliation_counts_are_exact_and_nothing_changes() {
    use schulinventar_exchange::reconcile::{reconcile, write_reconcile_workbook};
    let mut db = Db::with_schools();
    let file = db.path("geraete.csv");
    write(&file, DEVICES_CSV);
    db.import(&file, &commit(false)).unwrap();
    // Devices of another school, which the auditor's sheet does not cover.
    let other = db.path("andere.csv");
    write(&other, "Inventar-Nr.;Schulnummer;Gerätetyp\nX-1;105893;Laptop\nX-2;105893;Tablet\n");
    db.import(&other, &commit(false)).unwrap();

    // The auditor's sheet: L-1 as stored, L-2 with another price and status, L-3 missing,
    // A-9 not in the inventory, one broken row.
    let sheet = db.path("pruefung.csv");
    write(
        &sheet,
        "Inventar-Nr.;Seriennummer;Schulnummer;Gebäude;Raum;Gerätetyp;Hersteller;Anschaffungsdatum;Preis;Status
L-1;SN1;162437;Haus A;A.1.01;Laptop;Lenovo;01.02.2024;899,00;im Einsatz
L-2;SN2;162437;Haus A;A.1.01;Tablet;Apple;15.03.2024;1.000,00;Reparatur
A-9;SN9;162437;Haus A;A.1.01;Laptop;Lenovo;01.02.2024;500;im Einsatz
A-10;SN10;162437;Haus A;A.1.01;Laptop;Lenovo;kein Datum;500;im Einsatz
",
    );
    let before = db.footprint();
    let cancel = AtomicBool::new(false);
    let r =
        reconcile(&mut db.store, &sheet, &dry(), false, Control { cancel: &cancel, progress: &mut |_| {} }).unwrap();
    assert_eq!(db.footprint(), before, "reconciliation changes nothing");
    assert_eq!((r.only_in_sheet, r.only_in_inventory, r.different, r.identical, r.errors), (1, 3, 1, 1, 1));
    assert_eq!(r.sheet_only[0].key, "A-9");
    let mut only_inv: Vec<&str> = r.inventory_only.iter().map(|i| i.key.as_str()).collect();
    only_inv.sort_unstable();
    assert_eq!(only_inv, vec!["L-3", "X-1", "X-2"]);
    let mut diffs: Vec<(&str, String, String)> =
        r.differences.iter().map(|d| (d.field.as_str(), d.sheet.to_string(), d.inventory.to_string())).collect();
    diffs.sort();
    assert_eq!(
        diffs,
        vec![
            ("price_cents", "100000".to_string(), "123456".to_string()),
            ("status", "\"in_repair\"".to_string(), "\"in_stock\"".to_string())
        ]
    );
    assert_eq!(r.error_rows[0].row, 5);

    let limited =
        reconcile(&mut db.store, &sheet, &dry(), true, Control { cancel: &cancel, progress: &mut |_| {} }).unwrap();
    assert_eq!(limited.only_in_inventory, 1, "only the school the sheet covers: L-3");
    assert_eq!(limited.inventory_only[0].key, "L-3");

    let out = db.path("abgleich.xlsx");
    write_reconcile_workbook(&out, &r).unwrap();
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(&out).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Übersicht", "Nur in Tabelle", "Nur im Inventar", "Abweichungen", "Fehler"]);
    let summary = wb.worksheet_range("Übersicht").unwrap();
    let counts: Vec<(String, f64)> = summary
        .rows()
        .skip(5)
        .map(|r| {
            (
                r[0].to_string(),
                match r[1] {
                    Data::Float(f) => f,
                    _ => -1.0,
                },
            )
        })
        .collect();
    assert_eq!(counts[0], ("Nur in der Tabelle".to_string(), 1.0));
    assert_eq!(counts[1], ("Nur im Inventar".to_string(), 3.0));
    let diffs = wb.worksheet_range("Abweichungen").unwrap();
    assert_eq!(diffs.height(), 3, "header and two differences");
}

#[test]
fn the_error_workbook_holds_the_original_rows_and_what_is_wrong() {
    use calamine::{open_workbook_auto, Data, Reader};
    use schulinventar_exchange::xlsx_out::write_error_workbook;
    let mut db = Db::with_schools();
    let r = db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &dry()).unwrap();
    let out = db.path("fehler.xlsx");
    write_error_workbook(&out, &r).unwrap();
    let mut wb = open_workbook_auto(&out).unwrap();
    let sheet = wb.worksheet_range("Fehler").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 4, "header and the three bad rows");
    assert_eq!(rows[0][0], Data::String("Inventar-Nr.".into()));
    assert_eq!(rows[0][11], Data::String("Fehler".into()));
    assert_eq!(rows[0][12], Data::String("Zeile im Original".into()));
    assert_eq!(rows[1][12], Data::Float(505.0));
    assert_eq!(rows[1][7], Data::String("31.02.2023".into()), "the original value, to be fixed");
    let msg = rows[1][11].to_string();
    assert!(msg.contains("Anschaffungsdatum: „31.02.2023“ ist kein Datum"), "{msg}");
    assert!(msg.contains("Preis (brutto)"), "{msg}");
    assert_eq!(rows[3][0], Data::String("X-1".into()));
    // Sent back after fixing, the error workbook is itself importable: same columns.
    let (info, ..) = schulinventar_exchange::import::inspect(&out, &dry()).unwrap();
    assert_eq!(&info.header[..11], &r.file.header[..]);
}

#[test]
fn old_excel_and_opendocument_files_read_like_xlsx() {
    for name in ["geraete_alt.xls", "geraete.ods"] {
        let mut db = Db::with_schools();
        let r = db.import(&fixture(name), &commit(true)).unwrap();
        assert_eq!(r.file.header_row, 3, "{name}");
        assert_eq!((r.created, r.errors), (2, 1), "{name}: {:?}", r.error_rows);
        assert_eq!(errors_of(&r, 6), vec![("Gerätetyp", "unknown_type"), ("Anschaffungsdatum", "invalid_date")]);
        assert_eq!(
            db.count(
                "SELECT count(*) FROM devices d JOIN schools s ON s.id = d.school_id
                 WHERE d.inventory_number = 'ALT-2' AND s.school_number = '001234' AND d.purchase_date = '2020-02-29'
                   AND d.price_cents = 44900 AND d.category = 'tablet' AND d.status = 'in_stock'"
            ),
            1,
            "{name}"
        );
        assert_eq!(db.count("SELECT count(*) FROM presentation_hardware WHERE price_cents = 129950"), 1, "{name}");
    }
}

#[test]
fn a_csv_file_of_a_gigabyte_is_refused_before_reading() {
    let mut db = Db::with_schools();
    let huge = db.path("riesig.csv");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(1024 * 1024 * 1024).unwrap(); // sparse: takes no disk space
    drop(f);
    let e = db.import(&huge, &dry()).unwrap_err();
    assert_eq!(e.code, "file_too_large");
    assert!(e.message.contains("1024 MB") && e.message.contains("aufteilen"), "{}", e.message);
}

#[test]
fn invoices_import_with_lines_split_by_programme_and_linked_items() {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut db = Db::with_schools();
    db.import(&fixture("geraeteliste_beispielstadt.xlsx"), &commit(true)).unwrap();
    let file = fixture("rechnungen_digitalpakt.xlsx");
    let r = db.import(&file, &commit(false)).unwrap();
    assert_eq!(r.entity, ImportEntity::Invoices);
    assert_eq!((r.rows, r.created, r.errors), (80, 80, 0), "{:?}", r.error_rows);

    // Independent reading of the sheet: the totals and links the inventory must now hold.
    let mut wb = open_workbook_auto(&file).unwrap();
    let sheet = wb.worksheet_range("Rechnungen").unwrap();
    let cents = |d: &Data| match d {
        Data::Float(f) => (f * 100.0).round() as i64,
        other => panic!("{other:?}"),
    };
    let mut gross = 0;
    let mut links = 0;
    let mut own_funds = 0;
    for row in sheet.rows().skip(1) {
        gross += cents(&row[8]);
        links += row[9].to_string().split(',').filter(|s| !s.trim().is_empty()).count() as i64;
        if row[5] == "Eigenmittel" {
            own_funds += cents(&row[8]);
        }
    }
    assert_eq!(db.count("SELECT sum(gross_cents) FROM invoices"), gross, "to the cent");
    assert_eq!(db.count("SELECT sum(gross_cents) FROM invoice_lines"), gross);
    assert_eq!(db.count("SELECT count(*) FROM invoice_lines WHERE federal_cents + land_cents + own_cents + third_party_cents <> gross_cents"), 0);
    assert_eq!(db.count("SELECT count(*) FROM invoice_items"), links);
    // Own funds carry no federal money; DigitalPakt lines carry 90 %.
    assert_eq!(
        db.count("SELECT coalesce(sum(own_cents), 0) FROM invoice_lines l JOIN programmes p ON p.id = l.programme_id WHERE p.short_name = 'Eigenmittel'"),
        own_funds
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM invoice_lines l JOIN programmes p ON p.id = l.programme_id
             WHERE p.short_name = 'DigitalPakt Basis' AND l.federal_cents <> l.gross_cents * 9000 / 10000"
        ),
        0
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
             WHERE i.invoice_number = 'RE-2019-0001' AND l.category = 'wlan' AND i.gross_cents = 2498401"
        ),
        1
    );
    let before = db.footprint();
    let again = db.import(&file, &commit(false)).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 80));
    let mut after = db.footprint();
    after[10] -= 1;
    assert_eq!(before, after, "re-import changes nothing");
}

#[test]
fn invoice_rows_with_several_lines_and_bad_values() {
    let mut db = Db::with_schools();
    let devices = db.path("geraete.csv");
    write(&devices, DEVICES_CSV);
    db.import(&devices, &commit(false)).unwrap();
    let file = db.path("rechnungen.csv");
    write(
        &file,
        "Rechnungsnr.;Lieferant;Rechnungsdatum;Schulnummer;Kategorie;Förderprogramm;Netto;USt 19%;Brutto;Inventarnummern
R-1;Bechtle GmbH;02.05.2023;162437;Mobile Endgeräte;DigitalPakt Basis;1.000,00;190,00;1.190,00;L-1, L-2
R-1;Bechtle GmbH;02.05.2023;162437;;Eigenmittel;100,00;19,00;119,00;L-3
R-2;Cancom SE;03.05.2023;162437;WLAN;Lotto;100,00;19,00;120,00;L-9
",
    );
    let r = db.import(&file, &commit(true)).unwrap();
    assert_eq!((r.created, r.errors), (2, 1), "{:?}", r.error_rows);
    assert_eq!(errors_of(&r, 4), vec![("Förderprogramm", "unknown_programme"), ("Brutto", "gross_mismatch")]);
    // Two rows, one invoice with two lines; its totals are the sums of the lines.
    assert_eq!(db.count("SELECT count(*) FROM invoices"), 1);
    assert_eq!(db.count("SELECT gross_cents FROM invoices WHERE invoice_number = 'R-1'"), 130_900);
    assert_eq!(
        db.count("SELECT count(*) FROM invoice_lines WHERE position = 2 AND category = 'mobile_devices'"),
        1,
        "category from the linked device"
    );
    assert_eq!(db.count("SELECT federal_cents FROM invoice_lines WHERE position = 1"), 107_100);
    assert_eq!(db.count("SELECT count(*) FROM invoice_items"), 3);

    write(&file, "Rechnungsnr.;Lieferant;Rechnungsdatum;Brutto;Inventarnummern\nR-3;X;01.01.2024;10,00;L-404\n");
    let r = db.import(&file, &dry()).unwrap();
    assert_eq!(errors_of(&r, 2), vec![("", "required"), ("Inventarnummern", "unknown_item")]);
    assert!(r.error_rows.iter().any(|e| e.message.contains("Förderkategorie fehlt")));
}

#[test]
fn inspection_shows_columns_even_when_the_mapping_cannot_be_imported() {
    use schulinventar_exchange::import::inspect_table;
    let db = Db::new();
    let file = db.path("ohne_schluessel.csv");
    write(&file, "Seriennummer;Schulnummer;Gerätetyp;Farbe\nS-1;162437;Laptop;rot\n");
    let options = ImportOptions { key: Some(MatchKey::InventoryNumber), ..dry() };
    let i = inspect_table(&file, &options).unwrap();
    assert_eq!(i.problem.as_ref().map(|p| p.code.as_str()), Some("key_column_missing"));
    assert_eq!(i.columns.len(), 4);
    assert_eq!(i.columns[0].field.as_deref(), Some("serial_number"));
    assert_eq!(i.columns[3].field, None);
    assert_eq!(i.entity, ImportEntity::Inventory);
    let ok = inspect_table(&file, &dry()).unwrap();
    assert!(ok.problem.is_none(), "the serial number is the default key here");
    assert_eq!(ok.key, MatchKey::SerialNumber);
    // What the mapping screen offers.
    assert!(ImportEntity::Devices.fields().contains(&Field::Os));
    assert!(!ImportEntity::Devices.fields().contains(&Field::MacAddress));
    assert!(ImportEntity::Inventory.fields().contains(&Field::MacAddress));
    assert_eq!(ImportEntity::AccessPoints.keys()[0], MatchKey::MacAddress);
    assert_eq!(ImportEntity::Invoices.label(), "Rechnungen");
}

#[test]
fn a_row_failing_after_creating_its_room_leaves_no_room_and_no_search_entry() {
    let mut db = Db::with_schools();
    let file = db.path("geraete.csv");
    // The fourth row names a new room, then fails in the store: its serial number belongs to L-1.
    write(&file, &format!("{DEVICES_CSV}L-9;SN1;162437;Haus A;Z.9.99;Laptop;Lenovo;01.02.2024;10,00;im Einsatz;\n"));
    let r = db.import(&file, &commit(true)).unwrap();
    assert_eq!((r.created, r.errors), (3, 1), "{:?}", r.error_rows);
    assert_eq!(r.error_rows[0].row, 5);
    assert!(!r.new_places.iter().any(|p| p.name == "Z.9.99"), "the preview does not list the undone room");
    assert_eq!(db.count("SELECT count(*) FROM rooms WHERE number = 'Z.9.99'"), 0);
    assert!(db.store.search("Z.9.99", 10).unwrap().is_empty());
    // What was imported is found by the search, and the change log has no gaps.
    let hits = db.store.search("L-2", 10).unwrap();
    assert!(hits.iter().any(|h| h.entity == "device"), "{hits:?}");
    let (max, n): (i64, i64) = db
        .store
        .conn()
        .query_row("SELECT max(origin_seq), count(*) FROM change_log", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(max, n, "sequence numbers of undone rows are handed out again");
}
