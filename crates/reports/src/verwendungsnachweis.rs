//! The Verwendungsnachweis (proof of use) of one programme for one Schulträger: recipient and
//! approval data, the Sachbericht per school from the measures' narratives, the financial
//! statement by funding category (planned vs actual, split by source), the invoice list, the
//! inventory list tied to the invoices, and the declarations. Every sum is in integer cents and
//! reconciles with the invoice lines to the cent.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use schulinventar_core::funding::budgets;
use schulinventar_core::ledger::earmark_end;
use schulinventar_core::{CoreError, FundingCategory, ItemEntity, MeasureStatus};

use crate::document::{money, Block, Cell, Chart, Column, ColumnKind, Document, Medium, Section, Series, Table};

/// Money of invoice lines: gross and its split by source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub gross: i64,
    pub federal: i64,
    pub land: i64,
    pub own: i64,
    pub third_party: i64,
}

impl Split {
    fn add(&mut self, o: &Split) {
        self.gross += o.gross;
        self.federal += o.federal;
        self.land += o.land;
        self.own += o.own;
        self.third_party += o.third_party;
    }
}

/// The figures of the statement, for checks and tests: per category (code) planned and actual.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    pub planned: BTreeMap<String, i64>,
    pub actual: BTreeMap<String, Split>,
    pub total: Split,
    pub planned_total: i64,
    pub allocated: i64,
    pub approved: i64,
    pub invoices: usize,
    pub lines: usize,
    pub items: usize,
}

struct Line {
    invoice_number: String,
    supplier: String,
    invoice_date: NaiveDate,
    paid_on: Option<NaiveDate>,
    position: i64,
    school: Option<String>,
    category: String,
    money: Split,
    id: String,
}

