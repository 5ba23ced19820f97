//! Spreadsheet files as municipalities send them (copies in tests/fixtures), and files that only
//! pretend to be spreadsheets.

use std::path::PathBuf;

use chrono::NaiveDate;
use schulinventar_core::{AssetStatus, Land, PresentationKind};
use schulinventar_exchange::mapping::{asset_status, find_header, item_kind, ColumnMapping, Field, ItemKind};
use schulinventar_exchange::values::restore_school_number;
use schulinventar_exchange::workbook::{Cell, Workbook};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

#[test]
fn device_list_with_title_rows_excel_dates_and_lost_zeros() {
    let mut wb = Workbook::open(&fixture("geraeteliste_beispielstadt.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Geräte".to_string()]);
    let sheet = wb.first_sheet_with_data().unwrap().unwrap();
    let rows = wb.rows(&sheet).unwrap();
    assert_eq!(rows[0].number, 1, "title row");
    assert_eq!(rows.last().unwrap().number, 507, "trailing empty rows dropped");

    let text: Vec<Vec<String>> = rows.iter().map(|r| r.cells.iter().map(Cell::to_text).collect()).collect();
    let h = find_header(&text).unwrap();
    assert_eq!(rows[h].number, 4, "header below the title rows");
    let m = ColumnMapping::from_header(&text[h]);
    for f in [
        Field::InventoryNumber,
        Field::SerialNumber,
        Field::SchoolNumber,
        Field::Type,
        Field::PurchaseDate,
        Field::Price,
        Field::Status,
    ] {
        assert!(m.column_of(f).is_some(), "{f:?} mapped");
    }

    let first = &rows[h + 1];
    assert_eq!(first.number, 5);
    let col = |f: Field| m.column_of(f).unwrap();
    assert_eq!(first.cells[col(Field::InventoryNumber)], Cell::Text("INV-00001".into()));
    // Excel turned the school number 020374 into the number 20374.
    assert_eq!(restore_school_number(Land::Nw, &first.cells[col(Field::SchoolNumber)].to_text()).unwrap(), "020374");
    assert_eq!(first.cells[col(Field::PurchaseDate)].date().unwrap(), NaiveDate::from_ymd_opt(2025, 3, 19).unwrap());
    assert_eq!(first.cells[col(Field::Price)].cents(), Ok(304_673));
    assert_eq!(
        item_kind(&first.cells[col(Field::Type)].to_text()),
        Some(ItemKind::Presentation(PresentationKind::Projector))
    );
    assert_eq!(asset_status(&first.cells[col(Field::Status)].to_text()), Some(AssetStatus::InRepair));

    // The deliberately bad last row: every value that cannot be read says so.
    let bad = rows.last().unwrap();
    assert_eq!(item_kind(&bad.cells[col(Field::Type)].to_text()), None, "Toaster");
    assert_eq!(bad.cells[col(Field::PurchaseDate)].date().unwrap_err().code, "invalid_date");
    assert_eq!(bad.cells[col(Field::Price)].cents(), Ok(123_456), "German text amount in a text cell");
    assert_eq!(asset_status(&bad.cells[col(Field::Status)].to_text()), None);
}

#[test]
fn files_that_are_no_spreadsheets_are_refused_in_german() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("rechnung.xlsx");
    std::fs::write(&pdf, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF").unwrap();
    let err = Workbook::open(&pdf).err().unwrap();
    assert_eq!(err.code, "not_a_spreadsheet");
    assert!(err.message.contains("rechnung.xlsx") && err.message.contains("keine lesbare Tabellendatei"));

    let bytes = std::fs::read(fixture("geraeteliste_beispielstadt.xlsx")).unwrap();
    let cut = dir.path().join("abgeschnitten.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let opened = Workbook::open(&cut);
    let failed = match opened {
        Err(e) => e.code == "not_a_spreadsheet",
        Ok(mut wb) => wb.sheet_names().into_iter().all(|s| wb.rows(&s).is_err()),
    };
    assert!(failed, "a truncated file gives an error, not rows");
}
