//! The funding ledger as people work with it: names next to ids, the invoice list and detail,
//! which invoice paid for an item, and the entry of invoices with their lines and item links in
//! one transaction. `funding` holds the rules and the budget; this module holds the records.
//! The app and the CLI call these; they add no logic of their own.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{CoreError, FieldError};
use crate::model::Vocabulary;
use crate::model::{
    Allocation, FundingCategory, Invoice, InvoiceData, InvoiceItemData, InvoiceLine, InvoiceLineData, ItemEntity, Land,
    Measure, MeasureStatus, MediaConcept, MediaConceptData, MediaConceptStatus, Programme, ProgrammeData,
};
use crate::query::ListQuery;
use crate::store::{Store, Writer};
use crate::validate::{Ctx, PlaceCache, Validate};

pub use crate::model::Label;

/// A funding category with whether its spending buys inventory items (then a line should link
/// the items it paid for).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CategoryLabel {
    pub code: FundingCategory,
    pub label: String,
    pub label_en: String,
    pub buys_items: bool,
}

/// The labels (German and English) the page shows for the core's codes.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FundingVocabulary {
    pub lands: Vec<Label>,
    pub categories: Vec<CategoryLabel>,
    pub item_kinds: Vec<Label>,
    /// The steps of a measure, from plan to completion.
    pub measure_statuses: Vec<Label>,
    pub media_concept_statuses: Vec<Label>,
}

/// A Schulträger as a choice in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AuthorityRef {
    pub id: String,
    pub name: String,
}

/// A school as a choice in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SchoolRef {
    pub id: String,
    pub authority_id: String,
    pub school_number: String,
    pub name: String,
}

/// A record a finding concerns, by a name a person recognises.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RecordRef {
    pub id: String,
    /// The entity as in the finding ("invoice_line", "school", "device" …).
    pub entity: String,
    /// What it is called: "Rechnung RE-2021-01 (Bechtle GmbH), Position 1", "100013 Goethe-Gymnasium",
    /// "Gerät INV-000123 · Dell Latitude 5440".
    pub label: String,
    /// Where it is or what it says more (school, description); none when there is nothing more.
    pub detail: Option<String>,
    /// False when the id names no record (any more).
    pub found: bool,
}

/// A gross amount split by source, as `split_by_shares` computes it from a programme's shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct MoneySplit {
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
}

/// One invoice of the list, with the programmes its lines are paid from.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceSummary {
    pub invoice: Invoice,
    /// Short names of the programmes of its lines, in order, each once.
    pub programmes: Vec<String>,
    pub lines: u32,
}

/// A page of the invoice list.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoicePage {
    pub items: Vec<InvoiceSummary>,
    /// Cursor of the next page; none on the last page.
    pub next: Option<String>,
}

/// An inventory item an invoice line paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ItemRef {
    pub entity: ItemEntity,
    pub id: String,
    /// "Gerät", "Access Point" …
    pub kind: String,
    pub inventory_number: Option<String>,
    /// Manufacturer and model (or the provider of a line), as far as known.
    pub label: String,
    /// "100013 Goethe-Gymnasium"
    pub school: Option<String>,
    /// Retired or deleted items are still shown on their invoice.
    pub retired: bool,
}

/// One line of an invoice with the names of what it refers to and the items it paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceLineDetail {
    pub line: InvoiceLine,
    pub programme: Option<String>,
    pub school: Option<String>,
    pub category: String,
    /// The item links last until the programme's earmarking ends (none: no earmarking).
    pub earmarked_until: Option<NaiveDate>,
    pub items: Vec<ItemRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    pub authority: String,
    pub lines: Vec<InvoiceLineDetail>,
}

/// Which invoice line (and so which programme) paid for an item.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ItemFunding {
    pub item: ItemRef,
    pub invoice_id: String,
    pub invoice_number: String,
    pub supplier: String,
    pub invoice_date: NaiveDate,
    pub line_id: String,
    pub position: i64,
    pub description: Option<String>,
    pub programme_id: Option<String>,
    pub programme: Option<String>,
    pub category: String,
    pub gross_cents: i64,
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
    /// Invoice date plus the programme's earmarking years; none without earmarking.
    pub earmarked_until: Option<NaiveDate>,
}

