//! Property tests of the cell value parsers: no input makes them panic, and what we write the
//! German way reads back to the same value.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use schulinventar_core::Land;
use schulinventar_exchange::values::*;

/// `1234567` cents as German Excel shows it: `12.345,67 €`.
fn german_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_parser_panics_on_any_text(s in "\\PC{0,80}") {
        let _ = parse_cents(&s);
        let _ = parse_integer(&s);
        let _ = parse_date(&s);
        let _ = parse_bool(&s);
        let _ = parse_mac(&s);
        for land in Land::ALL {
            let _ = restore_school_number(*land, &s);
        }
    }

    #[test]
    fn no_parser_panics_on_number_like_text(s in "[-+0-9.,€ ]{0,30}") {
        let _ = parse_cents(&s);
        let _ = parse_integer(&s);
        let _ = parse_date(&s);
    }

    #[test]
    fn german_money_round_trips(cents in -10_000_000_000i64..10_000_000_000i64) {
        prop_assert_eq!(parse_cents(&german_money(cents)), Ok(cents));
    }

    #[test]
    fn plain_decimal_round_trips(cents in 0i64..1_000_000_000i64) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(parse_cents(&text), Ok(cents));
    }

    #[test]
    fn german_dates_round_trip(days in 0i64..60_000) {
        let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
        prop_assert_eq!(parse_date(&date.format("%d.%m.%Y").to_string()), Ok(date));
        prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
    }

    #[test]
    fn excel_serials_count_days(days in 18_264i64..80_000) {
        let date = parse_date(&days.to_string()).unwrap();
        let next = parse_date(&(days + 1).to_string()).unwrap();
        prop_assert_eq!((next - date).num_days(), 1);
        prop_assert!(date.year() >= 1950);
    }

    #[test]
    fn restored_school_numbers_keep_their_value(n in 0u32..1_000_000) {
        let restored = restore_school_number(Land::Nw, &n.to_string()).unwrap();
        prop_assert_eq!(restored.len(), 6);
        prop_assert_eq!(restored.parse::<u32>().unwrap(), n);
    }
}

#[test]
fn excel_serial_45000_is_the_date_excel_shows() {
    // Excel shows 45000 as 15.03.2023.
    assert_eq!(parse_date("45000"), Ok(NaiveDate::from_ymd_opt(2023, 3, 15).unwrap()));
}