fn date(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

fn category_label(code: &str) -> String {
    FundingCategory::from_code(code).map_or_else(|| code.to_owned(), |c| c.label().to_owned())
}

fn money_columns() -> Vec<Column> {
    ["Brutto", "Bund", "Land", "Eigenanteil", "Drittmittel"]
        .iter()
        .map(|t| Column { title: (*t).into(), kind: ColumnKind::Money })
        .collect()
}

fn money_cells(s: &Split) -> Vec<Cell> {
    vec![
        Cell::Money(s.gross),
        Cell::Money(s.federal),
        Cell::Money(s.land),
        Cell::Money(s.own),
        Cell::Money(s.third_party),
    ]
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn col(title: &str, kind: ColumnKind) -> Column {
    Column { title: title.into(), kind }
}

/// Builds the Verwendungsnachweis and returns it with its figures.
pub fn build(
    conn: &Connection,
    programme_id: &str,
    authority_id: &str,
    today: NaiveDate,
) -> Result<(Document, Statement), CoreError> {
    let (programme, short, from, to, earmark_years, federal_bp, min_own_bp) = conn
        .query_row(
            "SELECT name, coalesce(short_name, name), eligible_from, eligible_to, earmark_years, federal_share_bp,
                    min_cofinancing_bp
             FROM programmes WHERE id = ?1 AND deleted_at IS NULL",
            [programme_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| CoreError::not_found("programme", programme_id))?;
    let (authority, land, ags) = conn
        .query_row(
            "SELECT name, land, ags FROM school_authorities WHERE id = ?1 AND deleted_at IS NULL",
            [authority_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::not_found("school_authority", authority_id))?;

    let mut st = Statement::default();
    let budget = budgets(conn, Some(programme_id), None)?
        .into_iter()
        .find(|b| b.authority_id == authority_id && b.school_id.is_none());
    st.allocated = budget.as_ref().map_or(0, |b| b.allocated_cents);

    // Measures: approval data and the Sachbericht.
    struct Measure {
        school: String,
        title: String,
        category: String,
        status: String,
        planned: i64,
        approved: Option<i64>,
        applied_on: Option<NaiveDate>,
        approved_on: Option<NaiveDate>,
        file_number: Option<String>,
        rate_bp: Option<i64>,
        narrative: Option<String>,
    }
    let measures: Vec<Measure> = {
        let mut stmt = conn.prepare(
            "SELECT s.school_number || ' ' || s.name, m.title, m.category, m.status, m.planned_cents, m.approved_cents,
                    m.applied_on, m.approved_on, m.file_number, m.funding_rate_bp, m.narrative
             FROM measures m JOIN schools s ON s.id = m.school_id
             WHERE m.deleted_at IS NULL AND m.programme_id = ?1 AND s.authority_id = ?2 AND m.status <> 'withdrawn'
             ORDER BY s.school_number, m.title, m.id",
        )?;
        let rows = stmt.query_map([programme_id, authority_id], |r| {
            Ok(Measure {
                school: r.get(0)?,
                title: r.get(1)?,
                category: r.get(2)?,
                status: r.get(3)?,
                planned: r.get(4)?,
                approved: r.get(5)?,
                applied_on: date(r.get(6)?),
                approved_on: date(r.get(7)?),
                file_number: r.get(8)?,
                rate_bp: r.get(9)?,
                narrative: r.get(10)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for m in &measures {
        *st.planned.entry(m.category.clone()).or_default() += m.planned;
        st.planned_total += m.planned;
        if matches!(m.status.as_str(), "approved" | "amended" | "completed") {
            st.approved += m.approved.unwrap_or(0);
        }
    }

    // Invoice lines of the programme at this Schulträger.
    let lines: Vec<Line> = {
        let mut stmt = conn.prepare(
            "SELECT i.invoice_number, i.supplier, i.invoice_date, i.paid_on, l.position,
                    s.school_number || ' ' || s.name, l.category, l.gross_cents, l.federal_cents, l.land_cents,
                    l.own_cents, l.third_party_cents, l.id
             FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
             LEFT JOIN schools s ON s.id = l.school_id
             WHERE l.deleted_at IS NULL AND i.deleted_at IS NULL AND l.programme_id = ?1 AND i.authority_id = ?2
             ORDER BY i.invoice_date, i.invoice_number, l.position, l.id",
        )?;
        let rows = stmt.query_map([programme_id, authority_id], |r| {
            Ok(Line {
                invoice_number: r.get(0)?,
                supplier: r.get(1)?,
                invoice_date: date(r.get(2)?).unwrap_or_default(),
                paid_on: date(r.get(3)?),
                position: r.get(4)?,
                school: r.get(5)?,
                category: r.get(6)?,
                money: Split {
                    gross: r.get(7)?,
                    federal: r.get(8)?,
                    land: r.get(9)?,
                    own: r.get(10)?,
                    third_party: r.get(11)?,
                },
                id: r.get(12)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut invoice_numbers = std::collections::BTreeSet::new();
    for l in &lines {
        st.actual.entry(l.category.clone()).or_default().add(&l.money);
        st.total.add(&l.money);
        invoice_numbers.insert((l.supplier.clone(), l.invoice_number.clone()));
    }
    st.invoices = invoice_numbers.len();
    st.lines = lines.len();

    // 1. Recipient and approval.
    let period = match (date(from), date(to)) {
        (Some(a), Some(b)) => format!("{} – {}", a.format("%d.%m.%Y"), b.format("%d.%m.%Y")),
        (Some(a), None) => format!("ab {}", a.format("%d.%m.%Y")),
        (None, Some(b)) => format!("bis {}", b.format("%d.%m.%Y")),
        (None, None) => "unbefristet".into(),
    };
    let mut recipient = Section {
        title: "Zuwendungsempfänger und Bewilligung".into(),
        blocks: vec![Block::Facts {
            rows: vec![
                ("Zuwendungsempfänger (Schulträger)".into(), text(authority.clone())),
                ("Land".into(), text(land)),
                ("Amtlicher Gemeindeschlüssel".into(), text(ags.unwrap_or_else(|| "–".into()))),
                ("Förderprogramm".into(), text(programme.clone())),
                ("Förderzeitraum".into(), text(period)),
                ("Bundesanteil höchstens".into(), Cell::Percent(federal_bp as f64 / 10_000.0)),
                ("Eigenanteil mindestens".into(), Cell::Percent(min_own_bp as f64 / 10_000.0)),
                ("Zugewiesene Mittel".into(), Cell::Money(st.allocated)),
                ("Bewilligt".into(), Cell::Money(st.approved)),
                ("Verausgabt (brutto)".into(), Cell::Money(st.total.gross)),
            ],
        }],
    };
    let approvals: Vec<Vec<Cell>> = measures
        .iter()
        .filter(|m| m.file_number.is_some() || m.approved.is_some())
        .map(|m| {
            vec![
                text(m.school.clone()),
                text(m.title.clone()),
                text(category_label(&m.category)),
                m.applied_on.map_or(Cell::Empty, Cell::Date),
                m.approved_on.map_or(Cell::Empty, Cell::Date),
                m.file_number.clone().map_or(Cell::Empty, Cell::Text),
                m.approved.map_or(Cell::Empty, Cell::Money),
                m.rate_bp.map_or(Cell::Empty, |bp| Cell::Percent(bp as f64 / 10_000.0)),
            ]
        })
        .collect();
    if !approvals.is_empty() {
        let approved_sum: i64 = measures
            .iter()
            .filter(|m| m.file_number.is_some() || m.approved.is_some())
            .filter_map(|m| m.approved)
            .sum();
        recipient.blocks.push(Block::Heading { text: "Bewilligungen".into() });
        recipient.blocks.push(Block::Table(Table {
            sheet: "Bewilligungen".into(),
            columns: vec![
                col("Schule", ColumnKind::Text),
                col("Maßnahme", ColumnKind::Text),
                col("Kategorie", ColumnKind::Text),
                col("Beantragt am", ColumnKind::Date),
                col("Bewilligt am", ColumnKind::Date),
                col("Aktenzeichen", ColumnKind::Text),
                col("Bewilligt", ColumnKind::Money),
                col("Fördersatz", ColumnKind::Percent),
            ],
            rows: approvals,
            totals: Some(vec![
                text("Summe"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Money(approved_sum),
                Cell::Empty,
            ]),
            medium: Medium::All,
        }));
    }

    // 2. Sachbericht per school.
    let mut report = Section { title: "Sachbericht".into(), blocks: Vec::new() };
    let mut current: Option<&str> = None;
    for m in &measures {
        if current != Some(m.school.as_str()) {
            report.blocks.push(Block::Heading { text: m.school.clone() });
            current = Some(m.school.as_str());
        }
        let status = MeasureStatus::from_code(&m.status).map_or(m.status.as_str(), |s| s.label());
        let narrative = m.narrative.as_deref().map(str::trim).filter(|n| !n.is_empty());
        report.blocks.push(Block::Paragraph {
            text: format!(
                "{} ({}, {}; geplant {}): {}",
                m.title,
                category_label(&m.category),
                status,
                money(m.planned),
                narrative.unwrap_or("Kein Sachbericht erfasst.")
            ),
        });
    }
    if measures.is_empty() {
        report.blocks.push(Block::Paragraph { text: "Für dieses Programm sind keine Maßnahmen erfasst.".into() });
    }

    // 3. Financial statement by category.
    let mut codes: Vec<String> = st.planned.keys().chain(st.actual.keys()).cloned().collect();
    codes.sort_by_key(|c| FundingCategory::ALL.iter().position(|x| x.code() == c).unwrap_or(usize::MAX));
    codes.dedup();
    let mut columns = vec![col("Kategorie", ColumnKind::Text), col("Geplant", ColumnKind::Money)];
    columns.extend(money_columns());
    columns[2].title = "Ist (brutto)".into();
    let rows: Vec<Vec<Cell>> = codes
        .iter()
        .map(|c| {
            let mut row = vec![text(category_label(c)), Cell::Money(st.planned.get(c).copied().unwrap_or(0))];
            row.extend(money_cells(&st.actual.get(c).copied().unwrap_or_default()));
            row
        })
        .collect();
    let mut totals = vec![text("Summe"), Cell::Money(st.planned_total)];
    totals.extend(money_cells(&st.total));
    let statement = Section {
        title: "Zahlenmäßiger Nachweis".into(),
        blocks: vec![
            Block::Paragraph {
                text: format!(
                    "Ausgaben nach Förderbereichen, geplant laut Maßnahmen und tatsächlich laut Rechnungen, aufgeteilt nach \
                     Finanzierungsquellen. Eigenanteil insgesamt: {} von {} ({}).",
                    money(st.total.own + st.total.third_party),
                    money(st.total.gross),
                    if st.total.gross > 0 {
                        format!(
                            "{} %",
                            crate::document::decimal(
                                (st.total.own + st.total.third_party) as f64 * 100.0 / st.total.gross as f64,
                                1
                            )
                        )
                    } else {
                        "–".into()
                    }
                ),
            },
            Block::Table(Table { sheet: "Zahlenmäßiger Nachweis".into(), columns, rows, totals: Some(totals), medium: Medium::All }),
            Block::Chart(Chart {
                title: "Geplant und verausgabt je Förderbereich".into(),
                unit: "€".into(),
                categories: codes.iter().map(|c| category_label(c)).collect(),
                series: vec![
                    Series {
                        name: "geplant".into(),
                        values: codes.iter().map(|c| st.planned.get(c).copied().unwrap_or(0) as f64 / 100.0).collect(),
                    },
                    Series {
                        name: "verausgabt".into(),
                        values: codes
                            .iter()
                            .map(|c| st.actual.get(c).map_or(0, |s| s.gross) as f64 / 100.0)
                            .collect(),
                    },
                ],
                stacked: false,
            }),
        ],
    };

    // 4. Invoice list.
    let mut columns = vec![
        col("Rechnungsnummer", ColumnKind::Text),
        col("Lieferant", ColumnKind::Text),
        col("Rechnungsdatum", ColumnKind::Date),
        col("Bezahlt am", ColumnKind::Date),
        col("Pos.", ColumnKind::Integer),
        col("Schule", ColumnKind::Text),
        col("Kategorie", ColumnKind::Text),
    ];
    columns.extend(money_columns());
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            let mut row = vec![
                text(l.invoice_number.clone()),
                text(l.supplier.clone()),
                Cell::Date(l.invoice_date),
                l.paid_on.map_or(Cell::Empty, Cell::Date),
                Cell::Integer(l.position),
                l.school.clone().map_or(Cell::Empty, Cell::Text),
                text(category_label(&l.category)),
            ];
            row.extend(money_cells(&l.money));
            row
        })
        .collect();
    let mut totals = vec![text("Summe"), Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty];
    totals.extend(money_cells(&st.total));
    let invoices = Section {
        title: "Belegliste".into(),
        blocks: vec![
            Block::Paragraph {
                text: format!("{} Rechnungen mit {} Positionen aus dem Programm {short}.", st.invoices, st.lines),
            },
            Block::Table(Table {
                sheet: "Belegliste".into(),
                columns,
                rows,
                totals: Some(totals),
                medium: Medium::All,
            }),
        ],
    };

    // 5. Inventory tied to the invoices.
    let line_of: BTreeMap<&str, &Line> = lines.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut item_rows: Vec<Vec<Cell>> = Vec::new();
    let mut line_groups: Vec<LineGroup> = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT x.line_id, x.item_entity, x.item_id FROM invoice_items x
             JOIN invoice_lines l ON l.id = x.line_id JOIN invoices i ON i.id = l.invoice_id
             WHERE x.deleted_at IS NULL AND l.deleted_at IS NULL AND i.deleted_at IS NULL
               AND l.programme_id = ?1 AND i.authority_id = ?2
             ORDER BY i.invoice_date, i.invoice_number, l.position, x.id",
        )?;
        let rows = stmt.query_map([programme_id, authority_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (line_id, entity, item_id) = row?;
            let Some(line) = line_of.get(line_id.as_str()) else { continue };
            let kind = ItemEntity::from_code(&entity);
            let kind_label = kind.map_or(entity.clone(), |k| k.label().to_owned());
            let item = schulinventar_core::ledger::item_ref(conn, &item_id)?;
            let retired = item.as_ref().is_some_and(|i| i.retired);
            // What names the item in print: its inventory number, else its label.
            let name = item
                .as_ref()
                .map(|i| i.inventory_number.clone().unwrap_or_else(|| i.label.clone()))
                .unwrap_or_else(|| format!("{kind_label} {item_id}"));
            if line_groups.last().is_none_or(|g: &LineGroup| g.line.id != line.id) {
                line_groups.push(LineGroup::new(line));
            }
            let group = line_groups.last_mut().expect("a group was pushed");
            group.count += 1;
            if !group.kinds.contains(&kind_label) {
                group.kinds.push(kind_label.clone());
            }
            if let Some(school) = item.as_ref().and_then(|i| i.school.clone()) {
                if !group.schools.contains(&school) {
                    group.schools.push(school);
                }
            }
            if retired {
                group.retired.push(name.clone());
            }
            group.names.push(name);
            item_rows.push(vec![
                text(line.invoice_number.clone()),
                Cell::Integer(line.position),
                text(kind_label),
                item.as_ref().and_then(|i| i.inventory_number.clone()).map_or(Cell::Empty, Cell::Text),
                item.as_ref().map_or(Cell::Empty, |i| text(i.label.clone())),
                item.as_ref().and_then(|i| i.school.clone()).map_or(Cell::Empty, Cell::Text),
                earmark_end(line.invoice_date, earmark_years).map_or(Cell::Empty, Cell::Date),
                text(if retired { "ausgemustert" } else { "im Bestand" }),
            ]);
        }
    }
    // In print, one row per invoice line with the numbers of its items: the full list of every
    // item is hundreds of pages at municipality scale and stays in the spreadsheet.
    let line_rows: Vec<Vec<Cell>> = line_groups
        .iter()
        .map(|g| {
            vec![
                text(g.line.invoice_number.clone()),
                Cell::Integer(g.line.position),
                g.line.school.clone().map_or_else(|| text(g.schools.join(", ")), Cell::Text),
                text(g.kinds.join(", ")),
                Cell::Integer(g.count as i64),
                text(g.names.join(", ")),
                earmark_end(g.line.invoice_date, earmark_years).map_or(Cell::Empty, Cell::Date),
                if g.retired.is_empty() { Cell::Empty } else { text(g.retired.join(", ")) },
            ]
        })
        .collect();
    st.items = item_rows.len();
    let inventory = Section {
        title: "Inventarliste".into(),
        blocks: vec![
            Block::Paragraph {
                text: format!(
                    "{} Gegenstände sind mit Rechnungspositionen dieses Programms verknüpft{}. Die Liste \
                     nennt sie je Rechnungsposition; die Tabellenausgabe (XLSX, CSV) führt jeden Gegenstand \
                     mit Bezeichnung und Stand einzeln auf.",
                    st.items,
                    if earmark_years > 0 {
                        format!("; Zweckbindung {earmark_years} Jahre ab Rechnungsdatum")
                    } else {
                        String::new()
                    }
                ),
            },
            Block::Table(Table {
                sheet: "Inventar je Position".into(),
                columns: vec![
                    col("Rechnungsnummer", ColumnKind::Text),
                    col("Pos.", ColumnKind::Integer),
                    col("Schule", ColumnKind::Text),
                    col("Art", ColumnKind::Text),
                    col("Anzahl", ColumnKind::Integer),
                    col("Inventarnummern", ColumnKind::Text),
                    col("Zweckbindung bis", ColumnKind::Date),
                    col("ausgemustert", ColumnKind::Text),
                ],
                rows: line_rows,
                totals: Some(vec![
                    text("Summe"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Integer(st.items as i64),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ]),
                medium: Medium::Print,
            }),
            Block::Table(Table {
                sheet: "Inventarliste".into(),
                columns: vec![
                    col("Rechnungsnummer", ColumnKind::Text),
                    col("Pos.", ColumnKind::Integer),
                    col("Art", ColumnKind::Text),
                    col("Inventarnummer", ColumnKind::Text),
                    col("Bezeichnung", ColumnKind::Text),
                    col("Schule", ColumnKind::Text),
                    col("Zweckbindung bis", ColumnKind::Date),
                    col("Stand", ColumnKind::Text),
                ],
                rows: item_rows,
                totals: None,
                medium: Medium::Spreadsheet,
            }),
        ],
    };

    // 6. Declarations.
    let declarations = Section {
        title: "Erklärungen".into(),
        blocks: vec![
            Block::Paragraph {
                text: "Es wird bestätigt, dass die Zuwendung nach den Bestimmungen des Zuwendungsbescheids und der \
                       Förderrichtlinie verwendet wurde, dass die Ausgaben notwendig waren und wirtschaftlich und sparsam \
                       verfahren wurde, und dass die Angaben in diesem Nachweis mit den Büchern und Belegen übereinstimmen."
                    .into(),
            },
            Block::Paragraph {
                text: format!(
                    "Die Originalbelege werden beim Schulträger {authority} mindestens fünf Jahre nach Vorlage dieses \
                     Nachweises aufbewahrt. Die geförderten Gegenstände bleiben während der Zweckbindung im Inventar."
                ),
            },
            Block::Signatures { captions: vec!["Ort, Datum".into(), "Unterschrift, Name und Funktion".into()] },
        ],
    };

    let doc = Document {
        title: "Verwendungsnachweis".into(),
        subtitle: Some(programme),
        header: authority,
        created_on: today,
        slug: "verwendungsnachweis".into(),
        sections: vec![recipient, report, statement, invoices, inventory, declarations],
    };
    Ok((doc, st))
}

/// The items of one invoice line, for the printed inventory list.
struct LineGroup<'a> {
    line: &'a Line,
    count: usize,
    kinds: Vec<String>,
    schools: Vec<String>,
    names: Vec<String>,
    retired: Vec<String>,
}

impl<'a> LineGroup<'a> {
    fn new(line: &'a Line) -> LineGroup<'a> {
        LineGroup { line, count: 0, kinds: Vec::new(), schools: Vec::new(), names: Vec::new(), retired: Vec::new() }
    }
}