/// A new invoice as the entry form sends it: amounts already in cents, dates already parsed.
/// The invoice's totals are the sums of its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NewInvoice {
    pub authority_id: String,
    pub supplier: String,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NewInvoiceLine {
    pub description: Option<String>,
    pub school_id: Option<String>,
    pub programme_id: Option<String>,
    pub category: FundingCategory,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
    #[serde(default)]
    pub notes: Option<String>,
    /// Inventory numbers (of the invoice's Schulträger) of the items the line paid for.
    #[serde(default)]
    pub inventory_numbers: Vec<String>,
}

/// Lists ask the store for pages of this size when they want everything (the programme
/// catalogue is a few dozen rows).
const ALL_PAGE: u32 = 1000;
/// A finding lists at most 100 records; more than this many ids are not resolved at once.
pub const MAX_RECORDS: usize = 500;

pub fn vocabulary() -> FundingVocabulary {
    FundingVocabulary {
        lands: Land::labels(),
        categories: FundingCategory::ALL
            .iter()
            .map(|c| CategoryLabel {
                code: *c,
                label: c.label().into(),
                label_en: c.label_en().into(),
                buys_items: c.buys_items(),
            })
            .collect(),
        item_kinds: ItemEntity::labels(),
        measure_statuses: MeasureStatus::labels(),
        media_concept_statuses: MediaConceptStatus::labels(),
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
pub fn programmes(store: &Store) -> Result<Vec<Programme>, CoreError> {
    let mut query = ListQuery { sort: Some("name".into()), limit: Some(ALL_PAGE), ..ListQuery::default() };
    let mut out = Vec::new();
    loop {
        let page = store.list::<ProgrammeData>(&query)?;
        out.extend(page.items);
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
    let (federal, land, own) = crate::model::split_by_shares(gross_cents, federal_bp, land_bp);
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

/// A form field of line `index` ("lines.0.gross_cents"), as the window names it.
pub fn line_field(index: usize, field: &str) -> String {
    format!("lines.{index}.{field}")
}

fn prefixed(index: usize, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors.into_iter().map(move |e| FieldError { field: line_field(index, &e.field), ..e })
}

/// Field errors of a create, or the error that is not about the input.
fn field_errors<T>(result: Result<T, CoreError>) -> Result<Result<T, Vec<FieldError>>, CoreError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(CoreError::Validation { errors, .. }) => Ok(Err(errors)),
        Err(e) => Err(e),
    }
}

/// The problems of a line whose invoice could not be written: everything but the missing
/// invoice, so the form shows all its problems at once.
fn line_problems(w: &Writer<'_>, mut line: InvoiceLineData) -> Result<Vec<FieldError>, CoreError> {
    line.normalize();
    let places = PlaceCache::default();
    let ctx = Ctx { conn: w.conn()?, today: w.today(), places: &places };
    Ok(line.validate(&ctx, None)?.into_iter().filter(|e| e.field != "invoice_id").collect())
}

/// The item with this inventory number at the Schulträger.
fn item_by_inventory_number(
    w: &Writer<'_>,
    authority_id: &str,
    number: &str,
) -> Result<Option<(ItemEntity, String)>, CoreError> {
    let found: Option<(String, String)> = w
        .conn()?
        .prepare_cached(
            "SELECT entity, row_id FROM inventory_numbers WHERE authority_id = ?1 AND inventory_number = ?2",
        )?
        .query_row([authority_id, number], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.and_then(|(entity, id)| ItemEntity::from_code(&entity).map(|e| (e, id))))
}

fn sum(values: impl Iterator<Item = i64>, field: &str, label: &str) -> Result<i64, FieldError> {
    let mut total: i64 = 0;
    for v in values {
        total = total
            .checked_add(v)
            .ok_or_else(|| FieldError::new(field, "out_of_range", format!("{label} ist unplausibel groß.")))?;
    }
    Ok(total)
}

/// Writes a new invoice. See [`save_invoice`].
pub fn create_invoice(store: &mut Store, input: NewInvoice) -> Result<InvoiceDetail, CoreError> {
    save_invoice(store, None, input)
}

/// A stored line: its id and its item links as (link id, item id).
type StoredLine = (String, Vec<(String, String)>);

/// The live lines of an invoice by position.
fn current_lines(w: &Writer<'_>, invoice_id: &str) -> Result<Vec<StoredLine>, CoreError> {
    let conn = w.read();
    let ids: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM invoice_lines WHERE invoice_id = ?1 AND deleted_at IS NULL ORDER BY position, id",
        )?;
        let rows = stmt.query_map([invoice_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut stmt = conn.prepare_cached(
            "SELECT id, item_id FROM invoice_items WHERE line_id = ?1 AND deleted_at IS NULL ORDER BY id",
        )?;
        let links = stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        out.push((id, links));
    }
    Ok(out)
}

/// Writes an invoice with its lines (positions 1, 2, … in the order given) and the links to the
/// items named by inventory number in ONE transaction: a new one (`id` none) or, for an
/// existing invoice, the changed fields of the invoice and of each line, new lines added, lines
/// beyond the given ones deleted, and item links added and removed so that each line links
/// exactly the items named. The invoice's net, VAT and gross are the sums of its lines. Every
/// problem of the invoice and of each line is reported at once (line fields as
/// `lines.N.field`), and then nothing is written.
pub fn save_invoice(store: &mut Store, id: Option<&str>, input: NewInvoice) -> Result<InvoiceDetail, CoreError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if input.lines.is_empty() {
        errors.push(FieldError::new("lines", "required", "Eine Rechnung braucht mindestens eine Position."));
    }
    let totals = [
        sum(input.lines.iter().map(|l| l.net_cents), "net_cents", "Die Nettosumme"),
        sum(input.lines.iter().map(|l| l.vat_cents), "vat_cents", "Die Umsatzsteuer"),
        sum(input.lines.iter().map(|l| l.gross_cents), "gross_cents", "Die Bruttosumme"),
    ];
    let mut total = [0i64; 3];
    for (i, t) in totals.into_iter().enumerate() {
        match t {
            Ok(v) => total[i] = v,
            Err(e) => errors.push(e),
        }
    }
    let invoice = InvoiceData {
        authority_id: input.authority_id.clone(),
        supplier: input.supplier,
        invoice_number: input.invoice_number,
        invoice_date: input.invoice_date,
        paid_on: input.paid_on,
        net_cents: total[0],
        vat_cents: total[1],
        gross_cents: total[2],
        notes: input.notes,
    };
    let authority_id = input.authority_id;
    let lines = input.lines;
    let existing_id = id.map(str::to_owned);

    let id = store.write(None, move |w| {
        let mut existing = match &existing_id {
            Some(id) => {
                let current: Invoice = w.get(id)?;
                if current.deleted_at.is_some() {
                    return Err(CoreError::not_found("invoice", id));
                }
                current_lines(w, id)?
            }
            None => Vec::new(),
        }
        .into_iter();
        let written = match &existing_id {
            Some(id) => w.update(id, invoice),
            None => w.create(invoice),
        };
        let invoice_id = match field_errors(written)? {
            Ok(row) => Some(row.id),
            Err(e) => {
                // A wrong total is a wrong line; the line says which.
                errors.extend(e.into_iter().filter(|e| e.code != "gross_mismatch"));
                None
            }
        };
        let authority_known = !errors.iter().any(|e| e.field == "authority_id");
        for (index, line) in lines.into_iter().enumerate() {
            let old = existing.next();
            let data = InvoiceLineData {
                invoice_id: invoice_id.clone().unwrap_or_default(),
                position: i64::try_from(index + 1).unwrap_or(i64::MAX),
                description: line.description,
                school_id: line.school_id,
                programme_id: line.programme_id,
                category: line.category,
                net_cents: line.net_cents,
                vat_cents: line.vat_cents,
                gross_cents: line.gross_cents,
                federal_cents: line.federal_cents,
                land_cents: line.land_cents,
                own_cents: line.own_cents,
                third_party_cents: line.third_party_cents,
                notes: line.notes,
            };
            let line_id = match &invoice_id {
                Some(_) => {
                    let written = match &old {
                        Some((old_id, _)) => w.update(old_id, data),
                        None => w.create(data),
                    };
                    match field_errors(written)? {
                        Ok(row) => Some(row.id),
                        Err(e) => {
                            errors.extend(prefixed(index, e));
                            None
                        }
                    }
                }
                None => {
                    errors.extend(prefixed(index, line_problems(w, data)?));
                    None
                }
            };
            // Inventory numbers: each once, each an item of the invoice's Schulträger.
            let mut seen: HashSet<&str> = HashSet::new();
            let mut wanted: Vec<(ItemEntity, String)> = Vec::new();
            for number in line.inventory_numbers.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                if !seen.insert(number) || !authority_known {
                    continue;
                }
                match item_by_inventory_number(w, &authority_id, number)? {
                    None => errors.push(FieldError::new(
                        &line_field(index, "inventory_numbers"),
                        "unknown_inventory_number",
                        format!("Die Inventarnummer „{number}“ ist beim Schulträger nicht erfasst."),
                    )),
                    Some(item) => wanted.push(item),
                }
            }
            let Some(line_id) = line_id else { continue };
            let old_links = old.map(|o| o.1).unwrap_or_default();
            for (link_id, item_id) in &old_links {
                if !wanted.iter().any(|(_, id)| id == item_id) {
                    w.delete::<InvoiceItemData>(link_id)?;
                }
            }
            for (item_entity, item_id) in wanted {
                if old_links.iter().any(|(_, id)| *id == item_id) {
                    continue;
                }
                let link = InvoiceItemData { line_id: line_id.clone(), item_entity, item_id };
                if let Err(e) = field_errors(w.create(link))? {
                    errors.extend(
                        e.into_iter().map(|e| FieldError { field: line_field(index, "inventory_numbers"), ..e }),
                    );
                }
            }
        }
        // Lines beyond the ones given are removed with their links.
        for (line_id, links) in existing {
            for (link_id, _) in links {
                w.delete::<InvoiceItemData>(&link_id)?;
            }
            w.delete::<InvoiceLineData>(&line_id)?;
        }
        match invoice_id {
            // Returning an error drops the transaction: nothing of the invoice is kept.
            Some(id) if errors.is_empty() => Ok(id),
            _ => Err(CoreError::validation(errors)),
        }
    })?;
    invoice_detail(store, &id)
}

