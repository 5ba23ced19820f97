//! The Verwendungsnachweis of the worked example of the funding rules (Stadt Musterhausen, six
//! schools, figures computed by hand), rendered as XLSX and read back with calamine, and as CSV.

use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use schulinventar_core::*;
use schulinventar_reports::csv_out::{write_table, CsvStyle};
use schulinventar_reports::document::{Block, Cell, Medium, Table};
use schulinventar_reports::verwendungsnachweis::{build, Split};
use schulinventar_reports::xlsx_out::write_document;

const BASIS: &str = "programme-digitalpakt-basis";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Example {
    dir: tempfile::TempDir,
    store: Store,
    authority: String,
    schools: Vec<String>,
    invoices: i64,
}

impl Example {
    /// Stadt Musterhausen: S1 Grundschule … S6 Berufskolleg (as in core's funding_rules test).
    fn new() -> Example {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("musterhausen.sqlite")).unwrap();
        let a = store
            .create(SchoolAuthorityData {
                name: "Stadt Musterhausen".into(),
                land: Land::Nw,
                ags: Some("05113000".into()),
                authority_number: None,
            })
            .unwrap();
        let types = [
            ("100001", "Grundschule Am Bach", SchoolType::Primary),
            ("100002", "Gymnasium Mitte", SchoolType::Grammar),
            ("100003", "Realschule Nord", SchoolType::Intermediate),
            ("100004", "Gesamtschule Süd", SchoolType::Comprehensive),
            ("100005", "Förderschule West", SchoolType::SpecialNeeds),
            ("100006", "Berufskolleg Ost", SchoolType::Vocational),
        ];
        let schools = types
            .iter()
            .map(|(n, name, ty)| {
                store
                    .create(SchoolData {
                        authority_id: a.id.clone(),
                        land: Land::Nw,
                        school_number: (*n).into(),
                        name: (*name).into(),
                        school_type_label: ty.label().into(),
                        school_type: *ty,
                        street: None,
                        postcode: None,
                        city: Some("Musterhausen".into()),
                        pupils: Some(500),
                        teachers: Some(40),
                        headcount_date: None,
                        social_index: None,
                        notes: None,
                    })
                    .unwrap()
                    .id
            })
            .collect();
        Example { dir, store, authority: a.id, schools, invoices: 0 }
    }

    fn spend(&mut self, school: usize, category: FundingCategory, gross: i64) {
        self.invoices += 1;
        let vat = gross * 19 / 119;
        let inv = self
            .store
            .create(InvoiceData {
                authority_id: self.authority.clone(),
                supplier: "Systemhaus Muster".into(),
                invoice_number: format!("RE-{}", self.invoices),
                invoice_date: date(2023, 5, 2),
                paid_on: Some(date(2023, 6, 1)),
                net_cents: gross - vat,
                vat_cents: vat,
                gross_cents: gross,
                notes: None,
            })
            .unwrap();
        let (federal, land, own) = split_by_shares(gross, 9000, 0);
        self.store
            .create(InvoiceLineData {
                invoice_id: inv.id,
                position: 1,
                description: None,
                school_id: Some(self.schools[school].clone()),
                programme_id: Some(BASIS.into()),
                category,
                net_cents: gross - vat,
                vat_cents: vat,
                gross_cents: gross,
                federal_cents: federal,
                land_cents: land,
                own_cents: own,
                third_party_cents: 0,
                notes: None,
            })
            .unwrap();
    }

    fn measure(&mut self, school: usize, category: FundingCategory, title: &str, planned: i64, approved: i64) {
        self.store
            .create(MeasureData {
                programme_id: BASIS.into(),
                school_id: self.schools[school].clone(),
                category,
                title: title.into(),
                planned_cents: planned,
                status: MeasureStatus::Approved,
                applied_on: Some(date(2022, 3, 1)),
                approved_on: Some(date(2022, 6, 1)),
                file_number: Some(format!("BR-{}", self.schools[school].len() + title.len())),
                approved_cents: Some(approved),
                funding_rate_bp: Some(9000),
                narrative: Some(format!("Ziel erreicht: {title}.")),
                notes: None,
            })
            .unwrap();
    }
}

fn worked_example() -> Example {
    use FundingCategory::*;
    let mut e = Example::new();
    e.store
        .create(AllocationData {
            programme_id: BASIS.into(),
            authority_id: e.authority.clone(),
            school_id: None,
            amount_cents: 100_000_000,
            pupils: None,
            per_pupil_cents: None,
            key_note: None,
            notes: None,
        })
        .unwrap();
    e.spend(0, Wlan, 10_000_000); // S1 100,000.00
    e.spend(0, MobileDevices, 2_000_000); // S1 20,000.00
    e.spend(1, DisplayDevices, 15_000_000); // S2 150,000.00
    e.spend(1, MobileDevices, 3_000_000); // S2 30,000.00
    e.spend(2, Networking, 8_000_000); // S3 80,000.00
    e.spend(2, MobileDevices, 1_000_000); // S3 10,000.00
    e.spend(3, Wlan, 5_000_000); // S4 50,000.00
    e.spend(4, MobileDevices, 500_000); // S5 5,000.00
    e.spend(5, MobileDevices, 20_000_000); // S6 200,000.00
    e.measure(0, Wlan, "WLAN Grundschule", 11_000_000, 10_500_000);
    e.measure(1, DisplayDevices, "Displays Gymnasium", 16_000_000, 15_000_000);
    e.measure(5, MobileDevices, "Tablets Berufskolleg", 20_000_000, 20_000_000);
    e
}

