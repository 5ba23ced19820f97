//! The key figures people compare (DOMAIN.md, "KPIs people compare"), per school: devices per
//! pupil, the share of classrooms with a display or projector, the share of rooms with WLAN, the
//! uplink and its bandwidth, items past their replacement age, and funding spent against what was
//! allocated. The municipality dashboard, the school page and the KPI report all read them here,
//! so the window and the printed report never disagree.
//!
//! Also the lifecycle rule: when an item is due for replacement, and which items run out of
//! warranty or reach that age soon.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::funding::budgets;

/// Years after purchase at which an item is due for replacement (planning values common in
/// municipal media development plans): mobile devices 5, desktops and thin clients 6, access
/// points, displays and projectors 8; document cameras, audio and streaming boxes 6.
pub fn replacement_years(table: &str, kind: &str) -> u32 {
    match (table, kind) {
        ("devices", "laptop" | "tablet") => 5,
        ("devices", _) => 6,
        ("access_points", _) => 8,
        ("presentation_hardware", "document_camera" | "streaming_box" | "audio") => 6,
        _ => 8,
    }
}

/// The day an item bought on `bought` is due for replacement.
pub fn replacement_due(table: &str, kind: &str, bought: NaiveDate) -> Option<NaiveDate> {
    bought.checked_add_months(Months::new(12 * replacement_years(table, kind)))
}

/// Presentation hardware that makes a classroom count as equipped with a display.
const DISPLAY_KINDS: &str = "('interactive_display','interactive_whiteboard','projector')";

/// Uplink bandwidth from which a school counts as connected by gigabit.
pub const GIGABIT_MBPS: i64 = 1000;

/// The key figures of one school. Counts leave out deleted rows and retired items.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SchoolKpi {
    pub school_id: String,
    pub school_number: String,
    pub name: String,
    pub social_index: Option<i64>,
    pub pupils: Option<i64>,
    /// Devices in use (not retired).
    pub devices: i64,
    pub classrooms: i64,
    /// Classrooms with an interactive display, board or projector in use.
    pub classrooms_with_display: i64,
    pub rooms: i64,
    /// Rooms with partial or full WLAN coverage.
    pub rooms_with_wlan: i64,
    /// Technology code of the fastest live uplink.
    pub uplink_technology: Option<String>,
    pub uplink_down_mbps: Option<i64>,
    /// Devices, access points and presentation hardware in use that reached their replacement age.
    pub past_replacement_age: i64,
    /// Loans not returned whose due date has passed.
    pub overdue_loans: i64,
    pub spent_cents: i64,
    pub allocated_cents: i64,
}

impl SchoolKpi {
    pub fn devices_per_pupil(&self) -> Option<f64> {
        ratio(self.devices, self.pupils)
    }

    pub fn display_share(&self) -> Option<f64> {
        ratio(self.classrooms_with_display, Some(self.classrooms))
    }

    pub fn wlan_share(&self) -> Option<f64> {
        ratio(self.rooms_with_wlan, Some(self.rooms))
    }

    pub fn gigabit(&self) -> bool {
        self.uplink_down_mbps.is_some_and(|d| d >= GIGABIT_MBPS)
    }
}

/// `a / b`, or nothing when `b` is missing or zero.
pub fn ratio(a: i64, b: Option<i64>) -> Option<f64> {
    b.filter(|b| *b > 0).map(|b| a as f64 / b as f64)
}

/// The key figures of every school (or of the one with id `school`), ordered by school number.
pub fn school_kpis(conn: &Connection, today: NaiveDate, school: Option<&str>) -> Result<Vec<SchoolKpi>> {
    kpis_with_items(conn, today, school, &lifecycle_items(conn, school)?)
}