/// What [`delete_invoice`] removed, so that [`restore_invoice`] can put exactly that back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct DeletedInvoice {
    pub invoice_id: String,
    pub line_ids: Vec<String>,
    pub link_ids: Vec<String>,
}

/// Deletes an invoice with its lines and item links in one transaction (soft delete: the
/// records stay, marked deleted, and [`restore_invoice`] undoes it).
pub fn delete_invoice(store: &mut Store, id: &str) -> Result<DeletedInvoice, CoreError> {
    store.write(None, |w| {
        let current: Invoice = w.get(id)?;
        if current.deleted_at.is_some() {
            return Err(CoreError::not_found("invoice", id));
        }
        let mut deleted = DeletedInvoice { invoice_id: id.to_owned(), line_ids: Vec::new(), link_ids: Vec::new() };
        for (line_id, links) in current_lines(w, id)? {
            for (link_id, _) in links {
                w.delete::<InvoiceItemData>(&link_id)?;
                deleted.link_ids.push(link_id);
            }
            w.delete::<InvoiceLineData>(&line_id)?;
            deleted.line_ids.push(line_id);
        }
        w.delete::<InvoiceData>(id)?;
        Ok(deleted)
    })
}

/// Undoes a [`delete_invoice`]: the invoice, then its lines, then their links, in one
/// transaction. Fails (and restores nothing) when, say, another invoice with the same number
/// was entered meanwhile.
pub fn restore_invoice(store: &mut Store, deleted: &DeletedInvoice) -> Result<InvoiceDetail, CoreError> {
    store.write(None, |w| {
        w.undelete::<InvoiceData>(&deleted.invoice_id)?;
        for id in &deleted.line_ids {
            w.undelete::<InvoiceLineData>(id)?;
        }
        for id in &deleted.link_ids {
            w.undelete::<InvoiceItemData>(id)?;
        }
        Ok(())
    })?;
    invoice_detail(store, &deleted.invoice_id)
}

