//! Read side of the Fördermittel page: names for ids, the invoice list and detail, which invoice
//! paid for an item. These are plain queries over the ledger with no Tauri in them; they belong
//! in `schulinventar_core::funding` and live here only until they move there (the CLI would
//! want the same answers for `funding check` output and an item lookup).

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension};
use schulinventar_core::{
    CoreError, FundingCategory, InvoiceData, InvoiceLine, ItemEntity, Land, ListQuery, ProgrammeData, Store,
};

use super::types::*;

/// Lists ask the store for pages of this size when they want everything (the programme
/// catalogue is a few dozen rows).
const ALL_PAGE: u32 = 1000;
/// A finding lists at most 100 records; more than this many ids are not resolved at once.
pub const MAX_RECORDS: usize = 500;

pub fn vocabulary() -> FundingVocabulary {
    FundingVocabulary {
        lands: Land::ALL.iter().map(|l| Label { code: l.code().into(), label: l.label().into() }).collect(),
        categories: FundingCategory::ALL
            .iter()
            .map(|c| CategoryLabel { code: *c, label: c.label().into(), buys_items: c.buys_items() })
            .collect(),
        item_kinds: ItemEntity::ALL.iter().map(|k| Label { code: k.code().into(), label: k.label().into() }).collect(),
    }
}

