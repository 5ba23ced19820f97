//! A deterministic German device list for the import benchmark: row `i` is always the same
//! row, so the CSV and the XLSX (its first rows) describe the same devices.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use schulinventar_core::Store;

pub const HEADER: [&str; 10] = [
    "Inventar-Nr.",
    "Seriennummer",
    "Schulnummer",
    "Raum",
    "Gerätetyp",
    "Hersteller",
    "Modell",
    "Anschaffungsdatum",
    "Preis (brutto)",
    "Status",
];

/// A school of the demo database and the numbers of its rooms.
pub struct School {
    pub id: String,
    pub number: String,
    /// (room id, building id, room number)
    pub rooms: Vec<(String, Option<String>, String)>,
}

/// The schools of the database, ordered by school number, with their rooms.
pub fn schools(store: &Store) -> Result<Vec<School>, Box<dyn std::error::Error>> {
    let conn = store.conn();
    let mut schools: Vec<School> = conn
        .prepare("SELECT id, school_number FROM schools WHERE deleted_at IS NULL ORDER BY school_number")?
        .query_map([], |r| Ok(School { id: r.get(0)?, number: r.get(1)?, rooms: Vec::new() }))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT id, building_id, number FROM rooms WHERE school_id = ?1 AND deleted_at IS NULL ORDER BY number",
    )?;
    for s in &mut schools {
        s.rooms = stmt.query_map([&s.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    }
    if schools.is_empty() || schools.iter().any(|s| s.rooms.is_empty()) {
        return Err("the demo database has no schools with rooms".into());
    }
    Ok(schools)
}

/// One device row of the generated list.
pub struct DeviceRow<'a> {
    pub inventory_number: String,
    pub serial_number: String,
    pub school: &'a School,
    /// Index into `school.rooms`.
    pub room: usize,
    pub kind: &'static str,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub purchase_date: NaiveDate,
    pub price_cents: i64,
    pub status: &'static str,
}

/// (type word, manufacturer, model, price range in euros)
const MODELS: &[(&str, &str, &str, (i64, i64))] = &[
    ("Laptop", "Lenovo", "ThinkPad L14 Gen 4", (650, 1100)),
    ("Laptop", "Dell", "Latitude 3540", (600, 1000)),
    ("Laptop", "HP", "ProBook 450 G10", (620, 1050)),
    ("Notebook", "Terra", "Mobile 1460", (480, 800)),
    ("Tablet", "Apple", "iPad 10. Gen", (380, 560)),
    ("Tablet", "Apple", "iPad Air", (620, 900)),
    ("iPad", "Apple", "iPad 9. Gen", (340, 480)),
    ("Tablet", "Samsung", "Galaxy Tab S6 Lite", (260, 380)),
    ("Desktop-PC", "Fujitsu", "Esprimo D7012", (700, 1200)),
    ("Desktop-PC", "Dell", "OptiPlex 7010", (680, 1150)),
    ("PC", "Terra", "PC-Business 5000", (560, 900)),
    ("Thin Client", "Igel", "UD3-M350C", (330, 450)),
];

const STATUS: &[(&str, u64)] =
    &[("im Einsatz", 70), ("in Betrieb", 15), ("Lager", 6), ("defekt", 5), ("ausgesondert", 4)];

/// splitmix64: a fixed pseudo-random stream per row.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Row `i` (0-based). Schools take turns; each school's inventory numbers count up, in a
/// format the demo data does not use (six digits after the school number, not five).
pub fn device_row(i: usize, schools: &[School]) -> DeviceRow<'_> {
    let mut m = Mix(0x5C40_1D47 ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let school = &schools[i % schools.len()];
    let k = i / schools.len() + 1;
    let (kind, manufacturer, model, (lo, hi)) = MODELS[m.below(MODELS.len() as u64) as usize];
    let start = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or_default();
    let purchase_date = start + Duration::days(m.below(9 * 365) as i64);
    let price_cents = (lo * 100 + m.below(((hi - lo) * 100) as u64) as i64) / 10 * 10 + 9 * (i as i64 % 2);
    let mut roll = m.below(100);
    let status = STATUS
        .iter()
        .find(|(_, p)| {
            if roll < *p {
                true
            } else {
                roll -= p;
                false
            }
        })
        .map_or("im Einsatz", |s| s.0);
    let prefix: String = manufacturer.chars().filter(char::is_ascii_alphabetic).take(2).collect();
    DeviceRow {
        inventory_number: format!("{}-{k:06}", school.number),
        // Consecutive serials of one delivery, far from the demo's (31,000,000 + n).
        serial_number: format!("{}{:010}", prefix.to_uppercase(), 70_000_000 + i),
        school,
        room: m.below(school.rooms.len() as u64) as usize,
        kind,
        manufacturer,
        model,
        purchase_date,
        price_cents,
        status,
    }
}

/// 123456 → "1.234,56"
pub fn german_money(cents: i64) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (n, c) in euros.chars().enumerate() {
        if n > 0 && (euros.len() - n) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02}", cents % 100)
}

/// Writes `rows` rows as a German Excel CSV: UTF-8 with BOM, `;`, CRLF, dd.mm.yyyy, 1.234,56.
pub fn write_csv(path: &Path, rows: usize, schools: &[School]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all("\u{feff}".as_bytes())?;
    out.write_all(HEADER.join(";").as_bytes())?;
    out.write_all(b"\r\n")?;
    for i in 0..rows {
        let r = device_row(i, schools);
        let d = r.purchase_date;
        write!(
            out,
            "{};{};{};{};{};{};{};{:02}.{:02}.{};{};{}\r\n",
            r.inventory_number,
            r.serial_number,
            r.school.number,
            r.school.rooms[r.room].2,
            r.kind,
            r.manufacturer,
            r.model,
            d.day(),
            d.month(),
            d.year(),
            german_money(r.price_cents),
            r.status
        )?;
    }
    out.flush()
}

/// Writes the first `rows` rows as an XLSX sheet the way Excel keeps them: the school number
/// and the price as numbers, the purchase date as a date cell.
pub fn write_xlsx(path: &Path, rows: usize, schools: &[School]) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Geräte")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let money = Format::new().set_num_format("#,##0.00 [$€-407]");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for i in 0..rows {
        let r = device_row(i, schools);
        let row = i as u32 + 1;
        let d = r.purchase_date;
        sheet.write_string(row, 0, &r.inventory_number)?;
        sheet.write_string(row, 1, &r.serial_number)?;
        sheet.write_number(row, 2, r.school.number.parse::<f64>().unwrap_or(0.0))?;
        sheet.write_string(row, 3, &r.school.rooms[r.room].2)?;
        sheet.write_string(row, 4, r.kind)?;
        sheet.write_string(row, 5, r.manufacturer)?;
        sheet.write_string(row, 6, r.model)?;
        let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
        sheet.write_datetime_with_format(row, 7, &day, &date)?;
        sheet.write_number_with_format(row, 8, r.price_cents as f64 / 100.0, &money)?;
        sheet.write_string(row, 9, r.status)?;
    }
    book.save(path)
}

#[cfg(test)]
mod tests {
    use super::german_money;

    #[test]
    fn money_the_german_way() {
        assert_eq!(german_money(5), "0,05");
        assert_eq!(german_money(99_999), "999,99");
        assert_eq!(german_money(123_456), "1.234,56");
        assert_eq!(german_money(123_456_789), "1.234.567,89");
    }
}