fn tables(doc: &schulinventar_reports::document::Document) -> Vec<&Table> {
    doc.sections
        .iter()
        .flat_map(|s| s.blocks.iter())
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

#[test]
fn the_statement_of_the_worked_example_matches_the_hand_computed_figures() {
    let e = worked_example();
    let (doc, st) = build(e.store.conn(), BASIS, &e.authority, date(2026, 1, 15)).unwrap();

    // By hand: 645,000.00 EUR spent; 90 % federal = 580,500.00; 10 % own = 64,500.00.
    assert_eq!(st.total, Split { gross: 64_500_000, federal: 58_050_000, land: 0, own: 6_450_000, third_party: 0 });
    // Mobile devices: 20,000 + 30,000 + 10,000 + 5,000 + 200,000 = 265,000.00 EUR.
    assert_eq!(st.actual["mobile_devices"].gross, 26_500_000);
    // WLAN: 100,000 + 50,000; networking 80,000; displays 150,000.
    assert_eq!(st.actual["wlan"].gross, 15_000_000);
    assert_eq!(st.actual["networking"].gross, 8_000_000);
    assert_eq!(st.actual["display_devices"].gross, 15_000_000);
    assert_eq!(st.planned_total, 47_000_000, "110,000 + 160,000 + 200,000 planned");
    assert_eq!(st.approved, 45_500_000, "105,000 + 150,000 + 200,000 approved");
    assert_eq!(st.allocated, 100_000_000);
    assert_eq!((st.invoices, st.lines), (9, 9));
    // The categories add up to the total, and every split adds up to its gross.
    let sum: i64 = st.actual.values().map(|s| s.gross).sum();
    assert_eq!(sum, st.total.gross);
    for s in st.actual.values() {
        assert_eq!(s.federal + s.land + s.own + s.third_party, s.gross);
    }

    let t = tables(&doc);
    let statement = t.iter().find(|t| t.sheet == "Zahlenmäßiger Nachweis").unwrap();
    let totals = statement.totals.as_ref().unwrap();
    assert_eq!(totals[1], Cell::Money(47_000_000));
    assert_eq!(
        &totals[2..7],
        &[Cell::Money(64_500_000), Cell::Money(58_050_000), Cell::Money(0), Cell::Money(6_450_000), Cell::Money(0)]
    );
    let invoices = t.iter().find(|t| t.sheet == "Belegliste").unwrap();
    assert_eq!(invoices.rows.len(), 9);
    let listed: i64 = invoices.rows.iter().map(|r| if let Cell::Money(c) = r[7] { c } else { 0 }).sum();
    assert_eq!(listed, 64_500_000, "the invoice list adds up to the statement");
    // The Sachbericht names every school with a measure and its narrative.
    let text: Vec<String> = doc
        .sections
        .iter()
        .find(|s| s.title == "Sachbericht")
        .unwrap()
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading { text } | Block::Paragraph { text } => text.clone(),
            _ => String::new(),
        })
        .collect();
    assert!(text.contains(&"100001 Grundschule Am Bach".to_owned()), "{text:?}");
    assert!(text.iter().any(|t| t.contains("Ziel erreicht: Displays Gymnasium.")));
}

#[test]
fn the_workbook_reads_back_with_numbers_dates_and_the_same_totals() {
    let e = worked_example();
    let (doc, _) = build(e.store.conn(), BASIS, &e.authority, date(2026, 1, 15)).unwrap();
    let path = e.dir.path().join("vn.xlsx");
    write_document(&doc, std::fs::File::create(&path).unwrap()).unwrap();

    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names, vec!["Übersicht", "Bewilligungen", "Zahlenmäßiger Nachweis", "Belegliste", "Inventarliste"]);
    let statement = wb.worksheet_range("Zahlenmäßiger Nachweis").unwrap();
    let header: Vec<String> = statement.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["Kategorie", "Geplant", "Ist (brutto)", "Bund", "Land", "Eigenanteil", "Drittmittel"]);
    let last = statement.rows().next_back().unwrap();
    assert_eq!(last[0], Data::String("Summe".into()));
    assert_eq!(last[2], Data::Float(645_000.0), "money is a number in euros");
    assert_eq!(last[3], Data::Float(580_500.0));
    assert_eq!(last[5], Data::Float(64_500.0));
    let sum: f64 = statement.rows().skip(1).take(statement.height() - 2).map(|r| r[2].as_f64().unwrap()).sum();
    assert!((sum - 645_000.0).abs() < 0.005, "the category rows add up to the totals row: {sum}");

    let list = wb.worksheet_range("Belegliste").unwrap();
    assert_eq!(list.height(), 1 + 9 + 1);
    let first = list.rows().nth(1).unwrap();
    assert_eq!(first[0], Data::String("RE-1".into()));
    assert!(matches!(first[2], Data::DateTime(_)), "the invoice date is a real date: {:?}", first[2]);
    assert_eq!(first[2].as_date(), Some(date(2023, 5, 2)));
}

