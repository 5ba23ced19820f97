//! Inventory, KPI and lifecycle reports: what a school (or every school) has, by building and
//! room; the municipality's key figures per school; and what runs out of warranty or reaches
//! its replacement age soon, with the estimated cost.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use schulinventar_core::funding::budgets;
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

/// Years after purchase at which an item is due for replacement (planning values common in
/// municipal media development plans): mobile devices 5, desktops and thin clients 6, access
/// points, displays and projectors 8.
pub fn replacement_years(table: &str, kind: &str) -> u32 {
    match (table, kind) {
        ("devices", "laptop" | "tablet") => 5,
        ("devices", _) => 6,
        ("access_points", _) => 8,
        ("presentation_hardware", "document_camera" | "streaming_box" | "audio") => 6,
        _ => 8,
    }
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
    struct School {
        number: String,
        name: String,
        social: Option<i64>,
        pupils: Option<i64>,
        devices: i64,
        classrooms: i64,
        with_display: i64,
        rooms: i64,
        covered: i64,
        tech: Option<String>,
        down: Option<i64>,
        past_age: i64,
        spent: i64,
        allocated: i64,
    }
    let mut schools: Vec<(String, School)> = {
        let mut stmt = conn.prepare(
            "SELECT s.id, s.school_number, s.name, s.social_index, s.pupils,
               (SELECT count(*) FROM devices d WHERE d.school_id = s.id AND d.deleted_at IS NULL AND d.status <> 'retired'),
               (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.kind = 'classroom'),
               (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.kind = 'classroom'
                  AND EXISTS (SELECT 1 FROM presentation_hardware p WHERE p.room_id = r.id AND p.deleted_at IS NULL
                              AND p.status <> 'retired' AND p.kind IN ('interactive_display','interactive_whiteboard','projector'))),
               (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL),
               (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.wlan_coverage IN ('partial','full')),
               (SELECT f.technology FROM fibre_links f WHERE f.school_id = s.id AND f.deleted_at IS NULL AND f.link_type = 'uplink'
                  AND f.status = 'live' ORDER BY f.down_mbps DESC LIMIT 1),
               (SELECT max(f.down_mbps) FROM fibre_links f WHERE f.school_id = s.id AND f.deleted_at IS NULL AND f.link_type = 'uplink'
                  AND f.status = 'live')
             FROM schools s WHERE s.deleted_at IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                School {
                    number: r.get(1)?,
                    name: r.get(2)?,
                    social: r.get(3)?,
                    pupils: r.get(4)?,
                    devices: r.get(5)?,
                    classrooms: r.get(6)?,
                    with_display: r.get(7)?,
                    rooms: r.get(8)?,
                    covered: r.get(9)?,
                    tech: r.get(10)?,
                    down: r.get(11)?,
                    past_age: 0,
                    spent: 0,
                    allocated: 0,
                },
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let index: HashMap<String, usize> = schools.iter().enumerate().map(|(i, (id, _))| (id.clone(), i)).collect();
    for (school, due) in past_replacement_age(conn, today)? {
        if let Some(i) = index.get(&school) {
            schools[*i].1.past_age = due;
        }
    }
    for b in budgets(conn, None, None)? {
        if let Some(i) = b.school_id.as_ref().and_then(|s| index.get(s)) {
            schools[*i].1.spent += b.spent_cents;
            schools[*i].1.allocated += b.allocated_cents;
        }
    }
    schools.sort_by(|a, b| (b.1.social.unwrap_or(0), &a.1.number).cmp(&(a.1.social.unwrap_or(0), &b.1.number)));
    let ratio = |a: i64, b: Option<i64>| match b {
        Some(b) if b > 0 => Cell::Decimal(a as f64 / b as f64),
        _ => Cell::Empty,
    };
    let share = |a: i64, b: i64| if b > 0 { Cell::Percent(a as f64 / b as f64) } else { Cell::Empty };
    let rows: Vec<Vec<Cell>> = schools
        .iter()
        .map(|(_, s)| {
            vec![
                text(s.number.clone()),
                text(s.name.clone()),
                s.social.map_or(Cell::Empty, Cell::Integer),
                s.pupils.map_or(Cell::Empty, Cell::Integer),
                Cell::Integer(s.devices),
                ratio(s.devices, s.pupils),
                share(s.with_display, s.classrooms),
                share(s.covered, s.rooms),
                opt_text(
                    s.tech.clone().map(|t| UplinkTechnology::from_code(&t).map_or(t.clone(), |x| x.label().into())),
                ),
                s.down.map_or(Cell::Empty, Cell::Integer),
                s.down.map_or(Cell::Empty, |d| ratio(d, s.pupils)),
                s.down.map_or(Cell::Empty, |d| ratio(d, Some(s.classrooms))),
                Cell::Integer(s.past_age),
                Cell::Money(s.spent),
                if s.allocated > 0 { Cell::Percent(s.spent as f64 / s.allocated as f64) } else { Cell::Empty },
            ]
        })
        .collect();
    let all = |f: fn(&School) -> i64| schools.iter().map(|(_, s)| f(s)).sum::<i64>();
    let pupils = all(|s| s.pupils.unwrap_or(0));
    let gigabit = schools.iter().filter(|(_, s)| s.down.is_some_and(|d| d >= 1000)).count();
    let facts = vec![
        ("Schulen".to_owned(), Cell::Integer(schools.len() as i64)),
        ("Schülerinnen und Schüler".to_owned(), Cell::Integer(pupils)),
        ("Geräte je Schüler (gesamt)".to_owned(), ratio(all(|s| s.devices), Some(pupils))),
        ("Unterrichtsräume mit Anzeigetechnik".to_owned(), share(all(|s| s.with_display), all(|s| s.classrooms))),
        ("Räume mit WLAN".to_owned(), share(all(|s| s.covered), all(|s| s.rooms))),
        ("Schulen mit Gigabit-Anschluss".to_owned(), share(gigabit as i64, schools.len() as i64)),
        ("Gegenstände über dem Ersatzalter".to_owned(), Cell::Integer(all(|s| s.past_age))),
    ];
    let chart_schools: Vec<&School> = schools.iter().map(|(_, s)| s).take(20).collect();
    let chart = Chart {
        title: "Geräte je Schüler (Schulen mit dem höchsten Sozialindex)".into(),
        unit: "Geräte je Schüler".into(),
        categories: chart_schools.iter().map(|s| s.number.clone()).collect(),
        series: vec![Series {
            name: "Geräte je Schüler".into(),
            values: chart_schools
                .iter()
                .map(|s| s.pupils.filter(|p| *p > 0).map_or(0.0, |p| s.devices as f64 / p as f64))
                .collect(),
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

/// Items still in use that have reached their replacement age, per school id.
fn past_replacement_age(conn: &Connection, today: NaiveDate) -> Result<HashMap<String, i64>, CoreError> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for (table, kind_col) in [("devices", "category"), ("access_points", "'ap'"), ("presentation_hardware", "kind")] {
        let mut stmt = conn.prepare(&format!(
            "SELECT school_id, {kind_col}, purchase_date FROM {table}
             WHERE deleted_at IS NULL AND status <> 'retired' AND purchase_date IS NOT NULL"
        ))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let kind: String = r.get(1)?;
            let Some(bought) = date(r.get(2)?) else { continue };
            let due = bought.checked_add_months(Months::new(12 * replacement_years(table, &kind)));
            if due.is_some_and(|d| d <= today) {
                *out.entry(r.get(0)?).or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// Warranty ends and replacements due within `months` from `today` (and replacements already
/// overdue), with the estimated cost of replacing at the purchase price.
pub fn lifecycle(conn: &Connection, months: u32, today: NaiveDate) -> Result<Document, CoreError> {
    let until = today.checked_add_months(Months::new(months)).unwrap_or(today);
    let mut warranty = Vec::new();
    let mut replace = Vec::new();
    let mut cost = 0i64;
    let mut per_school: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (table, kind_col, label) in [
        ("devices", "t.category", "Gerät"),
        ("access_points", "'ap'", "Access Point"),
        ("presentation_hardware", "t.kind", "Präsentationsgerät"),
    ] {
        let mut stmt = conn.prepare(&format!(
            "SELECT s.school_number || ' ' || s.name, t.inventory_number, t.manufacturer, t.model, {kind_col},
                    t.purchase_date, t.warranty_end, t.price_cents
             FROM {table} t JOIN schools s ON s.id = t.school_id
             WHERE t.deleted_at IS NULL AND t.status <> 'retired'
             ORDER BY s.school_number, t.inventory_number, t.id"
        ))?;
        let mut q = stmt.query(params![])?;
        while let Some(r) = q.next()? {
            let school: String = r.get(0)?;
            let what = [r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let kind: String = r.get(4)?;
            let bought = date(r.get(5)?);
            let warranty_end = date(r.get(6)?);
            let price: Option<i64> = r.get(7)?;
            if let Some(end) = warranty_end.filter(|e| *e >= today && *e <= until) {
                warranty.push(vec![
                    text(school.clone()),
                    text(label),
                    opt_text(r.get(1)?),
                    text(what.clone()),
                    Cell::Date(end),
                ]);
            }
            let due = bought.and_then(|b| b.checked_add_months(Months::new(12 * replacement_years(table, &kind))));
            if let Some(due) = due.filter(|d| *d <= until) {
                cost += price.unwrap_or(0);
                let e = per_school.entry(school.clone()).or_default();
                e.0 += 1;
                e.1 += price.unwrap_or(0);
                replace.push(vec![
                    text(school),
                    text(label),
                    opt_text(r.get(1)?),
                    text(what),
                    bought.map_or(Cell::Empty, Cell::Date),
                    Cell::Date(due),
                    text(if due < today { "überfällig" } else { "fällig" }),
                    price.map_or(Cell::Empty, Cell::Money),
                ]);
            }
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
