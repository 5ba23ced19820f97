//! Coercion of spreadsheet cell text into typed values, the way German municipal lists write
//! them: `1.234,56 €`, `31.12.2023`, Excel serial dates, school numbers that lost their leading
//! zeros, MAC addresses in any notation, `ja`/`nein`. Every parser returns a German reason when
//! it cannot read the value; none panics, whatever the input.

use chrono::{Duration, NaiveDate};
use schulinventar_core::Land;

/// Why a cell could not be read. `code` is stable; `message` is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> ValueError {
    ValueError { code, message: message.into() }
}

/// Longest cell text we try to interpret as a number or date.
const MAX_SCALAR: usize = 64;

/// Reads a decimal number written the German way (`1.234,56`), the English way (`1,234.56`)
/// or plain (`1234.5`), with an optional currency sign or `EUR`, as an integer number of
/// hundredths (cents). More than two decimal places are refused rather than rounded.
pub fn parse_cents(text: &str) -> Result<i64, ValueError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(err("empty", "Der Betrag fehlt."));
    }
    if t.chars().count() > MAX_SCALAR {
        return Err(err("invalid_number", "Der Betrag ist zu lang."));
    }
    let cleaned: String = t
        .trim_end_matches("EUR")
        .trim_end_matches("Euro")
        .chars()
        .filter(|c| !matches!(c, '€' | ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, cleaned.trim_start_matches('+').to_owned()),
    };
    let last_dot = digits.rfind('.');
    let last_comma = digits.rfind(',');
    // Which character separates the decimals: the later of '.' and ',' when both occur; a lone
    // ',' always; a lone '.' unless it only groups thousands (1.234 or 1.234.567).
    let decimal_sep = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(if d > c { '.' } else { ',' }),
        (None, Some(_)) => Some(','),
        (Some(_), None) => {
            let groups: Vec<&str> = digits.split('.').collect();
            let thousands =
                groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if thousands {
                None
            } else {
                Some('.')
            }
        }
        (None, None) => None,
    };
    let (int_part, frac_part) = match decimal_sep {
        Some(sep) => {
            let idx = digits.rfind(sep).unwrap_or(digits.len());
            (&digits[..idx], &digits[idx + 1..])
        }
        None => (digits.as_str(), ""),
    };
    let group_sep = match decimal_sep {
        Some(',') => '.',
        Some(_) => ',',
        None if digits.contains('.') => '.',
        None => ',',
    };
    let bad = || err("invalid_number", format!("„{t}“ ist kein Betrag."));
    // Thousands groups must look like thousands groups: 1.234.567, not 1.2.3.
    let groups: Vec<&str> = int_part.split(group_sep).collect();
    if groups.len() > 1 && !((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3)) {
        return Err(bad());
    }
    let int_digits: String = groups.concat();
    if int_digits.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_digits.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac_part.len() > 2 {
        return Err(err("too_many_decimals", format!("„{t}“ hat mehr als zwei Nachkommastellen.")));
    }
    let whole: i64 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| err("number_too_large", format!("„{t}“ ist zu groß.")))?
    };
    let frac: i64 = format!("{frac_part:0<2}").parse().unwrap_or(0);
    let cents = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| err("number_too_large", format!("„{t}“ ist zu groß.")))?;
    Ok(if negative { -cents } else { cents })
}

/// Reads a whole number (`1.200` is twelve hundred, `1200,0` is accepted, `12,5` is not).
pub fn parse_integer(text: &str) -> Result<i64, ValueError> {
    let cents = parse_cents(text).map_err(|e| match e.code {
        "too_many_decimals" | "invalid_number" => {
            err("invalid_integer", format!("„{}“ ist keine ganze Zahl.", text.trim()))
        }
        _ => e,
    })?;
    if cents % 100 != 0 {
        return Err(err("invalid_integer", format!("„{}“ ist keine ganze Zahl.", text.trim())));
    }
    Ok(cents / 100)
}

/// The day Excel's serial number 0 stands for (serials count from 1900-01-00; Excel wrongly
/// treats 1900 as a leap year, which the 1899-12-30 epoch absorbs for every date after
/// 1900-02-28).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()
}

