//! Entity exports on the small demo: read back with calamine and the csv crate, formula
//! injection neutralised, and an export imported again changes nothing.

use std::sync::atomic::AtomicBool;

use calamine::{open_workbook, Data, Reader, Xlsx};
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::{DeviceData, ListQuery, Store};
use schulinventar_exchange::import::{run_import, Control, ImportEntity, ImportOptions, Mode};
use schulinventar_reports::csv_out::CsvStyle;
use schulinventar_reports::export::{export, export_count, ExportFilter, ExportFormat};

const HOSTILE: &str = "=HYPERLINK(\"http://x\")";

fn demo_db() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("demo.sqlite")).unwrap();
    demo::generate(&mut store, Scale::Small, 7, &mut |_, _| {}).unwrap();
    (dir, store)
}

/// Puts a formula-like note on the first device by inventory number; returns its number.
fn hostile_note(store: &mut Store) -> String {
    let page = store
        .list::<DeviceData>(&ListQuery { sort: Some("inventory_number".into()), limit: Some(1), ..Default::default() })
        .unwrap();
    let mut device = page.items.into_iter().next().unwrap();
    device.data.asset.notes = Some(HOSTILE.into());
    store.update(&device.id, device.data.clone()).unwrap();
    device.data.asset.inventory_number.unwrap()
}

fn count(store: &Store, sql: &str) -> u64 {
    store.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

#[test]
fn a_device_export_reads_back_typed_and_the_formula_stays_text() {
    let (dir, mut store) = demo_db();
    let number = hostile_note(&mut store);
    let path = dir.path().join("geraete.xlsx");
    let mut seen = Vec::new();
    let rows =
        export(store.conn(), "devices", &ExportFilter::default(), ExportFormat::Xlsx, &path, &mut |n| seen.push(n))
            .unwrap();
    assert_eq!(rows, count(&store, "SELECT count(*) FROM devices WHERE deleted_at IS NULL"));
    assert_eq!(seen.last(), Some(&rows), "progress reaches the total");

    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Geräte"]);
    let range = wb.worksheet_range("Geräte").unwrap();
    assert_eq!(range.height() as u64, rows + 1);
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    for h in ["Schulnummer", "Gebäude", "Raum", "Inventarnummer", "Preis", "Anschaffungsdatum", "Gerätetyp", "Status"]
    {
        assert!(header.contains(&h.to_owned()), "{h} missing in {header:?}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = range.rows().find(|r| r[col("Inventarnummer")] == Data::String(number.clone())).unwrap();
    assert_eq!(row[col("Bemerkung")], Data::String(HOSTILE.into()), "stored text exported as typed, as a string");
    assert!(matches!(row[col("Preis")], Data::Float(_)), "money is a number: {:?}", row[col("Preis")]);
    assert!(matches!(row[col("Anschaffungsdatum")], Data::DateTime(_)), "a real date");
    // No cell of the sheet is a formula.
    let formulas = wb.worksheet_formula("Geräte").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "the export holds no formula");
    // Leading zeros of school numbers survive (text, not a number).
    assert!(range.rows().skip(1).all(|r| matches!(&r[col("Schulnummer")], Data::String(s) if s.len() == 6)));

    // CSV: the German dialect quotes the formula away; the plain one too.
    let csv_path = dir.path().join("geraete.csv");
    export(
        store.conn(),
        "devices",
        &ExportFilter::default(),
        ExportFormat::Csv(CsvStyle::German),
        &csv_path,
        &mut |_| {},
    )
    .unwrap();
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM for Excel");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    let notes = headers.iter().position(|h| h == "Bemerkung").unwrap();
    let inv = headers.iter().position(|h| h == "Inventarnummer").unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len() as u64, rows);
    let hostile = records.iter().find(|r| r[inv] == number).unwrap();
    assert_eq!(&hostile[notes], format!("'{HOSTILE}"));
}

#[test]
fn an_exported_device_list_imports_again_without_a_change() {
    let (dir, mut store) = demo_db();
    hostile_note(&mut store);
    let log = count(&store, "SELECT count(*) FROM change_log");
    let devices = count(&store, "SELECT count(*) FROM devices WHERE deleted_at IS NULL");
    for (name, format) in [("geraete.xlsx", ExportFormat::Xlsx), ("geraete.csv", ExportFormat::Csv(CsvStyle::German))] {
        let path = dir.path().join(name);
        export(store.conn(), "devices", &ExportFilter::default(), format, &path, &mut |_| {}).unwrap();
        let cancel = AtomicBool::new(false);
        let options = ImportOptions {
            entity: Some(ImportEntity::Devices),
            mode: Mode::Commit { valid_only: false },
            ..Default::default()
        };
        let report =
            run_import(&mut store, &path, &options, Control { cancel: &cancel, progress: &mut |_| {} }).unwrap();
        assert_eq!(report.errors, 0, "{name}: {:?}", report.error_rows.first());
        assert_eq!(report.rows, devices, "{name}");
        assert_eq!((report.created, report.updated), (0, 0), "{name}: the same data, nothing to change");
        assert_eq!(report.unchanged, devices, "{name}");
    }
    assert_eq!(count(&store, "SELECT count(*) FROM change_log"), log, "no operation written");
}

#[test]
fn a_filtered_export_has_only_the_school_and_a_failed_one_leaves_no_file() {
    let (dir, store) = demo_db();
    let number: String = store.conn().query_row("SELECT school_number FROM schools LIMIT 1", [], |r| r.get(0)).unwrap();
    let path = dir.path().join("schule.csv");
    let filter = ExportFilter { school_number: Some(number.clone()), search: None };
    let rows =
        export(store.conn(), "devices", &filter, ExportFormat::Csv(CsvStyle::Plain), &path, &mut |_| {}).unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let col = reader.headers().unwrap().iter().position(|h| h == "Schulnummer").unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len() as u64, rows);
    assert!(rows > 0 && records.iter().all(|r| r[col] == number));
    assert_eq!(export_count(store.conn(), "devices", &filter).unwrap(), rows, "the count announced for progress");
    let all = export_count(store.conn(), "devices", &ExportFilter::default()).unwrap();
    assert_eq!(all, count(&store, "SELECT count(*) FROM devices WHERE deleted_at IS NULL"));
    assert!(all > rows, "the school filter counts fewer");

    let missing = dir.path().join("gibt-es-nicht").join("x.xlsx");
    assert!(
        export(store.conn(), "devices", &ExportFilter::default(), ExportFormat::Xlsx, &missing, &mut |_| {}).is_err()
    );
    assert!(
        export(store.conn(), "raumschiffe", &ExportFilter::default(), ExportFormat::Xlsx, &path, &mut |_| {}).is_err()
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}