#[test]
fn csv_of_the_statement_is_german_or_plain_and_reads_back() {
    let e = worked_example();
    let (doc, _) = build(e.store.conn(), BASIS, &e.authority, date(2026, 1, 15)).unwrap();
    let statement = tables(&doc).into_iter().find(|t| t.sheet == "Zahlenmäßiger Nachweis").unwrap().clone();
    let german = String::from_utf8(write_table(Vec::new(), &statement, CsvStyle::German).unwrap()).unwrap();
    assert!(german.starts_with("\u{feff}Kategorie;Geplant;Ist (brutto);"));
    assert!(german.contains("Summe;470000,00;645000,00;580500,00;0,00;64500,00;0,00\r\n"), "{german}");
    let plain = write_table(Vec::new(), &statement, CsvStyle::Plain).unwrap();
    let mut reader = csv::Reader::from_reader(plain.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), statement.rows.len() + 1);
    let total: f64 = rows[..rows.len() - 1].iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
    assert_eq!(format!("{total:.2}"), "645000.00");
    assert_eq!(&rows[rows.len() - 1][2], "645000.00");
}

#[test]
fn the_printed_inventory_names_every_linked_item_once_per_invoice_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = schulinventar_core::Store::open(&dir.path().join("demo.sqlite")).unwrap();
    schulinventar_core::demo::generate(&mut store, schulinventar_core::demo::Scale::Small, 3, &mut |_, _| {}).unwrap();
    let request = schulinventar_reports::ReportRequest {
        kind: schulinventar_reports::ReportKind::Verwendungsnachweis,
        programme_id: Some(BASIS.into()),
        authority_id: None,
        school_number: None,
        months: None,
    };
    let doc = schulinventar_reports::build(store.conn(), &request, date(2026, 1, 15)).unwrap();
    let t = tables(&doc);
    let full = t.iter().find(|t| t.sheet == "Inventarliste").unwrap();
    let print = t.iter().find(|t| t.sheet == "Inventar je Position").unwrap();
    assert_eq!(full.medium, Medium::Spreadsheet);
    assert_eq!(print.medium, Medium::Print);
    assert!(full.rows.len() > print.rows.len() && !print.rows.is_empty(), "{} items", full.rows.len());

    let text = |c: &Cell| if let Cell::Text(s) = c { s.clone() } else { String::new() };
    // One printed row per invoice line; its count and numbers are those of the full list.
    let mut per_line: std::collections::BTreeMap<(String, String), Vec<Vec<Cell>>> = Default::default();
    for r in &full.rows {
        per_line.entry((text(&r[0]), r[1].display())).or_default().push(r.clone());
    }
    assert_eq!(per_line.len(), print.rows.len());
    for row in &print.rows {
        let items = &per_line[&(text(&row[0]), row[1].display())];
        assert_eq!(row[4], Cell::Integer(items.len() as i64), "count of {:?}", row[0]);
        let names: Vec<String> = text(&row[5]).split(", ").map(str::to_owned).collect();
        let expected: Vec<String> =
            items.iter().map(|i| if i[3] == Cell::Empty { text(&i[4]) } else { text(&i[3]) }).collect();
        assert_eq!(names, expected, "numbers of {:?}", row[0]);
        let retired: Vec<String> = items
            .iter()
            .filter(|i| text(&i[7]) == "ausgemustert")
            .map(|i| if i[3] == Cell::Empty { text(&i[4]) } else { text(&i[3]) })
            .collect();
        assert_eq!(text(&row[7]), retired.join(", "), "retired items of {:?}", row[0]);
        assert_eq!(row[6], items[0][6], "earmark end");
    }
    assert_eq!(print.totals.as_ref().unwrap()[4], Cell::Integer(full.rows.len() as i64));
    // The PDF gets the printed form, the spreadsheet the full one.
    let mut wb_file = Vec::new();
    write_document(&doc, std::io::Cursor::new(&mut wb_file)).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(wb_file)).unwrap();
    assert!(wb.sheet_names().contains(&"Inventarliste".to_owned()));
    assert!(!wb.sheet_names().iter().any(|n| n.starts_with("Inventar je")));
    assert_eq!(wb.worksheet_range("Inventarliste").unwrap().height(), 1 + full.rows.len());
}