/// Converts an Excel serial day number (as XLSX stores dates) into a date. Serials before
/// 1900-03-01 are refused: they are almost always a number that is not a date.
pub fn date_from_excel_serial(serial: f64) -> Result<NaiveDate, ValueError> {
    if !serial.is_finite() || !(61.0..=2_958_465.0).contains(&serial) {
        return Err(err("invalid_date", format!("{serial} ist kein Datum.")));
    }
    Ok(excel_epoch() + Duration::days(serial.floor() as i64))
}

/// Reads a date written as `31.12.2023`, `31.12.23`, `2023-12-31`, `31/12/2023` or as an Excel
/// serial number (`45291`). Two-digit years are 2000–2069 or 1970–1999.
pub fn parse_date(text: &str) -> Result<NaiveDate, ValueError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(err("empty", "Das Datum fehlt."));
    }
    if t.chars().count() > MAX_SCALAR {
        return Err(err("invalid_date", "Das Datum ist zu lang."));
    }
    let bad = || err("invalid_date", format!("„{t}“ ist kein Datum (erwartet z. B. 31.12.2024)."));
    // A time part after the date ("31.12.2023 00:00", "2023-12-31T00:00:00") is ignored.
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    if date_part.bytes().all(|b| b.is_ascii_digit() || b == b'.') && date_part.matches('.').count() <= 1 {
        // A bare number: an Excel serial such as 45291 or 45291.5. Numbers below 18264
        // (1950-01-01), such as a year "2023", are not taken for dates.
        let serial: f64 = date_part.parse().map_err(|_| bad())?;
        if serial < 18_264.0 {
            return Err(bad());
        }
        return date_from_excel_serial(serial).map_err(|_| bad());
    }
    for fmt in ["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, fmt) {
            if (1900..=2200).contains(&chrono::Datelike::year(&d)) {
                return Ok(d);
            }
        }
    }
    let parts: Vec<&str> = date_part.split('.').collect();
    if parts.len() == 3 && parts[2].len() == 2 && parts.iter().all(|p| !p.is_empty() && p.len() <= 2) {
        let (d, m, y): (u32, u32, i32) = (
            parts[0].parse().map_err(|_| bad())?,
            parts[1].parse().map_err(|_| bad())?,
            parts[2].parse().map_err(|_| bad())?,
        );
        let year = if y < 70 { 2000 + y } else { 1900 + y };
        return NaiveDate::from_ymd_opt(year, m, d).ok_or_else(bad);
    }
    Err(bad())
}

/// Reads yes/no words: ja, nein, yes, no, x, -, wahr, falsch, true, false, 1, 0, vorhanden.
pub fn parse_bool(text: &str) -> Result<bool, ValueError> {
    let folded = schulinventar_core::fold::fold(text.trim());
    match folded.as_str() {
        "ja" | "j" | "yes" | "y" | "x" | "wahr" | "true" | "1" | "vorhanden" | "ok" => Ok(true),
        "nein" | "n" | "no" | "-" | "falsch" | "false" | "0" | "nicht vorhanden" => Ok(false),
        _ => Err(err("invalid_bool", format!("„{}“ ist weder ja noch nein.", text.trim()))),
    }
}

/// The number of digits of a Land's school number where it is fixed.
pub fn school_number_digits(land: Land) -> Option<usize> {
    match land {
        Land::Nw => Some(6),
        Land::Bw => Some(8),
        Land::Ni => Some(5),
        _ => None,
    }
}

/// Restores a school number that a spreadsheet program turned into a number: `4154817` or
/// `4154817.0` becomes `04154817` in Baden-Württemberg. Text that already has the Land's form is
/// kept as it is; anything else is refused with the expected form.
pub fn restore_school_number(land: Land, text: &str) -> Result<String, ValueError> {
    let t = text.trim();
    let t = t.strip_suffix(".0").or_else(|| t.strip_suffix(",0")).unwrap_or(t);
    if t.is_empty() {
        return Err(err("empty", "Die Schulnummer fehlt."));
    }
    if let Some(n) = school_number_digits(land) {
        if t.len() <= n && t.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(format!("{t:0>n$}"));
        }
        return Err(err(
            "invalid_school_number",
            format!("„{t}“ ist keine Schulnummer für {} ({n} Ziffern).", land.label()),
        ));
    }
    if schulinventar_core::validate::school_number_valid(land, t) {
        Ok(t.to_owned())
    } else {
        Err(err("invalid_school_number", format!("„{t}“ ist keine Schulnummer für {}.", land.label())))
    }
}

