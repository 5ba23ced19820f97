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

/// A table of twelve columns as the Belegliste has them: invoice numbers that must not break,
/// names, dates and amounts.
fn wide_document(rows: usize) -> Document {
    let titles = [
        ("Rechnungsnummer", ColumnKind::Text),
        ("Lieferant", ColumnKind::Text),
        ("Rechnungsdatum", ColumnKind::Date),
        ("Bezahlt am", ColumnKind::Date),
        ("Pos.", ColumnKind::Integer),
        ("Schule", ColumnKind::Text),
        ("Kategorie", ColumnKind::Text),
        ("Brutto", ColumnKind::Money),
        ("Bund", ColumnKind::Money),
        ("Land", ColumnKind::Money),
        ("Eigenanteil", ColumnKind::Money),
        ("Drittmittel", ColumnKind::Money),
    ];
    let date = NaiveDate::from_ymd_opt(2024, 5, 17).unwrap();
    let rows: Vec<Vec<Cell>> = (1..=rows)
        .map(|i| {
            vec![
                Cell::text(format!("RE-2019-{:06}-{:02}", 100_000 + i, i % 10)),
                Cell::text("Computacenter AG"),
                Cell::Date(date),
                Cell::Date(date),
                Cell::Integer(1),
                Cell::text("101209 Albert-Schweitzer-Förderschule Beispielstadt"),
                Cell::text("Anzeige- und Interaktionsgeräte"),
                Cell::Money(97_578_267),
                Cell::Money(87_820_440),
                Cell::Money(0),
                Cell::Money(9_757_827),
                Cell::Money(0),
            ]
        })
        .collect();
    let mut doc = document(3);
    doc.sections.push(Section {
        title: "Belegliste (alle Spalten)".into(),
        blocks: vec![Block::Table(Table {
            sheet: "Belegliste breit".into(),
            columns: titles.iter().map(|(t, k)| Column { title: (*t).into(), kind: *k }).collect(),
            rows,
            totals: None,
            medium: Medium::All,
        })],
    });
    doc
}

/// Page sizes (width, height in points) as pdfinfo reports them.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("pdfinfo").args(["-f", "1", "-l", "9999"]).arg(pdf).output().expect("pdfinfo runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size: "))
        .map(|l| {
            let size = l.split(" size: ").nth(1).unwrap();
            let mut n = size.split_whitespace();
            (n.next().unwrap().parse().unwrap(), n.nth(1).unwrap().parse().unwrap())
        })
        .collect()
}

#[test]
fn a_table_too_wide_for_portrait_is_set_on_numbered_landscape_pages_without_overlapping_cells() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("breit.pdf");
    // Small pieces, so the wide table goes on in later pieces, which must stay landscape too.
    std::fs::write(
        &pdf,
        schulinventar_pdf::render_with(&wide_document(120), schulinventar_pdf::TEMPLATE, 400, &|_| {}).unwrap(),
    )
    .unwrap();
    let sizes = page_sizes(&pdf);
    let landscape: Vec<bool> = sizes.iter().map(|(w, h)| w > h).collect();
    assert!(!landscape[0], "the report starts in portrait: {sizes:?}");
    let first_wide = landscape.iter().position(|l| *l).expect("a landscape page");
    assert!(landscape[first_wide..].iter().all(|l| *l), "the wide table stays landscape to the end: {landscape:?}");
    assert!(landscape.len() - first_wide >= 3, "the table runs over several landscape pages: {landscape:?}");

    let text = pdftotext(&pdf, &["-layout"]);
    let pages = sizes.len();
    for k in 1..=pages {
        assert!(text.contains(&format!("Seite {k} von {pages}")), "page {k} of {pages} numbered, landscape too");
    }
    for i in 1..=120 {
        let number = format!("RE-2019-{:06}-{:02}", 100_000 + i, i % 10);
        assert_eq!(text.matches(&number).count(), 1, "{number} whole and once");
    }

    // No word runs into its neighbour: on every line of every page the words' boxes follow one
    // another without overlapping.
    let boxes = pdftotext(&pdf, &["-bbox"]);
    // Per (page, line position): each word's left and right edge and its text.
    type Word = (f64, f64, String);
    let mut lines: std::collections::BTreeMap<(usize, i64), Vec<Word>> = Default::default();
    let mut page = 0;
    for line in boxes.lines() {
        if line.contains("<page ") {
            page += 1;
        }
        let Some(rest) = line.trim().strip_prefix("<word ") else { continue };
        let attr = |name: &str| -> f64 {
            let at = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            rest[at..].split('"').next().unwrap().parse().unwrap()
        };
        let word = rest.split('>').nth(1).unwrap_or("").split('<').next().unwrap_or("").to_owned();
        lines.entry((page, (attr("yMin") * 2.0).round() as i64)).or_default().push((attr("xMin"), attr("xMax"), word));
    }
    let mut checked = 0;
    for ((page, _), mut words) in lines {
        words.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in words.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0 + 0.5,
                "page {page}: „{}“ runs into „{}“ ({:.1} > {:.1})",
                pair[0].2,
                pair[1].2,
                pair[0].1,
                pair[1].0
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "words compared: {checked}");
}