// ---------------------------------------------------------------------------------------------
// Allocations, measures and media concepts with the names a person reads.

/// Lists of allocations and measures stop after this many rows (`more` says so).
pub const MAX_LIST: usize = 5000;

/// An allocation with the names of its programme, Schulträger and school.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AllocationRow {
    pub allocation: Allocation,
    pub programme: String,
    pub authority: String,
    /// "100013 Goethe-Gymnasium"; none for the Schulträger's whole budget.
    pub school: Option<String>,
}

/// A measure with the names of its programme and school.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct MeasureRow {
    pub measure: Measure,
    pub programme: String,
    pub authority_id: String,
    pub school: String,
    pub category: String,
}

/// A school and its Medienkonzept (none: nothing recorded, which counts as missing).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct MediaConceptRow {
    pub school: SchoolRef,
    pub concept: Option<MediaConcept>,
}

/// Rows of a list and whether more matched than were returned.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub more: bool,
}

fn ids_matching(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<(Vec<String>, bool), CoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut ids = Vec::new();
    while let Some(r) = rows.next()? {
        if ids.len() == MAX_LIST {
            return Ok((ids, true));
        }
        ids.push(r.get(0)?);
    }
    Ok((ids, false))
}

/// Allocations, optionally of one programme and/or Schulträger: the Schulträger's budget
/// first, then the schools' shares by school number.
pub fn allocations(
    store: &Store,
    programme_id: Option<&str>,
    authority_id: Option<&str>,
) -> Result<Listed<AllocationRow>, CoreError> {
    let conn = store.conn();
    let (ids, more) = ids_matching(
        conn,
        "SELECT a.id FROM allocations a
         JOIN programmes p ON p.id = a.programme_id JOIN school_authorities t ON t.id = a.authority_id
         LEFT JOIN schools s ON s.id = a.school_id
         WHERE a.deleted_at IS NULL AND (?1 IS NULL OR a.programme_id = ?1) AND (?2 IS NULL OR a.authority_id = ?2)
         ORDER BY p.name, t.name, a.school_id IS NOT NULL, s.school_number, a.id",
        rusqlite::params![programme_id, authority_id],
    )?;
    let programmes = programme_names(conn)?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let allocation: Allocation = store.get(&id)?;
        let authority = conn
            .prepare_cached("SELECT name FROM school_authorities WHERE id = ?1")?
            .query_row([&allocation.data.authority_id], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_default();
        let school = match &allocation.data.school_id {
            Some(s) => school_name(conn, s)?,
            None => None,
        };
        items.push(AllocationRow {
            programme: programmes.get(&allocation.data.programme_id).map(|p| p.0.clone()).unwrap_or_default(),
            authority,
            school,
            allocation,
        });
    }
    Ok(Listed { items, more })
}

