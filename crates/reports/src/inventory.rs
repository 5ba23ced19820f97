//! Inventory, KPI and lifecycle reports: what a school (or every school) has, by building and
//! room; the municipality's key figures per school; and what runs out of warranty or reaches
//! its replacement age soon, with the estimated cost.

use chrono::{Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension};
use schulinventar_core::kpi::{lifecycle_items, ratio, school_kpis, SchoolKpi};
use schulinventar_core::{AssetStatus, CoreError, DeviceCategory, PresentationKind, UplinkTechnology, WifiStandard};

use crate::document::{money, Block, Cell, Chart, Column, ColumnKind, Document, Medium, Section, Series, Table};

fn col(title: &str, kind: ColumnKind) -> Column {
    Column { title: title.into(), kind }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_text(s: Option<String>) -> Cell {
    s.map_or(Cell::Empty, Cell::Text)
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

/// One school chosen by number, or all.
fn school_filter(conn: &Connection, school_number: Option<&str>) -> Result<(Option<String>, String), CoreError> {
    match school_number {
        None => Ok((None, "Alle Schulen".into())),
        Some(n) => {
            let (id, name): (String, String) = conn
                .query_row(
                    "SELECT id, school_number || ' ' || name FROM schools WHERE school_number = ?1 AND deleted_at IS NULL",
                    [n],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| CoreError::not_found("school", n))?;
            Ok((Some(id), name))
        }
    }
}

fn header_for(conn: &Connection, school_id: Option<&str>) -> Result<String, CoreError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT a.name FROM school_authorities a JOIN schools s ON s.authority_id = a.id
             WHERE a.deleted_at IS NULL AND (?1 IS NULL OR s.id = ?1) ORDER BY a.name",
        )?
        .query_map([school_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(match names.len() {
        0 => "Schulinventar".into(),
        1 => names[0].clone(),
        n => format!("{n} Schulträger"),
    })
}

/// The inventory of one school (by number) or of all: one table per kind of item, ordered by
/// school, building and room.
pub fn inventory(conn: &Connection, school_number: Option<&str>, today: NaiveDate) -> Result<Document, CoreError> {
    let (school_id, scope) = school_filter(conn, school_number)?;
    let place = "SELECT s.school_number, b.name, r.number, r.name";
    let from = |table: &str| {
        format!(
            "FROM {table} t JOIN schools s ON s.id = t.school_id LEFT JOIN buildings b ON b.id = t.building_id
             LEFT JOIN rooms r ON r.id = t.room_id
             WHERE t.deleted_at IS NULL AND (?1 IS NULL OR t.school_id = ?1)
             ORDER BY s.school_number, b.name, r.number, t.inventory_number, t.id"
        )
    };
    let place_cols = || {
        vec![
            col("Schulnummer", ColumnKind::Text),
            col("Gebäude", ColumnKind::Text),
            col("Raum", ColumnKind::Text),
            col("Raumbezeichnung", ColumnKind::Text),
        ]
    };
    let mut sections = Vec::new();
    let mut counts = Vec::new();

    // Devices.
    let mut rows = Vec::new();
    let mut total = 0i64;
    {
        let sql = format!(
            "{place}, t.inventory_number, t.category, t.manufacturer, t.model, t.serial_number, t.status, t.purchase_date,
                    t.warranty_end, t.price_cents {}",
            from("devices")
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut q = stmt.query([&school_id])?;
        while let Some(r) = q.next()? {
            let price: Option<i64> = r.get(12)?;
            total += price.unwrap_or(0);
            rows.push(vec![
                text(r.get::<_, String>(0)?),
                opt_text(r.get(1)?),
                opt_text(r.get(2)?),
                opt_text(r.get(3)?),
                opt_text(r.get(4)?),
                text(DeviceCategory::from_code(&r.get::<_, String>(5)?).map_or("", |c| c.label())),
                opt_text(r.get(6)?),
                opt_text(r.get(7)?),
                opt_text(r.get(8)?),
                text(AssetStatus::from_code(&r.get::<_, String>(9)?).map_or("", |c| c.label())),
                date(r.get(10)?).map_or(Cell::Empty, Cell::Date),
                date(r.get(11)?).map_or(Cell::Empty, Cell::Date),
                price.map_or(Cell::Empty, Cell::Money),
            ]);
        }
    }
    let mut columns = place_cols();
    columns.extend([
        col("Inventarnummer", ColumnKind::Text),
        col("Gerätetyp", ColumnKind::Text),
        col("Hersteller", ColumnKind::Text),
        col("Modell", ColumnKind::Text),
        col("Seriennummer", ColumnKind::Text),
        col("Status", ColumnKind::Text),
        col("Anschaffungsdatum", ColumnKind::Date),
        col("Garantie bis", ColumnKind::Date),
        col("Preis", ColumnKind::Money),
    ]);
    counts.push(("Geräte", rows.len()));
    let mut totals = vec![Cell::Empty; columns.len()];
    totals[0] = text(format!("{} Geräte", rows.len()));
    totals[12] = Cell::Money(total);
    sections.push(Section {
        title: "Geräte".into(),
        blocks: vec![Block::Table(Table {
            sheet: "Geräte".into(),
            columns,
            rows,
            totals: Some(totals),
            medium: Medium::All,
        })],
    });

    // Access points.
    let mut rows = Vec::new();
    {
        let sql = format!(
            "{place}, t.inventory_number, t.manufacturer, t.model, t.mac_address, t.wifi_standard, t.status, t.purchase_date {}",
            from("access_points")
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut q = stmt.query([&school_id])?;
        while let Some(r) = q.next()? {
            rows.push(vec![
                text(r.get::<_, String>(0)?),
                opt_text(r.get(1)?),
                opt_text(r.get(2)?),
                opt_text(r.get(3)?),
                opt_text(r.get(4)?),
                opt_text(r.get(5)?),
                opt_text(r.get(6)?),
                opt_text(r.get(7)?),
                opt_text(
                    r.get::<_, Option<String>>(8)?
                        .map(|w| WifiStandard::from_code(&w).map_or(w.clone(), |s| s.label().into())),
                ),
                text(AssetStatus::from_code(&r.get::<_, String>(9)?).map_or("", |c| c.label())),
                date(r.get(10)?).map_or(Cell::Empty, Cell::Date),
            ]);
        }
    }
    let mut columns = place_cols();
    columns.extend([
        col("Inventarnummer", ColumnKind::Text),
        col("Hersteller", ColumnKind::Text),
        col("Modell", ColumnKind::Text),
        col("MAC-Adresse", ColumnKind::Text),
        col("WLAN-Standard", ColumnKind::Text),
        col("Status", ColumnKind::Text),
        col("Anschaffungsdatum", ColumnKind::Date),
    ]);
    counts.push(("Access Points", rows.len()));
    sections.push(Section {
        title: "WLAN-Access-Points".into(),
        blocks: vec![Block::Table(Table {
            sheet: "Access Points".into(),
            columns,
            rows,
            totals: None,
            medium: Medium::All,
        })],
    });

    // Presentation hardware.
    let mut rows = Vec::new();
    {
        let sql = format!(
            "{place}, t.inventory_number, t.kind, t.manufacturer, t.model, t.size_inches, t.status, t.installed_on {}",
            from("presentation_hardware")
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut q = stmt.query([&school_id])?;
        while let Some(r) = q.next()? {
            rows.push(vec![
                text(r.get::<_, String>(0)?),
                opt_text(r.get(1)?),
                opt_text(r.get(2)?),
                opt_text(r.get(3)?),
                opt_text(r.get(4)?),
                text(PresentationKind::from_code(&r.get::<_, String>(5)?).map_or("", |c| c.label())),
                opt_text(r.get(6)?),
                opt_text(r.get(7)?),
                r.get::<_, Option<i64>>(8)?.map_or(Cell::Empty, Cell::Integer),
                text(AssetStatus::from_code(&r.get::<_, String>(9)?).map_or("", |c| c.label())),
                date(r.get(10)?).map_or(Cell::Empty, Cell::Date),
            ]);
        }
    }
    let mut columns = place_cols();
    columns.extend([
        col("Inventarnummer", ColumnKind::Text),
        col("Art", ColumnKind::Text),
        col("Hersteller", ColumnKind::Text),
        col("Modell", ColumnKind::Text),
        col("Diagonale (Zoll)", ColumnKind::Integer),
        col("Status", ColumnKind::Text),
        col("Installiert am", ColumnKind::Date),
    ]);
    counts.push(("Präsentationsgeräte", rows.len()));
    sections.push(Section {
        title: "Präsentationstechnik".into(),
        blocks: vec![Block::Table(Table {
            sheet: "Präsentationstechnik".into(),
            columns,
            rows,
            totals: None,
            medium: Medium::All,
        })],
    });

    // Uplinks and fibre.
    let mut rows = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT s.school_number, t.link_type, t.provider, t.technology, t.down_mbps, t.up_mbps, t.status, t.contract_end
             FROM fibre_links t JOIN schools s ON s.id = t.school_id
             WHERE t.deleted_at IS NULL AND (?1 IS NULL OR t.school_id = ?1) ORDER BY s.school_number, t.link_type, t.id",
        )?;
        let mut q = stmt.query([&school_id])?;
        while let Some(r) = q.next()? {
            let kind: String = r.get(1)?;
            rows.push(vec![
                text(r.get::<_, String>(0)?),
                text(if kind == "uplink" { "Internetanschluss" } else { "Glasfaser zwischen Gebäuden" }),
                opt_text(r.get(2)?),
                opt_text(
                    r.get::<_, Option<String>>(3)?
                        .map(|t| UplinkTechnology::from_code(&t).map_or(t.clone(), |x| x.label().into())),
                ),
                r.get::<_, Option<i64>>(4)?.map_or(Cell::Empty, Cell::Integer),
                r.get::<_, Option<i64>>(5)?.map_or(Cell::Empty, Cell::Integer),
                text(r.get::<_, String>(6)?),
                date(r.get(7)?).map_or(Cell::Empty, Cell::Date),
            ]);
        }
    }
    counts.push(("Leitungen", rows.len()));
    sections.push(Section {
        title: "Anschlüsse und Leitungen".into(),
        blocks: vec![Block::Table(Table {
            sheet: "Leitungen".into(),
            columns: vec![
                col("Schulnummer", ColumnKind::Text),
                col("Art", ColumnKind::Text),
                col("Anbieter", ColumnKind::Text),
                col("Technologie", ColumnKind::Text),
                col("Down (Mbit/s)", ColumnKind::Integer),
                col("Up (Mbit/s)", ColumnKind::Integer),
                col("Status", ColumnKind::Text),
                col("Vertragsende", ColumnKind::Date),
            ],
            rows,
            totals: None,
            medium: Medium::All,
        })],
    });

    let summary = Section {
        title: "Überblick".into(),
        blocks: vec![Block::Facts {
            rows: std::iter::once(("Umfang".to_owned(), text(scope.clone())))
                .chain(counts.iter().map(|(k, n)| ((*k).to_owned(), Cell::Integer(*n as i64))))
                .chain(std::iter::once(("Anschaffungswert der Geräte".to_owned(), Cell::Money(total))))
                .collect(),
        }],
    };
    sections.insert(0, summary);
    Ok(Document {
        title: "Inventarbericht".into(),
        subtitle: Some(scope),
        header: header_for(conn, school_id.as_deref())?,
        created_on: today,
        slug: "inventar".into(),
        sections,
    })
}

/// Key figures per school, ordered by Sozialindex (highest need first).
pub fn kpi(conn: &Connection, today: NaiveDate) -> Result<Document, CoreError> {
    let mut schools = school_kpis(conn, today, None)?;
    schools.sort_by(|a, b| {
        (b.social_index.unwrap_or(0), &a.school_number).cmp(&(a.social_index.unwrap_or(0), &b.school_number))
    });
    let decimal = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Decimal);
    let percent = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Percent);
    let rows: Vec<Vec<Cell>> = schools
        .iter()
        .map(|s| {
            vec![
                text(s.school_number.clone()),
                text(s.name.clone()),
                s.social_index.map_or(Cell::Empty, Cell::Integer),
                s.pupils.map_or(Cell::Empty, Cell::Integer),
                Cell::Integer(s.devices),
                decimal(s.devices_per_pupil()),
                percent(s.display_share()),
                percent(s.wlan_share()),
                opt_text(
                    s.uplink_technology
                        .clone()
                        .map(|t| UplinkTechnology::from_code(&t).map_or(t.clone(), |x| x.label().into())),
                ),
                s.uplink_down_mbps.map_or(Cell::Empty, Cell::Integer),
                decimal(s.uplink_down_mbps.and_then(|d| ratio(d, s.pupils))),
                decimal(s.uplink_down_mbps.and_then(|d| ratio(d, Some(s.classrooms)))),
                Cell::Integer(s.past_replacement_age),
                Cell::Money(s.spent_cents),
                percent(ratio(s.spent_cents, Some(s.allocated_cents))),
            ]
        })
        .collect();
    let all = |f: fn(&SchoolKpi) -> i64| schools.iter().map(f).sum::<i64>();
    let pupils = all(|s| s.pupils.unwrap_or(0));
    let gigabit = schools.iter().filter(|s| s.gigabit()).count();
    let facts = vec![
        ("Schulen".to_owned(), Cell::Integer(schools.len() as i64)),
        ("Schülerinnen und Schüler".to_owned(), Cell::Integer(pupils)),
        ("Geräte je Schüler (gesamt)".to_owned(), decimal(ratio(all(|s| s.devices), Some(pupils)))),
        (
            "Unterrichtsräume mit Anzeigetechnik".to_owned(),
            percent(ratio(all(|s| s.classrooms_with_display), Some(all(|s| s.classrooms)))),
        ),
        ("Räume mit WLAN".to_owned(), percent(ratio(all(|s| s.rooms_with_wlan), Some(all(|s| s.rooms))))),
        ("Schulen mit Gigabit-Anschluss".to_owned(), percent(ratio(gigabit as i64, Some(schools.len() as i64)))),
        ("Gegenstände über dem Ersatzalter".to_owned(), Cell::Integer(all(|s| s.past_replacement_age))),
    ];
    let chart_schools: Vec<&SchoolKpi> = schools.iter().take(20).collect();
    let chart = Chart {
        title: "Geräte je Schüler (Schulen mit dem höchsten Sozialindex)".into(),
        unit: "Geräte je Schüler".into(),
        categories: chart_schools.iter().map(|s| s.school_number.clone()).collect(),
        series: vec![Series {
            name: "Geräte je Schüler".into(),
            values: chart_schools.iter().map(|s| s.devices_per_pupil().unwrap_or(0.0)).collect(),
        }],
        stacked: false,
    };
    Ok(Document {
        title: "Kennzahlen der Schulen".into(),
        subtitle: Some("Ausstattung, Anbindung und Mittelabfluss je Schule, nach Sozialindex".into()),
        header: header_for(conn, None)?,
        created_on: today,
        slug: "kennzahlen".into(),
        sections: vec![
            Section { title: "Überblick".into(), blocks: vec![Block::Facts { rows: facts }, Block::Chart(chart)] },
            Section {
                title: "Kennzahlen je Schule".into(),
                blocks: vec![Block::Table(Table {
                    sheet: "Kennzahlen".into(),
                    columns: vec![
                        col("Schulnummer", ColumnKind::Text),
                        col("Schule", ColumnKind::Text),
                        col("Sozialindex", ColumnKind::Integer),
                        col("Schüler", ColumnKind::Integer),
                        col("Geräte", ColumnKind::Integer),
                        col("Geräte je Schüler", ColumnKind::Decimal(2)),
                        col("Unterrichtsräume mit Anzeigetechnik", ColumnKind::Percent),
                        col("Räume mit WLAN", ColumnKind::Percent),
                        col("Anschluss", ColumnKind::Text),
                        col("Bandbreite (Mbit/s)", ColumnKind::Integer),
                        col("Mbit/s je Schüler", ColumnKind::Decimal(2)),
                        col("Mbit/s je Klasse", ColumnKind::Decimal(2)),
                        col("Über Ersatzalter", ColumnKind::Integer),
                        col("Fördermittel verausgabt", ColumnKind::Money),
                        col("Anteil der Zuweisung", ColumnKind::Percent),
                    ],
                    rows,
                    totals: None,
                    medium: Medium::All,
                })],
            },
        ],
    })
}

/// Warranty ends and replacements due within `months` from `today` (and replacements already
/// overdue), with the estimated cost of replacing at the purchase price.
pub fn lifecycle(conn: &Connection, months: u32, today: NaiveDate) -> Result<Document, CoreError> {
    let until = today.checked_add_months(Months::new(months)).unwrap_or(today);
    let mut warranty = Vec::new();
    let mut replace = Vec::new();
    let mut cost = 0i64;
    let mut per_school: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for item in lifecycle_items(conn, None)? {
        let school = format!("{} {}", item.school_number, item.school_name);
        let label = match item.entity.as_str() {
            "device" => "Gerät",
            "access_point" => "Access Point",
            _ => "Präsentationsgerät",
        };
        if let Some(end) = item.warranty_end.filter(|e| *e >= today && *e <= until) {
            warranty.push(vec![
                text(school.clone()),
                text(label),
                opt_text(item.inventory_number.clone()),
                text(item.description.clone()),
                Cell::Date(end),
            ]);
        }
        if let Some(due) = item.replacement_due.filter(|d| *d <= until) {
            let price = item.price_cents.unwrap_or(0);
            cost += price;
            let e = per_school.entry(school.clone()).or_default();
            e.0 += 1;
            e.1 += price;
            replace.push(vec![
                text(school),
                text(label),
                opt_text(item.inventory_number),
                text(item.description),
                item.purchase_date.map_or(Cell::Empty, Cell::Date),
                Cell::Date(due),
                text(if due < today { "überfällig" } else { "fällig" }),
                item.price_cents.map_or(Cell::Empty, Cell::Money),
            ]);
        }
    }
    let summary_rows: Vec<Vec<Cell>> =
        per_school.iter().map(|(s, (n, c))| vec![text(s.clone()), Cell::Integer(*n), Cell::Money(*c)]).collect();
    let replace_count = replace.len();
    Ok(Document {
        title: "Lebenszyklus: Garantie und Ersatzbedarf".into(),
        subtitle: Some(format!(
            "Zeitraum {} bis {} ({months} Monate)",
            today.format("%d.%m.%Y"),
            until.format("%d.%m.%Y")
        )),
        header: header_for(conn, None)?,
        created_on: today,
        slug: "lebenszyklus".into(),
        sections: vec![
            Section {
                title: "Überblick".into(),
                blocks: vec![
                    Block::Facts {
                        rows: vec![
                            ("Garantieende im Zeitraum".into(), Cell::Integer(warranty.len() as i64)),
                            ("Ersatz fällig oder überfällig".into(), Cell::Integer(replace_count as i64)),
                            ("Geschätzte Kosten (Anschaffungspreis)".into(), Cell::Money(cost)),
                        ],
                    },
                    Block::Paragraph {
                        text: format!(
                            "Ersatzalter: mobile Geräte 5 Jahre, Desktop-PCs 6 Jahre, Access Points und Anzeigetechnik 8 \
                             Jahre nach Anschaffung. Die Kosten schätzen den Ersatz zum damaligen Preis; insgesamt {}.",
                            money(cost)
                        ),
                    },
                ],
            },
            Section {
                title: "Ersatzbedarf je Schule".into(),
                blocks: vec![Block::Table(Table {
                    sheet: "Je Schule".into(),
                    columns: vec![
                        col("Schule", ColumnKind::Text),
                        col("Gegenstände", ColumnKind::Integer),
                        col("Geschätzte Kosten", ColumnKind::Money),
                    ],
                    rows: summary_rows,
                    totals: Some(vec![text("Summe"), Cell::Integer(replace_count as i64), Cell::Money(cost)]),
                    medium: Medium::All,
                })],
            },
            Section {
                title: "Ersatz fällig".into(),
                blocks: vec![Block::Table(Table {
                    sheet: "Ersatz".into(),
                    columns: vec![
                        col("Schule", ColumnKind::Text),
                        col("Art", ColumnKind::Text),
                        col("Inventarnummer", ColumnKind::Text),
                        col("Gerät", ColumnKind::Text),
                        col("Angeschafft", ColumnKind::Date),
                        col("Ersatz fällig", ColumnKind::Date),
                        col("Stand", ColumnKind::Text),
                        col("Geschätzte Kosten", ColumnKind::Money),
                    ],
                    rows: replace,
                    totals: None,
                    medium: Medium::All,
                })],
            },
            Section {
                title: "Garantieende".into(),
                blocks: vec![Block::Table(Table {
                    sheet: "Garantie".into(),
                    columns: vec![
                        col("Schule", ColumnKind::Text),
                        col("Art", ColumnKind::Text),
                        col("Inventarnummer", ColumnKind::Text),
                        col("Gerät", ColumnKind::Text),
                        col("Garantie bis", ColumnKind::Date),
                    ],
                    rows: warranty,
                    totals: None,
                    medium: Medium::All,
                })],
            },
        ],
    })
}