/// Reads a MAC address in any common notation into `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(text: &str) -> Result<String, ValueError> {
    schulinventar_core::validate::normalize_mac(text)
        .ok_or_else(|| err("invalid_mac", format!("„{}“ ist keine MAC-Adresse.", text.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn money_in_every_common_notation() {
        for (text, cents) in [
            ("1.234,56 €", 123_456),
            ("1.234,56", 123_456),
            ("1234,5", 123_450),
            ("1,234.56", 123_456),
            ("1234.56", 123_456),
            ("1.234", 123_400),
            ("1.234.567", 123_456_700),
            ("12.5", 1_250),
            ("€ 899", 89_900),
            ("899,00 EUR", 89_900),
            ("-45,10", -4_510),
            ("0,99", 99),
            (",5", 50),
            ("1 234,56", 123_456),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
        for (text, code) in [
            ("", "empty"),
            ("zwölf", "invalid_number"),
            ("1,234", "too_many_decimals"),
            ("1.2.3", "invalid_number"),
            ("99999999999999999999", "number_too_large"),
            ("=1+1", "invalid_number"),
        ] {
            assert_eq!(parse_cents(text).unwrap_err().code, code, "{text}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer("1.200"), Ok(1200));
        assert_eq!(parse_integer("337"), Ok(337));
        assert_eq!(parse_integer("1200,0"), Ok(1200));
        assert_eq!(parse_integer("12,5").unwrap_err().code, "invalid_integer");
        assert_eq!(parse_integer("viele").unwrap_err().code, "invalid_integer");
    }

    #[test]
    fn dates_german_iso_and_excel() {
        assert_eq!(parse_date("27.08.2023"), Ok(d(2023, 8, 27)));
        assert_eq!(parse_date("1.2.2024"), Ok(d(2024, 2, 1)));
        assert_eq!(parse_date("2024-02-29"), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("31.12.23"), Ok(d(2023, 12, 31)));
        assert_eq!(parse_date("01.01.99"), Ok(d(1999, 1, 1)));
        assert_eq!(parse_date("45291"), Ok(d(2023, 12, 31)));
        assert_eq!(parse_date("45291.75"), Ok(d(2023, 12, 31)));
        assert_eq!(parse_date("2023-12-31T00:00:00"), Ok(d(2023, 12, 31)));
        assert_eq!(parse_date("31.12.2023 14:30"), Ok(d(2023, 12, 31)));
        assert_eq!(date_from_excel_serial(61.0), Ok(d(1900, 3, 1)));
        for bad in ["30.02.2024", "31.13.2023", "gestern", "12", "2023", "1.2.3.4", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booleans() {
        for t in ["ja", "Ja", "JA", "x", "yes", "1", "wahr"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for t in ["nein", "Nein", "-", "no", "0", "falsch"] {
            assert_eq!(parse_bool(t), Ok(false), "{t}");
        }
        assert_eq!(parse_bool("vielleicht").unwrap_err().code, "invalid_bool");
    }

    #[test]
    fn school_numbers_get_their_zeros_back() {
        assert_eq!(restore_school_number(Land::Bw, "4154817").unwrap(), "04154817");
        assert_eq!(restore_school_number(Land::Bw, "4154817.0").unwrap(), "04154817");
        assert_eq!(restore_school_number(Land::Nw, "62437").unwrap(), "062437");
        assert_eq!(restore_school_number(Land::Nw, "162437").unwrap(), "162437");
        assert_eq!(restore_school_number(Land::Ni, "7763").unwrap(), "07763");
        assert_eq!(restore_school_number(Land::Be, "02K10").unwrap(), "02K10");
        assert_eq!(restore_school_number(Land::Hh, "7910-0").unwrap(), "7910-0");
        assert_eq!(restore_school_number(Land::Nw, "1624370").unwrap_err().code, "invalid_school_number");
        assert_eq!(restore_school_number(Land::Be, "2K10").unwrap_err().code, "invalid_school_number");
    }

    #[test]
    fn macs() {
        assert_eq!(parse_mac("D6-B4-7B-56-56-12").unwrap(), "d6:b4:7b:56:56:12");
        assert_eq!(parse_mac("d6b4.7b56.5612").unwrap(), "d6:b4:7b:56:56:12");
        assert_eq!(parse_mac("kein Wert").unwrap_err().code, "invalid_mac");
    }
}
