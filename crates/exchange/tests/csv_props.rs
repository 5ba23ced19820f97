//! The CSV reader on arbitrary bytes: it returns rows or errors, never panics, and a table it
//! writes itself reads back cell for cell.

use proptest::prelude::*;
use schulinventar_exchange::csv_source::CsvSource;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_bytes_give_rows_or_errors(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(src) = CsvSource::open(std::io::Cursor::new(bytes), None) {
            for row in src.take(10_000) {
                let _ = row;
            }
        }
    }

    #[test]
    fn semicolon_tables_round_trip(
        table in proptest::collection::vec(proptest::collection::vec("[a-zA-ZäöüßÄÖÜ0-9 ,.;\"\n-]{0,12}", 3), 1..20)
    ) {
        let mut text = String::from("sep=;\r\n");
        for row in &table {
            let cells: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            text.push_str(&cells.join(";"));
            text.push_str("\r\n");
        }
        let rows: Vec<Vec<String>> = CsvSource::open(std::io::Cursor::new(text.into_bytes()), None)
            .unwrap()
            .map(|r| r.unwrap().cells)
            .collect();
        prop_assert_eq!(rows, table);
    }
}
