//! PDFs read back with pdftotext (poppler-utils): headings, totals, every invoice number, page
//! numbers, hyphenation, the table header repeated on later pages, and hostile text shown as
//! typed rather than evaluated.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use schulinventar_pdf::{render, Progress};
use schulinventar_reports::document::{
    Block, Cell, Chart, Column, ColumnKind, Document, Medium, Section, Series, Table,
};

const HOSTILE: [&str; 7] = ["#panic(\"x\")", "*fett*", "$x^2$", "<marke>", "@verweis", "Rück\\strich", "eckig]"];

fn document(invoices: usize) -> Document {
    let rows: Vec<Vec<Cell>> = (1..=invoices)
        .map(|i| {
            vec![
                Cell::text(format!("RE-2024-{i:04}")),
                Cell::text("Systemhaus Muster GmbH"),
                Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 1 + (i % 28) as u32).unwrap()),
                Cell::Money(119_000 + i as i64),
            ]
        })
        .collect();
    let total: i64 = (1..=invoices).map(|i| 119_000 + i as i64).sum();
    let long = "Die Digitalisierungsmaßnahmenkoordinationsstelle der Schulverwaltungsbehörde bestätigt die \
                Inbetriebnahme der Netzwerkinfrastrukturkomponenten und der Präsentationstechnikausstattung. "
        .repeat(6);
    Document {
        title: "Verwendungsnachweis".into(),
        subtitle: Some("DigitalPakt Schule 2019–2024 (Basis)".into()),
        header: "Stadt Musterhausen".into(),
        created_on: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        slug: "verwendungsnachweis".into(),
        sections: vec![
            Section {
                title: "Zuwendungsempfänger und Bewilligung".into(),
                blocks: vec![Block::Facts {
                    rows: vec![
                        ("Zuwendungsempfänger".into(), Cell::text("Stadt Musterhausen")),
                        ("Zugewiesene Mittel".into(), Cell::Money(100_000_000)),
                    ],
                }],
            },
            Section {
                title: "Sachbericht".into(),
                blocks: vec![
                    Block::Heading { text: "100001 Grundschule Am Bach".into() },
                    Block::Paragraph { text: long },
                    Block::Paragraph { text: HOSTILE.join(" ") },
                ],
            },
            Section {
                title: "Belegliste".into(),
                blocks: vec![
                    Block::Chart(Chart {
                        title: "Geplant und verausgabt".into(),
                        unit: "€".into(),
                        categories: vec!["WLAN".into(), "Mobile Endgeräte".into()],
                        series: vec![
                            Series { name: "geplant".into(), values: vec![110_000.0, 20_000.0] },
                            Series { name: "verausgabt".into(), values: vec![100_000.0, 25_000.0] },
                        ],
                        stacked: false,
                    }),
                    Block::Table(Table {
                        sheet: "Belegliste".into(),
                        columns: vec![
                            Column { title: "Rechnungsnummer".into(), kind: ColumnKind::Text },
                            Column { title: "Lieferant".into(), kind: ColumnKind::Text },
                            Column { title: "Rechnungsdatum".into(), kind: ColumnKind::Date },
                            Column { title: "Brutto".into(), kind: ColumnKind::Money },
                        ],
                        rows,
                        totals: Some(vec![Cell::text("Summe"), Cell::Empty, Cell::Empty, Cell::Money(total)]),
                        medium: Medium::All,
                    }),
                    Block::Signatures { captions: vec!["Ort, Datum".into(), "Unterschrift".into()] },
                ],
            },
        ],
    }
}