/// [`school_kpis`] with the schools' lifecycle items already read (the school page reads them
/// once for both its figures and its lists).
fn kpis_with_items(
    conn: &Connection,
    today: NaiveDate,
    school: Option<&str>,
    items: &[LifecycleItem],
) -> Result<Vec<SchoolKpi>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT s.id, s.school_number, s.name, s.social_index, s.pupils,
           (SELECT count(*) FROM devices d WHERE d.school_id = s.id AND d.deleted_at IS NULL AND d.status <> 'retired'),
           (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.kind = 'classroom'),
           (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.kind = 'classroom'
              AND EXISTS (SELECT 1 FROM presentation_hardware p WHERE p.room_id = r.id AND p.deleted_at IS NULL
                          AND p.status <> 'retired' AND p.kind IN {DISPLAY_KINDS})),
           (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL),
           (SELECT count(*) FROM rooms r WHERE r.school_id = s.id AND r.deleted_at IS NULL AND r.wlan_coverage IN ('partial','full')),
           (SELECT f.technology FROM fibre_links f WHERE f.school_id = s.id AND f.deleted_at IS NULL AND f.link_type = 'uplink'
              AND f.status = 'live' ORDER BY f.down_mbps DESC LIMIT 1),
           (SELECT max(f.down_mbps) FROM fibre_links f WHERE f.school_id = s.id AND f.deleted_at IS NULL AND f.link_type = 'uplink'
              AND f.status = 'live'),
           (SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id
              WHERE d.school_id = s.id AND l.deleted_at IS NULL AND l.returned_on IS NULL AND l.due_on < ?1)
         FROM schools s WHERE s.deleted_at IS NULL AND (?2 IS NULL OR s.id = ?2)
         ORDER BY s.school_number, s.id"
    ))?;
    let mut schools: Vec<SchoolKpi> = stmt
        .query_map(params![today.to_string(), school], |r| {
            Ok(SchoolKpi {
                school_id: r.get(0)?,
                school_number: r.get(1)?,
                name: r.get(2)?,
                social_index: r.get(3)?,
                pupils: r.get(4)?,
                devices: r.get(5)?,
                classrooms: r.get(6)?,
                classrooms_with_display: r.get(7)?,
                rooms: r.get(8)?,
                rooms_with_wlan: r.get(9)?,
                uplink_technology: r.get(10)?,
                uplink_down_mbps: r.get(11)?,
                overdue_loans: r.get(12)?,
                past_replacement_age: 0,
                spent_cents: 0,
                allocated_cents: 0,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if let (Some(id), true) = (school, schools.is_empty()) {
        return Err(CoreError::not_found("school", id));
    }
    let index: HashMap<String, usize> = schools.iter().enumerate().map(|(i, s)| (s.school_id.clone(), i)).collect();
    for item in items {
        if item.replacement_due.is_some_and(|d| d <= today) {
            if let Some(&i) = index.get(&item.school_id) {
                schools[i].past_replacement_age += 1;
            }
        }
    }
    for b in budgets(conn, None, school)? {
        if let Some(&i) = b.school_id.as_ref().and_then(|s| index.get(s)) {
            schools[i].spent_cents += b.spent_cents;
            schools[i].allocated_cents += b.allocated_cents;
        }
    }
    Ok(schools)
}

/// A device, access point or presentation device in use, with the dates that matter for its
/// lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LifecycleItem {
    /// `device`, `access_point` or `presentation_hardware`.
    pub entity: String,
    pub id: String,
    pub school_id: String,
    pub school_number: String,
    pub school_name: String,
    pub inventory_number: Option<String>,
    /// Manufacturer and model.
    pub description: String,
    /// The device category or presentation kind code; `ap` for access points.
    pub kind: String,
    pub purchase_date: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
    pub replacement_due: Option<NaiveDate>,
    pub price_cents: Option<i64>,
}

const LIFECYCLE_TABLES: [(&str, &str, &str); 3] = [
    ("devices", "device", "t.category"),
    ("access_points", "access_point", "'ap'"),
    ("presentation_hardware", "presentation_hardware", "t.kind"),
];

/// Every item in use (not retired, not deleted) of all schools or of one school (by id): devices
/// first, then access points, then presentation hardware; each by school number and inventory
/// number.
pub fn lifecycle_items(conn: &Connection, school: Option<&str>) -> Result<Vec<LifecycleItem>> {
    let mut out = Vec::new();
    for (table, entity, kind_col) in LIFECYCLE_TABLES {
        let mut stmt = conn.prepare(&format!(
            "SELECT t.id, t.school_id, s.school_number, s.name, t.inventory_number, t.manufacturer, t.model, {kind_col},
                    t.purchase_date, t.warranty_end, t.price_cents
             FROM {table} t JOIN schools s ON s.id = t.school_id
             WHERE t.deleted_at IS NULL AND t.status <> 'retired' AND (?1 IS NULL OR t.school_id = ?1)
             ORDER BY s.school_number, t.inventory_number, t.id"
        ))?;
        let mut rows = stmt.query([school])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(7)?;
            let purchase_date = date(r.get(8)?);
            let description = [r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            out.push(LifecycleItem {
                entity: entity.into(),
                id: r.get(0)?,
                school_id: r.get(1)?,
                school_number: r.get(2)?,
                school_name: r.get(3)?,
                inventory_number: r.get(4)?,
                description,
                replacement_due: purchase_date.and_then(|b| replacement_due(table, &kind, b)),
                kind,
                purchase_date,
                warranty_end: date(r.get(9)?),
                price_cents: r.get(10)?,
            });
        }
    }
    Ok(out)
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

/// A count per code (a device category, an age).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CodeCount {
    pub code: String,
    pub count: i64,
}

/// What the school page shows beyond the key figures.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SchoolProfile {
    pub kpi: SchoolKpi,
    /// Devices in use per category code, most first.
    pub devices_by_category: Vec<CodeCount>,
    /// Devices in use per age in whole years since purchase (`0` … `9`, `10+`, `unbekannt`
    /// without a purchase date), youngest first.
    pub devices_by_age: Vec<CodeCount>,
    /// Items whose warranty ends within the window, or that are due for replacement by its end
    /// (overdue ones included), soonest first.
    pub due: Vec<LifecycleItem>,
    /// The last day of the window `due` looks at.
    pub due_until: NaiveDate,
}

/// The school page's figures for the school with id `school_id`: its key figures, its devices by
/// category and by age, and the items whose warranty ends or whose replacement is due within
/// `months` of `today`.
pub fn school_profile(conn: &Connection, school_id: &str, today: NaiveDate, months: u32) -> Result<SchoolProfile> {
    let items = lifecycle_items(conn, Some(school_id))?;
    let kpi = kpis_with_items(conn, today, Some(school_id), &items)?
        .into_iter()
        .next()
        .ok_or_else(|| CoreError::not_found("school", school_id))?;
    let until = today.checked_add_months(Months::new(months)).unwrap_or(today);

    let mut stmt = conn.prepare(
        "SELECT category, count(*) FROM devices WHERE school_id = ?1 AND deleted_at IS NULL AND status <> 'retired'
         GROUP BY category ORDER BY 2 DESC, 1",
    )?;
    let devices_by_category = stmt
        .query_map([school_id], |r| Ok(CodeCount { code: r.get(0)?, count: r.get(1)? }))?
        .collect::<rusqlite::Result<_>>()?;

    let mut ages: Vec<(u32, i64)> = Vec::new();
    let mut unknown = 0i64;
    let mut due = Vec::new();
    for item in items {
        if item.entity == "device" {
            match item.purchase_date {
                Some(bought) => {
                    let years = age_in_years(bought, today).min(10);
                    match ages.iter_mut().find(|(y, _)| *y == years) {
                        Some((_, n)) => *n += 1,
                        None => ages.push((years, 1)),
                    }
                }
                None => unknown += 1,
            }
        }
        let warranty_soon = item.warranty_end.is_some_and(|e| e >= today && e <= until);
        let replacement_soon = item.replacement_due.is_some_and(|d| d <= until);
        if warranty_soon || replacement_soon {
            due.push(item);
        }
    }
    ages.sort_unstable();
    let mut devices_by_age: Vec<CodeCount> = ages
        .into_iter()
        .map(|(y, count)| CodeCount { code: if y >= 10 { "10+".into() } else { y.to_string() }, count })
        .collect();
    if unknown > 0 {
        devices_by_age.push(CodeCount { code: "unbekannt".into(), count: unknown });
    }
    // Soonest first: the earlier of the item's two dates that falls in the window.
    let key = |i: &LifecycleItem| {
        [i.warranty_end.filter(|e| *e >= today && *e <= until), i.replacement_due.filter(|d| *d <= until)]
            .into_iter()
            .flatten()
            .min()
    };
    due.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.inventory_number.cmp(&b.inventory_number)));
    Ok(SchoolProfile { kpi, devices_by_category, devices_by_age, due, due_until: until })
}

/// Whole years from `from` to `to` (0 when `to` is earlier).
pub fn age_in_years(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years.max(0) as u32
}
