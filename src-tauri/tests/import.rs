//! The import as the window drives it, on the repository's fixture files and a real database:
//! mapping, dry run, paging of the preview, valid-only commit, history, error workbook, cancel.

use std::path::PathBuf;

use schulinventar_app::import::session::{inspect, preview_rows, run, save_errors};
use schulinventar_app::import::{ImportMode, ImportProgressInfo, ImportSettings, ImportSummary, RowOutcome};
use schulinventar_app::{AppState, ImportState};
use schulinventar_core::ListQuery;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(name).display().to_string()
}

fn no_progress() -> impl FnMut(ImportProgressInfo) {
    |_| {}
}

fn commit(app: &AppState, imports: &ImportState, file: &str, mode: ImportMode) -> ImportSummary {
    imports.begin();
    run(app, imports, file, &ImportSettings::default(), mode, None, &mut no_progress()).unwrap()
}

/// A fresh database holding the schools of `schulen_nrw_format.csv`.
fn with_schools() -> (tempfile::TempDir, AppState, ImportState) {
    let dir = tempfile::tempdir().unwrap();
    let app = AppState::new(dir.path().join("db.sqlite"));
    let imports = ImportState::default();
    let summary = commit(&app, &imports, &fixture("schulen_nrw_format.csv"), ImportMode::Commit);
    assert!(summary.committed);
    assert_eq!((summary.entity.as_str(), summary.created, summary.errors), ("schools", 6, 0));
    (dir, app, imports)
}

fn device_count(app: &AppState) -> usize {
    app.with_store(|s| {
        s.conn().query_row("SELECT count(*) FROM devices", [], |r| r.get::<_, i64>(0)).map_err(Into::into)
    })
    .unwrap() as usize
}

#[test]
fn inspect_shows_the_columns_of_the_device_list() {
    let i = inspect(&fixture("geraeteliste_beispielstadt.xlsx"), &ImportSettings::default()).unwrap();
    assert_eq!(i.file.format, "XLSX");
    assert_eq!(i.file.sheets, vec!["Geräte".to_owned()]);
    assert_eq!(i.file.header_row, 4);
    assert_eq!(i.entity, "inventory");
    assert_eq!(i.key.as_deref(), Some("inventory_number"));
    assert!(i.problem.is_none());
    let inv = i.columns.iter().find(|c| c.header == "Inventar-Nr.").unwrap();
    assert_eq!((inv.header_key.as_str(), inv.field.as_deref()), ("inventarnr", Some("inventory_number")));
    let programme = i.columns.iter().find(|c| c.header == "Förderprogramm").unwrap();
    assert!(programme.note.as_deref().unwrap_or_default().contains("Fördermittel"));
}

#[test]
fn inspect_lists_unknown_columns_of_the_school_list() {
    let i = inspect(&fixture("schulen_nrw_format.csv"), &ImportSettings::default()).unwrap();
    assert_eq!(i.entity, "schools");
    assert_eq!(i.key.as_deref(), Some("natural"));
    assert!(i.file.format.starts_with("CSV"), "{}", i.file.format);
    assert!(i.unknown_columns.contains(&"Rechtsform".to_owned()), "{:?}", i.unknown_columns);
    let rechtsform = i.columns.iter().find(|c| c.header == "Rechtsform").unwrap();
    assert_eq!(rechtsform.field, None);
}

#[test]
fn a_mapping_without_its_key_column_is_shown_with_the_problem() {
    let mut settings = ImportSettings::default();
    settings.columns.insert("inventarnr".into(), None);
    settings.entity = Some("devices".into());
    settings.key = Some("inventory_number".into());
    let i = inspect(&fixture("geraeteliste_beispielstadt.xlsx"), &settings).unwrap();
    let problem = i.problem.expect("the key column is missing");
    assert_eq!(problem.code, "key_column_missing");
    assert!(problem.message.contains("Inventarnummer"), "{}", problem.message);
    assert_eq!(i.entity, "devices");
    assert_eq!(i.columns.len(), 11, "all columns are still listed");
    assert!(i.unknown_columns.contains(&"Inventar-Nr.".to_owned()));
    assert_eq!(i.columns.iter().find(|c| c.header == "Seriennummer").unwrap().field.as_deref(), Some("serial_number"));
}