fn pdftotext(pdf: &Path, args: &[&str]) -> String {
    let out = Command::new("pdftotext").args(args).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_long_report_reads_back_with_its_headings_totals_pages_and_every_invoice() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = render(&document(150)).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf = dir.path().join("vn.pdf");
    std::fs::write(&pdf, &bytes).unwrap();

    let text = pdftotext(&pdf, &["-layout"]);
    for heading in ["Verwendungsnachweis", "1. Zuwendungsempfänger und Bewilligung", "2. Sachbericht", "3. Belegliste"]
    {
        assert!(text.contains(heading), "{heading} missing");
    }
    assert!(text.contains("1.000.000,00 €"), "the allocation in German money");
    let total: i64 = (1..=150).map(|i| 119_000 + i).sum();
    assert!(text.contains(&schulinventar_reports::document::money(total)), "the total {total}");
    for i in 1..=150 {
        assert!(text.contains(&format!("RE-2024-{i:04}")), "invoice {i} missing");
    }
    assert!(text.contains("Stadt Musterhausen") && text.contains("22.11.2026"), "page header");
    let pages = text.matches("Seite ").count();
    assert!(pages >= 3, "a 150-line list takes several pages, each numbered ({pages})");
    assert!(text.contains(&format!("Seite 1 von {pages}")), "Seite N von M");

    // The table header repeats on the pages the list continues on.
    let last = pdftotext(&pdf, &["-layout", "-f", &pages.to_string(), "-l", &pages.to_string()]);
    assert!(last.contains("Rechnungsnummer") && last.contains("Lieferant"), "header repeated on page {pages}");

    // Long German words are hyphenated in justified text.
    let plain = pdftotext(&pdf, &[]);
    if let Ok(keep) = std::env::var("SCHULINVENTAR_KEEP_PDF") {
        std::fs::copy(&pdf, keep).unwrap();
    }
    // (typst marks the break with a soft hyphen, which pdftotext passes on as U+00AD.)
    let broken = plain
        .lines()
        .filter(|l| l.trim_end().ends_with(['-', '\u{ad}', '\u{2010}']) && !l.trim_end().ends_with(" -"))
        .count();
    assert!(broken >= 2, "long words are broken with a hyphen: {broken}");
}

#[test]
fn markup_in_user_text_is_shown_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("x.pdf");
    std::fs::write(&pdf, render(&document(3)).unwrap()).unwrap();
    let text = pdftotext(&pdf, &[]);
    for s in HOSTILE {
        assert!(text.contains(s), "{s:?} not shown literally in: {text}");
    }
}

#[test]
fn an_empty_report_still_renders() {
    let mut doc = document(0);
    doc.sections.truncate(1);
    doc.subtitle = None;
    let bytes = render(&doc).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
}

#[test]
fn a_report_set_in_pieces_numbers_its_pages_and_sections_throughout() {
    let dir = tempfile::tempdir().unwrap();
    // 120 cells per typesetting run: the list of 150 rows × 4 columns is set in six pieces.
    let seen = std::sync::Mutex::new(Vec::new());
    let bytes = schulinventar_pdf::render_with(&document(150), schulinventar_pdf::TEMPLATE, 120, &|p| {
        seen.lock().unwrap().push(p);
    })
    .unwrap();
    // Progress: every piece reported once as done, counting up to the total, then the rest.
    let seen = seen.into_inner().unwrap();
    let Some(Progress::Typeset { done: 0, total }) = seen.first().copied() else { panic!("starts at 0: {seen:?}") };
    assert!(total >= 6, "six pieces or more ({total})");
    let done: Vec<usize> = seen
        .iter()
        .filter_map(|p| match p {
            Progress::Typeset { done, total: t } if *done > 0 => {
                assert_eq!(*t, total);
                Some(*done)
            }
            _ => None,
        })
        .collect();
    assert_eq!(done, (1..=total).collect::<Vec<_>>(), "each piece counted once, in order of completion");
    assert_eq!(seen[seen.len() - 2..], [Progress::Numbering, Progress::Writing]);
    let pdf = dir.path().join("pieces.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let text = pdftotext(&pdf, &["-layout"]);
    let pages = text.matches("Seite ").count();
    assert!(pages >= 6, "every piece starts a page ({pages} pages)");
    for k in 1..=pages {
        assert!(text.contains(&format!("Seite {k} von {pages}")), "page {k} of {pages} numbered");
    }
    for heading in ["1. Zuwendungsempfänger und Bewilligung", "2. Sachbericht", "3. Belegliste"] {
        assert_eq!(text.matches(heading).count(), 1, "{heading} once, numbered across pieces");
    }
    assert_eq!(text.matches("Verwendungsnachweis").count(), 1, "the title only on the first page");
    for i in 1..=150 {
        assert_eq!(text.matches(&format!("RE-2024-{i:04}")).count(), 1, "invoice {i} exactly once");
    }
    let total: i64 = (1..=150).map(|i| 119_000 + i).sum();
    assert_eq!(text.matches(&schulinventar_reports::document::money(total)).count(), 1, "the total once, at the end");
    assert_eq!(text.matches("Stadt Musterhausen").count(), pages + 1, "the header on every page (and the recipient)");
    let last = pdftotext(&pdf, &["-layout", "-f", &pages.to_string(), "-l", &pages.to_string()]);
    assert!(
        last.contains("Rechnungsnummer") && last.contains("Unterschrift"),
        "columns repeated, signatures at the end"
    );
}
