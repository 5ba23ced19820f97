//! The CSV reader on the messy files municipalities send (copies in tests/fixtures).

use std::fs::File;
use std::path::PathBuf;

use schulinventar_core::Land;
use schulinventar_exchange::csv_source::{CsvSource, TextEncoding};
use schulinventar_exchange::mapping::{find_header, ColumnMapping, Field};
use schulinventar_exchange::values::{parse_bool, parse_date, parse_mac, restore_school_number};

fn fixture(name: &str) -> File {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn windows_1252_access_point_list() {
    let src = CsvSource::open(fixture("accesspoints_cp1252.csv"), None).unwrap();
    assert_eq!(src.format().encoding, TextEncoding::Windows1252);
    assert_eq!(src.format().separator, b';');
    assert!(src.format().sep_line);
    let rows: Vec<_> = src.map(Result::unwrap).collect();
    assert_eq!(rows[0].number, 1);
    assert_eq!(rows[0].cells[1], "Gebäude", "umlauts decoded");
    assert_eq!(rows[0].cells[6], "MAC-Adresse");
    let header: Vec<Vec<String>> = rows.iter().take(5).map(|r| r.cells.clone()).collect();
    assert_eq!(find_header(&header), Some(0));
    let mapping = ColumnMapping::from_header(&rows[0].cells);
    assert!(mapping.unmapped.is_empty(), "{:?}", mapping.unmapped);
    assert_eq!(mapping.column_of(Field::MacAddress), Some(6));
    assert_eq!(mapping.column_of(Field::InstalledOn), Some(9));
    assert_eq!(rows.len(), 122, "every line but the sep= line is a row");
    // A note with a quoted separator and quotes stays one cell.
    let quoted = rows.iter().find(|r| r.cells.len() == 11 && r.cells[10].starts_with("Überprüfung")).unwrap();
    assert_eq!(quoted.cells[10], "Überprüfung nötig; Kabel \"lose\"");
    // The deliberately bad row: every value is reported, none silently accepted.
    let bad = rows.iter().find(|r| r.cells.get(6).is_some_and(|m| m == "zz:zz:zz:zz:zz:zz")).unwrap();
    assert_eq!(bad.number, 122, "the last line of the file");
    assert_eq!(parse_mac(&bad.cells[6]).unwrap_err().code, "invalid_mac");
    assert_eq!(parse_bool(&bad.cells[8]).unwrap_err().code, "invalid_bool");
    assert_eq!(parse_date(&bad.cells[9]).unwrap_err().code, "invalid_date");
    // A good row reads completely.
    let good = &rows[1];
    assert_eq!(parse_mac(&good.cells[6]).unwrap(), "d6:b4:7b:56:56:12");
    assert_eq!(parse_date(&good.cells[9]).unwrap().to_string(), "2023-08-27");
    assert!(!parse_bool(&good.cells[8]).unwrap());
    assert_eq!(restore_school_number(Land::Nw, &good.cells[0]).unwrap(), "190311");
}

#[test]
fn nrw_school_list_utf8_with_sep_line() {
    let src = CsvSource::open(fixture("schulen_nrw_format.csv"), None).unwrap();
    assert_eq!(src.format().encoding, TextEncoding::Utf8);
    let rows: Vec<_> = src.map(Result::unwrap).collect();
    assert_eq!(rows[0].cells[0], "Schulnummer");
    assert_eq!(rows.len(), 7);
    let names: Vec<&str> = rows[1..].iter().map(|r| r.cells[2].as_str()).collect();
    assert!(names.contains(&"Förderschule Am Stadtpark"));
    assert!(rows.iter().all(|r| r.cells.len() == 12), "no stray carriage returns split cells");
    assert!(rows.iter().all(|r| !r.cells.iter().any(|c| c.ends_with('\r'))));
    let numbers: Vec<String> =
        rows[1..].iter().map(|r| restore_school_number(Land::Nw, &r.cells[0]).unwrap()).collect();
    assert!(numbers.contains(&"001234".to_string()), "leading zeros kept: {numbers:?}");
}