#[test]
fn inspect_refuses_a_missing_file_in_german() {
    let e = inspect("/nicht/vorhanden.xlsx", &ImportSettings::default()).unwrap_err();
    assert_eq!(e.code, "file_not_found");
    assert!(e.message.contains("gibt es nicht"));
}

#[test]
fn dry_run_then_valid_only_commit_of_the_device_list() {
    let (dir, app, imports) = with_schools();
    let file = fixture("geraeteliste_beispielstadt.xlsx");
    let before = device_count(&app);

    let mut seen = Vec::new();
    imports.begin();
    let preview =
        run(&app, &imports, &file, &ImportSettings::default(), ImportMode::DryRun, None, &mut |p| seen.push(p))
            .unwrap();
    assert!(preview.dry_run && !preview.committed);
    assert_eq!((preview.rows, preview.created, preview.updated, preview.errors), (503, 500, 0, 3));
    assert!(preview.new_places.iter().any(|p| p.kind == "room" && p.kind_label == "Raum"));
    assert!(preview.warnings_total > 0);
    assert_eq!(seen.first().map(|p| p.rows), Some(0));
    assert_eq!(seen.last().and_then(|p| p.fraction), Some(1.0));
    assert_eq!(device_count(&app), before, "a dry run keeps nothing");

    let errors = preview_rows(&imports, preview.report_id, true, 0, 1000).unwrap();
    let mut rows: Vec<u64> = errors.lines.iter().map(|l| l.row).collect();
    rows.dedup();
    assert_eq!(rows, vec![505, 506, 507]);
    assert!(errors.lines.iter().all(|l| l.outcome == RowOutcome::Error && !l.message.is_empty()));
    let price = errors.lines.iter().find(|l| l.row == 505 && l.column == "Preis (brutto)").unwrap();
    assert_eq!(price.value, "abc");
    assert!(price.message.contains("kein Betrag"));

    let all = preview_rows(&imports, preview.report_id, false, 0, 10).unwrap();
    assert_eq!(all.total as usize, 500 + errors.total as usize);
    assert_eq!(all.lines.len(), 10);
    assert_eq!(all.lines[0].outcome, RowOutcome::Created);
    let tail = preview_rows(&imports, preview.report_id, false, all.total - 3, 10).unwrap();
    assert_eq!(tail.lines.len(), 3);

    let out = save_errors(&imports, preview.report_id, &dir.path().join("fehler").display().to_string()).unwrap();
    assert!(out.ends_with("fehler.xlsx"));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX file is a zip archive");

    // A plain commit of a file with errors keeps nothing.
    let refused = commit(&app, &imports, &file, ImportMode::Commit);
    assert!(!refused.committed);
    assert_eq!(device_count(&app), before);

    let done = commit(&app, &imports, &file, ImportMode::CommitValidOnly);
    assert!(done.committed && done.valid_only);
    assert!(done.import_id.is_some());
    assert!(preview_rows(&imports, preview.report_id, true, 0, 10).is_err(), "the preview is outdated now");
    let history = app.with_store(|s| s.import_runs(10)).unwrap();
    assert_eq!(history.len(), 2, "the schools and the devices");
    assert_eq!(history[0].file_name, "geraeteliste_beispielstadt.xlsx");
    assert_eq!((history[0].created, history[0].errors, history[0].valid_only), (500, 3, true));
    assert!(device_count(&app) > before);
}