pub fn authorities(conn: &Connection) -> Result<Vec<AuthorityRef>, CoreError> {
    let mut stmt =
        conn.prepare("SELECT id, name FROM school_authorities WHERE deleted_at IS NULL ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| Ok(AuthorityRef { id: r.get(0)?, name: r.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The schools of one Schulträger (all schools when none is given), by school number.
pub fn schools(conn: &Connection, authority_id: Option<&str>) -> Result<Vec<SchoolRef>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, authority_id, school_number, name FROM schools
         WHERE deleted_at IS NULL AND (?1 IS NULL OR authority_id = ?1) ORDER BY school_number, id",
    )?;
    let rows = stmt.query_map([authority_id], |r| {
        Ok(SchoolRef { id: r.get(0)?, authority_id: r.get(1)?, school_number: r.get(2)?, name: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The whole programme catalogue, by name.
pub fn programmes(store: &Store) -> Result<Vec<ProgrammeRow>, CoreError> {
    let mut query = ListQuery { sort: Some("name".into()), limit: Some(ALL_PAGE), ..ListQuery::default() };
    let mut out = Vec::new();
    loop {
        let page = store.list::<ProgrammeData>(&query)?;
        out.extend(page.items.into_iter().map(programme_row));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(out),
        }
    }
}

/// A gross amount split by the programme's shares (no programme: all the Schulträger's own).
pub fn split(store: &Store, programme_id: Option<&str>, gross_cents: i64) -> Result<MoneySplit, CoreError> {
    let (federal_bp, land_bp) = match programme_id {
        Some(id) => {
            let p = store.get::<ProgrammeData>(id)?;
            (p.data.federal_share_bp, p.data.land_share_bp)
        }
        None => (0, 0),
    };
    let (federal, land, own) = schulinventar_core::split_by_shares(gross_cents, federal_bp, land_bp);
    Ok(MoneySplit { federal_cents: federal, land_cents: land, own_cents: own, third_party_cents: 0 })
}

fn school_label(number: Option<String>, name: Option<String>) -> Option<String> {
    match (number, name) {
        (Some(n), Some(s)) => Some(format!("{n} {s}")),
        (None, Some(s)) => Some(s),
        _ => None,
    }
}

fn join_words(words: &[Option<String>]) -> String {
    words.iter().flatten().map(|w| w.trim()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// An inventory item by its id, whatever its kind (ids are unique across tables).
pub fn item_ref(conn: &Connection, id: &str) -> Result<Option<ItemRef>, CoreError> {
    for entity in ItemEntity::ALL {
        let sql = match entity {
            ItemEntity::FibreLink => {
                "SELECT NULL, t.provider, t.technology, s.school_number, s.name,
                        t.deleted_at IS NOT NULL, t.link_type
                 FROM fibre_links t LEFT JOIN schools s ON s.id = t.school_id WHERE t.id = ?1"
            }
            ItemEntity::Device => {
                "SELECT t.inventory_number, t.manufacturer, t.model, s.school_number, s.name,
                        t.deleted_at IS NOT NULL OR t.status = 'retired', NULL
                 FROM devices t LEFT JOIN schools s ON s.id = t.school_id WHERE t.id = ?1"
            }
            ItemEntity::AccessPoint => {
                "SELECT t.inventory_number, t.manufacturer, t.model, s.school_number, s.name,
                        t.deleted_at IS NOT NULL OR t.status = 'retired', NULL
                 FROM access_points t LEFT JOIN schools s ON s.id = t.school_id WHERE t.id = ?1"
            }
            ItemEntity::PresentationHardware => {
                "SELECT t.inventory_number, t.manufacturer, t.model, s.school_number, s.name,
                        t.deleted_at IS NOT NULL OR t.status = 'retired', NULL
                 FROM presentation_hardware t LEFT JOIN schools s ON s.id = t.school_id WHERE t.id = ?1"
            }
        };
        let found = conn
            .prepare_cached(sql)?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .optional()?;
        if let Some((inventory_number, maker, model, number, school, retired, link_type)) = found {
            let mut label = join_words(&[maker, model]);
            if label.is_empty() {
                label = link_type.unwrap_or_default();
            }
            return Ok(Some(ItemRef {
                entity: *entity,
                id: id.to_owned(),
                kind: entity.label().to_owned(),
                inventory_number,
                label,
                school: school_label(number, school),
                retired,
            }));
        }
    }
    Ok(None)
}

/// Names for the records a finding lists, in the order of `ids`. Unknown ids come back with
/// `found: false` rather than disappearing, so counts stay honest.
pub fn describe(conn: &Connection, entity: &str, ids: &[String]) -> Result<Vec<RecordRef>, CoreError> {
    if ids.len() > MAX_RECORDS {
        return Err(CoreError::invalid_argument(
            Some("ids"),
            format!("Höchstens {MAX_RECORDS} Einträge können auf einmal aufgelöst werden."),
        ));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut r =
            RecordRef { id: id.clone(), entity: entity.to_owned(), label: id.clone(), detail: None, found: false };
        match entity {
            "invoice_line" => {
                let row = conn
                    .prepare_cached(
                        "SELECT i.invoice_number, i.supplier, l.position, l.description, s.school_number, s.name
                         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                         LEFT JOIN schools s ON s.id = l.school_id WHERE l.id = ?1",
                    )?
                    .query_row([id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                        ))
                    })
                    .optional()?;
                if let Some((number, supplier, position, description, school_number, school)) = row {
                    r.label = format!("Rechnung {number} ({supplier}), Position {position}");
                    let detail: Vec<String> =
                        [description, school_label(school_number, school)].into_iter().flatten().collect();
                    r.detail = (!detail.is_empty()).then(|| detail.join(" · "));
                    r.found = true;
                }
            }
            "invoice" => {
                let row = conn
                    .prepare_cached("SELECT invoice_number, supplier, invoice_date FROM invoices WHERE id = ?1")?
                    .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
                    .optional()?;
                if let Some((number, supplier, date)) = row {
                    r.label = format!("Rechnung {number} ({supplier})");
                    r.detail = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .ok()
                        .map(|d| format!("vom {}", d.format("%d.%m.%Y")));
                    r.found = true;
                }
            }
            "school" => {
                let row = conn
                    .prepare_cached("SELECT school_number, name, school_type_label, city FROM schools WHERE id = ?1")?
                    .query_row([id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Option<String>>(3)?,
                        ))
                    })
                    .optional()?;
                if let Some((number, name, kind, city)) = row {
                    r.label = format!("{number} {name}");
                    r.detail = Some(join_words(&[Some(kind), city.map(|c| format!("· {c}"))]));
                    r.found = true;
                }
            }
            "programme" => {
                let row = conn
                    .prepare_cached("SELECT name FROM programmes WHERE id = ?1")?
                    .query_row([id], |r| r.get::<_, String>(0))
                    .optional()?;
                if let Some(name) = row {
                    r.label = name;
                    r.found = true;
                }
            }
            "device" | "access_point" | "presentation_hardware" | "fibre_link" => {
                if let Some(item) = item_ref(conn, id)? {
                    let mut label = item.kind.clone();
                    if let Some(n) = &item.inventory_number {
                        label = format!("{label} {n}");
                    }
                    if !item.label.is_empty() {
                        label = format!("{label} · {}", item.label);
                    }
                    r.label = label;
                    r.detail = item.school;
                    r.found = true;
                }
            }
            _ => {}
        }
        out.push(r);
    }
    Ok(out)
}

/// One page of invoices (the store's list: filters, sort, keyset cursor) with the programmes
/// each is paid from.
pub fn invoices(store: &Store, query: &ListQuery) -> Result<InvoicePage, CoreError> {
    let page = store.list::<InvoiceData>(query)?;
    let ids: Vec<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
    let mut per_invoice: HashMap<String, (Vec<String>, u32)> = HashMap::new();
    {
        let mut stmt = store.conn().prepare_cached(
            "SELECT l.invoice_id, coalesce(p.short_name, p.name)
             FROM invoice_lines l LEFT JOIN programmes p ON p.id = l.programme_id
             WHERE l.deleted_at IS NULL AND l.invoice_id IN (SELECT value FROM json_each(?1))
             ORDER BY l.invoice_id, l.position, l.id",
        )?;
        let rows = stmt.query_map([serde_json::to_string(&ids)?], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        for row in rows {
            let (invoice, programme) = row?;
            let e = per_invoice.entry(invoice).or_default();
            e.1 += 1;
            if let Some(p) = programme.filter(|p| !e.0.contains(p)) {
                e.0.push(p);
            }
        }
    }
    let items = page
        .items
        .into_iter()
        .map(|invoice| {
            let (programmes, lines) = per_invoice.remove(&invoice.id).unwrap_or_default();
            InvoiceSummary { invoice, programmes, lines }
        })
        .collect();
    Ok(InvoicePage { items, next: page.next })
}

/// The end of the earmarking of what an invoice of `date` bought from a programme with
/// `years` of earmarking.
pub fn earmark_end(date: NaiveDate, years: i64) -> Option<NaiveDate> {
    let months = u32::try_from(years).ok().filter(|y| *y > 0)?.checked_mul(12)?;
    date.checked_add_months(Months::new(months))
}

fn programme_names(conn: &Connection) -> Result<HashMap<String, (String, i64)>, CoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, coalesce(short_name, name), earmark_years FROM programmes")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, i64>(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn school_name(conn: &Connection, id: &str) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT school_number, name FROM schools WHERE id = ?1")?
        .query_row([id], |r| Ok(format!("{} {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?)
}

/// An invoice with its lines (by position) and the items each line paid for.
pub fn invoice_detail(store: &Store, id: &str) -> Result<InvoiceDetail, CoreError> {
    let invoice = store.get::<InvoiceData>(id)?;
    let conn = store.conn();
    let authority = conn
        .prepare_cached("SELECT name FROM school_authorities WHERE id = ?1")?
        .query_row([&invoice.data.authority_id], |r| r.get::<_, String>(0))
        .optional()?
        .unwrap_or_default();
    let programmes = programme_names(conn)?;
    let line_ids: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM invoice_lines WHERE invoice_id = ?1 AND deleted_at IS NULL ORDER BY position, id",
        )?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut lines = Vec::with_capacity(line_ids.len());
    for line_id in line_ids {
        let line: InvoiceLine = store.get(&line_id)?;
        let item_ids: Vec<String> = {
            let mut stmt = conn.prepare_cached(
                "SELECT item_id FROM invoice_items WHERE line_id = ?1 AND deleted_at IS NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([&line_id], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut items = Vec::with_capacity(item_ids.len());
        for item in &item_ids {
            if let Some(r) = item_ref(conn, item)? {
                items.push(r);
            }
        }
        let programme = line.data.programme_id.as_ref().and_then(|p| programmes.get(p));
        let school = match &line.data.school_id {
            Some(s) => school_name(conn, s)?,
            None => None,
        };
        lines.push(InvoiceLineDetail {
            programme: programme.map(|p| p.0.clone()),
            earmarked_until: programme.and_then(|p| earmark_end(invoice.data.invoice_date, p.1)),
            school,
            category: line.data.category.label().to_owned(),
            items,
            line,
        });
    }
    Ok(InvoiceDetail { invoice, authority, lines })
}

/// The items with this inventory number, in every Schulträger that uses it.
pub fn find_items(conn: &Connection, inventory_number: &str) -> Result<Vec<ItemRef>, CoreError> {
    let number = inventory_number.trim();
    if number.is_empty() {
        return Err(CoreError::field("inventory_number", "required", "Bitte eine Inventarnummer eingeben."));
    }
    let ids: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT row_id FROM inventory_numbers WHERE inventory_number = ?1 ORDER BY authority_id, row_id",
        )?;
        let rows = stmt.query_map([number], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(item) = item_ref(conn, id)? {
            out.push(item);
        }
    }
    Ok(out)
}

/// Which invoice lines paid for the item, newest invoice first. Empty when no invoice is
/// linked; an error when there is no such item.
pub fn item_funding(conn: &Connection, item_id: &str) -> Result<Vec<ItemFunding>, CoreError> {
    let item = item_ref(conn, item_id)?.ok_or_else(|| CoreError::not_found("item", item_id))?;
    let programmes = programme_names(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, i.invoice_number, i.supplier, i.invoice_date, l.id, l.position, l.description, l.programme_id,
                l.category, l.gross_cents, l.federal_cents, l.land_cents, l.own_cents, l.third_party_cents
         FROM invoice_items x
         JOIN invoice_lines l ON l.id = x.line_id AND l.deleted_at IS NULL
         JOIN invoices i ON i.id = l.invoice_id AND i.deleted_at IS NULL
         WHERE x.item_id = ?1 AND x.deleted_at IS NULL
         ORDER BY i.invoice_date DESC, i.id, l.position",
    )?;
    let rows = stmt.query_map([item_id], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
            (
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ),
            r.get::<_, String>(8)?,
            [r.get::<_, i64>(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?],
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let ((invoice_id, invoice_number, supplier, date), (line_id, position, description, programme_id), category, m) =
            row?;
        let invoice_date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| CoreError::Database {
            message: format!("Das Rechnungsdatum „{date}“ ist nicht lesbar."),
        })?;
        let programme = programme_id.as_ref().and_then(|p| programmes.get(p));
        out.push(ItemFunding {
            item: item.clone(),
            invoice_id,
            invoice_number,
            supplier,
            invoice_date,
            line_id,
            position,
            description,
            programme: programme.map(|p| p.0.clone()),
            earmarked_until: programme.and_then(|p| earmark_end(invoice_date, p.1)),
            programme_id,
            category: FundingCategory::from_code(&category).map_or(category.clone(), |c| c.label().to_owned()),
            gross_cents: m[0],
            federal_cents: m[1],
            land_cents: m[2],
            own_cents: m[3],
            third_party_cents: m[4],
        });
    }
    Ok(out)
}
