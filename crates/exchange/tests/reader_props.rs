//! The spreadsheet readers and the import on damaged and arbitrary input: an error or rows,
//! never a panic, and never a half-written database.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use proptest::prelude::*;
use schulinventar_core::Store;
use schulinventar_exchange::import::{run_import, Control, ImportOptions, Mode};
use schulinventar_exchange::table::{open_table, TableOptions};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

fn read_all(path: &std::path::Path) {
    if let Ok(table) = open_table(path, &TableOptions::default()) {
        for row in table.take(100_000) {
            let _ = row;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A real workbook with bytes overwritten anywhere: the zip, the XML or the shared strings.
    #[test]
    fn damaged_workbooks_give_errors_not_panics(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20)) {
        let mut bytes = std::fs::read(fixture("geraeteliste_beispielstadt.xlsx")).unwrap();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kaputt.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        read_all(&path);
    }

    #[test]
    fn arbitrary_bytes_as_any_format(bytes in proptest::collection::vec(any::<u8>(), 0..4000), ext in prop::sample::select(vec!["xlsx", "xls", "ods", "csv", "dat"])) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("datei.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        read_all(&path);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any cell text in any column of a device list: every row is created or reported, and a
    /// failed commit writes nothing.
    #[test]
    fn any_cells_are_imported_or_reported(rows in proptest::collection::vec(proptest::collection::vec(".{0,20}", 6), 1..12)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let schools = dir.path().join("schulen.csv");
        std::fs::copy(fixture("schulen_nrw_format.csv"), &schools).unwrap();
        let cancel = AtomicBool::new(false);
        let commit = ImportOptions { mode: Mode::Commit { valid_only: false }, ..Default::default() };
        run_import(&mut store, &schools, &commit, Control { cancel: &cancel, progress: &mut |_| {} }).unwrap();

        let mut text = String::from("Inventar-Nr.;Schulnummer;Gerätetyp;Anschaffungsdatum;Preis;Status\n");
        for r in &rows {
            let cells: Vec<String> = r.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            text.push_str(&cells.join(";"));
            text.push('\n');
        }
        let file = dir.path().join("geraete.csv");
        std::fs::write(&file, text).unwrap();
        let count = |s: &Store| -> i64 { s.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap() };
        let before = count(&store);
        match run_import(&mut store, &file, &commit, Control { cancel: &cancel, progress: &mut |_| {} }) {
            Ok(r) => {
                prop_assert_eq!(r.created + r.updated + r.unchanged + r.errors, r.rows);
                if r.committed {
                    prop_assert_eq!(r.errors, 0);
                    prop_assert!(count(&store) >= before + r.created as i64);
                } else {
                    prop_assert!(r.errors > 0);
                    prop_assert_eq!(count(&store), before);
                }
            }
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                prop_assert_eq!(count(&store), before);
            }
        }
    }
}