#[test]
fn a_commit_of_a_changed_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = AppState::new(dir.path().join("db.sqlite"));
    let imports = ImportState::default();
    let file = dir.path().join("schulen.csv");
    std::fs::copy(fixture("schulen_nrw_format.csv"), &file).unwrap();
    let file = file.display().to_string();
    let preview = commit(&app, &imports, &file, ImportMode::DryRun);
    std::fs::write(&file, "Schulnummer;Schulbezeichnung_1\n123456;Neue Schule\n").unwrap();

    imports.begin();
    let e = run(
        &app,
        &imports,
        &file,
        &ImportSettings::default(),
        ImportMode::Commit,
        Some(&preview.file.sha256),
        &mut no_progress(),
    )
    .unwrap_err();
    assert_eq!(e.code, "file_changed");
    let schools = app.with_store(|s| s.list_schools(&ListQuery::default())).unwrap();
    assert!(schools.items.is_empty());
}

#[test]
fn cancel_stops_a_commit_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = AppState::new(dir.path().join("db.sqlite"));
    let imports = ImportState::default();
    let file = dir.path().join("viele_schulen.csv");
    let mut text = String::from("Schulnummer;Schulbezeichnung_1;Schulform;Ort;Traegernummer\n");
    for i in 0..2500 {
        text.push_str(&format!("{:06};Schule {i};Grundschule;Beispielstadt;119\n", 200_000 + i));
    }
    std::fs::write(&file, text).unwrap();

    imports.begin();
    let canceller = imports.clone();
    let mut progress = |p: ImportProgressInfo| {
        if p.rows >= 1000 {
            canceller.cancel();
        }
    };
    let e = run(
        &app,
        &imports,
        &file.display().to_string(),
        &ImportSettings::default(),
        ImportMode::Commit,
        None,
        &mut progress,
    )
    .unwrap_err();
    assert_eq!(e.code, "cancelled");
    assert!(e.message.contains("nichts gespeichert"));
    let schools = app.with_store(|s| s.list_schools(&ListQuery::default())).unwrap();
    assert!(schools.items.is_empty(), "a cancelled import writes nothing");
    assert!(app.with_store(|s| s.import_runs(10)).unwrap().is_empty());

    // The next run starts with the flag cleared.
    let again = commit(&app, &imports, &file.display().to_string(), ImportMode::Commit);
    assert_eq!(again.created, 2500);
}

#[test]
fn reconcile_compares_without_writing_and_saves_the_report() {
    use schulinventar_app::import::session::reconcile;
    let (dir, app, imports) = with_schools();
    let summary = commit(&app, &imports, &fixture("geraeteliste_beispielstadt.xlsx"), ImportMode::CommitValidOnly);
    assert_eq!(summary.created, 500);
    let sheet = dir.path().join("pruefung.csv");
    std::fs::write(
        &sheet,
        "Inventar-Nr.;Schulnummer;Gerätetyp;Preis (brutto)\nINV-00001;020374;Beamer;3046,73\nINV-00003;020374;Beamer;1,00\nNEU-1;020374;Laptop;5\n",
    )
    .unwrap();
    let before = device_count(&app);
    let report = dir.path().join("abgleich.xlsx");
    imports.begin();
    let r = reconcile(
        &app,
        &imports,
        &sheet.display().to_string(),
        &ImportSettings::default(),
        false,
        Some(&report.display().to_string()),
    )
    .unwrap();
    assert_eq!((r.only_in_sheet, r.different, r.identical, r.errors), (1, 1, 1, 0));
    assert_eq!(r.only_in_inventory, 498);
    assert_eq!(r.inventory_only.len(), 498);
    assert_eq!(r.sheet_only[0].key, "NEU-1");
    assert_eq!(r.sheet_only[0].row, Some(4));
    assert_eq!(r.differences.len(), 1);
    assert_eq!((r.differences[0].field_label.as_str(), r.differences[0].sheet.as_str()), ("Preis", "100"));
    assert_eq!(r.report_path.as_deref(), Some(report.display().to_string().as_str()));
    assert!(std::fs::metadata(&report).unwrap().len() > 1000);
    assert_eq!(device_count(&app), before, "reconciling writes nothing");
    imports.begin();
    let limited =
        reconcile(&app, &imports, &sheet.display().to_string(), &ImportSettings::default(), true, None).unwrap();
    assert!(limited.only_in_inventory < r.only_in_inventory);
    assert_eq!(limited.report_path, None);
}