/// Measures, optionally of one programme, Schulträger and/or school, by school number and title.
pub fn measures(
    store: &Store,
    programme_id: Option<&str>,
    authority_id: Option<&str>,
    school_id: Option<&str>,
) -> Result<Listed<MeasureRow>, CoreError> {
    let conn = store.conn();
    let (ids, more) = ids_matching(
        conn,
        "SELECT m.id FROM measures m JOIN schools s ON s.id = m.school_id
         WHERE m.deleted_at IS NULL AND (?1 IS NULL OR m.programme_id = ?1) AND (?2 IS NULL OR s.authority_id = ?2)
           AND (?3 IS NULL OR m.school_id = ?3)
         ORDER BY s.school_number, m.title, m.id",
        rusqlite::params![programme_id, authority_id, school_id],
    )?;
    let programmes = programme_names(conn)?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let measure: Measure = store.get(&id)?;
        let (authority_id, school) = conn
            .prepare_cached("SELECT authority_id, school_number || ' ' || name FROM schools WHERE id = ?1")?
            .query_row([&measure.data.school_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        items.push(MeasureRow {
            programme: programmes.get(&measure.data.programme_id).map(|p| p.0.clone()).unwrap_or_default(),
            authority_id,
            school,
            category: measure.data.category.label().to_owned(),
            measure,
        });
    }
    Ok(Listed { items, more })
}

/// Every school of a Schulträger (all schools without one) with its Medienkonzept.
pub fn media_concepts(store: &Store, authority_id: Option<&str>) -> Result<Vec<MediaConceptRow>, CoreError> {
    let conn = store.conn();
    let mut out = Vec::new();
    for school in schools(conn, authority_id)? {
        let id: Option<String> = conn
            .prepare_cached("SELECT id FROM media_concepts WHERE school_id = ?1 AND deleted_at IS NULL")?
            .query_row([&school.id], |r| r.get(0))
            .optional()?;
        let concept = match id {
            Some(id) => Some(store.get::<MediaConceptData>(&id)?),
            None => None,
        };
        out.push(MediaConceptRow { school, concept });
    }
    Ok(out)
}

/// Records a school's Medienkonzept: changes the one on record or creates it.
pub fn save_media_concept(store: &mut Store, data: MediaConceptData) -> Result<MediaConcept, CoreError> {
    let id: Option<String> = store
        .conn()
        .prepare_cached("SELECT id FROM media_concepts WHERE school_id = ?1 AND deleted_at IS NULL")?
        .query_row([data.school_id.trim()], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => store.update(&id, data),
        None => store.create(data),
    }
}
