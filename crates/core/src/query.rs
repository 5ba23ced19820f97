//! Read side: filtered, sorted, keyset-paginated lists of every entity, the global full-text
//! search, and counts. Pages come from the database; nothing loads a whole table.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::entity::{self, Entity, EntityInfo};
use crate::error::{CoreError, Result};
use crate::fold::words;
use crate::model::Row;
use crate::store::{from_sql, read_row, select_list, Store};

pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 1000;

/// What a list shows: filters, order and the page wanted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct ListQuery {
    /// Free text: every word must occur (prefix match, umlauts folded).
    pub search: Option<String>,
    /// Only rows of this school (by id).
    pub school_id: Option<String>,
    /// Only rows of the school with this official number.
    pub school_number: Option<String>,
    pub building_id: Option<String>,
    pub room_id: Option<String>,
    /// Only rows whose `status` has this code (entities with a status).
    pub status: Option<String>,
    /// Column to sort by; must be one of the entity's sortable columns. Default: the first.
    pub sort: Option<String>,
    #[serde(default)]
    pub descending: bool,
    /// Opaque cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, default 100, at most 1000.
    pub limit: Option<u32>,
    /// Include soft-deleted rows.
    #[serde(default)]
    pub include_deleted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Cursor of the next page; none on the last page.
    pub next: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    v: Value,
    id: String,
}

fn bad_cursor() -> CoreError {
    CoreError::invalid_argument(Some("after"), "Die Seitenmarke ist ungültig; bitte die Liste neu laden.")
}

fn value_param(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Number(n) => n.as_i64().map(SqlValue::Integer).unwrap_or(SqlValue::Null),
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        other => SqlValue::Text(other.to_string()),
    }
}

/// Lists rows of an entity. Keyset pagination on (sort column, id): a page never repeats or
/// skips a row that existed when the first page was read, whatever is inserted meanwhile.
pub fn list<T: Entity>(conn: &Connection, q: &ListQuery) -> Result<Page<Row<T>>> {
    let info = T::INFO;
    let sort = match &q.sort {
        None => info.sortable[0],
        Some(s) => info.sortable.iter().copied().find(|c| c == s).ok_or_else(|| {
            CoreError::invalid_argument(
                Some("sort"),
                format!("Nach „{s}“ kann nicht sortiert werden. Möglich: {}.", info.sortable.join(", ")),
            )
        })?,
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let (mut wheres, mut params) = filters(conn, info, q)?;
    let p = |v: SqlValue, params: &mut Vec<SqlValue>| {
        params.push(v);
        format!("?{}", params.len())
    };
    if let Some(after) = &q.after {
        let c: Cursor = serde_json::from_str(after).map_err(|_| bad_cursor())?;
        let id = p(SqlValue::Text(c.id), &mut params);
        let cond = if sort == "id" {
            format!("t.id {} {id}", if q.descending { "<" } else { ">" })
        } else if c.v.is_null() {
            if q.descending {
                format!("(t.{sort} IS NULL AND t.id < {id})")
            } else {
                format!("((t.{sort} IS NULL AND t.id > {id}) OR t.{sort} IS NOT NULL)")
            }
        } else {
            let v = p(value_param(&c.v), &mut params);
            if q.descending {
                format!("((t.{sort}, t.id) < ({v}, {id}) OR t.{sort} IS NULL)")
            } else {
                format!("(t.{sort}, t.id) > ({v}, {id})")
            }
        };
        wheres.push(cond);
    }
    let dir = if q.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {}, t.{sort} FROM {} t {} ORDER BY t.{sort} {dir}, t.id {dir} LIMIT {}",
        select_list(info, "t"),
        info.table,
        if wheres.is_empty() { String::new() } else { format!("WHERE {}", wheres.join(" AND ")) },
        limit + 1
    );
    let sort_idx = info.columns.len() + 4;
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut items = Vec::with_capacity(limit as usize);
    let mut last_key: Option<Value> = None;
    let mut more = false;
    while let Some(r) = rows.next()? {
        if items.len() == limit as usize {
            more = true;
            break;
        }
        last_key = Some(from_sql(r.get_ref(sort_idx)?));
        items.push(read_row::<T>(r)?);
    }
    let next = match (more, items.last(), last_key) {
        (true, Some(row), Some(v)) => Some(serde_json::to_string(&Cursor { v, id: row.id.clone() })?),
        _ => None,
    };
    Ok(Page { items, next })
}

/// The conditions of a list query without its page cursor (on the table aliased `t`), with their
/// parameters.
fn filters(conn: &Connection, info: &EntityInfo, q: &ListQuery) -> Result<(Vec<String>, Vec<SqlValue>)> {
    let mut wheres: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let p = |v: SqlValue, params: &mut Vec<SqlValue>| {
        params.push(v);
        format!("?{}", params.len())
    };
    if !q.include_deleted {
        wheres.push("t.deleted_at IS NULL".into());
    }
    let school_col = info.school_column;
    if let Some(s) = &q.school_id {
        let col = school_col.ok_or_else(|| no_filter("school_id"))?;
        let m = p(SqlValue::Text(s.clone()), &mut params);
        wheres.push(format!("t.{col} = {m}"));
    }
    if let Some(nr) = &q.school_number {
        let m = p(SqlValue::Text(nr.clone()), &mut params);
        let cond = match (info.name, school_col) {
            ("loan", _) => format!(
                "t.device_id IN (SELECT d.id FROM devices d JOIN schools s ON s.id = d.school_id WHERE s.school_number = {m})"
            ),
            (_, Some(col)) => format!("t.{col} IN (SELECT id FROM schools WHERE school_number = {m})"),
            (_, None) => return Err(no_filter("school_number")),
        };
        wheres.push(cond);
    }
    for (field, value) in [("building_id", &q.building_id), ("room_id", &q.room_id), ("status", &q.status)] {
        if let Some(v) = value {
            if !info.columns.contains(&field) {
                return Err(no_filter(field));
            }
            let m = p(SqlValue::Text(v.clone()), &mut params);
            wheres.push(format!("t.{field} = {m}"));
        }
    }
    if let Some(text) = q.search.as_deref().filter(|s| !s.trim().is_empty()) {
        match (info.search_code, fts_match(conn, text)?) {
            (Some(_), Some(fts)) => {
                let m = p(SqlValue::Text(fts), &mut params);
                let e = p(SqlValue::Text(info.name.into()), &mut params);
                wheres.push(format!(
                    "t.id IN (SELECT row_id FROM search_index WHERE search_index MATCH {m} AND entity = {e})"
                ));
            }
            (Some(_), None) => wheres.push("0".into()),
            (None, _) => {
                // Entities outside the full-text index are searched by their sortable text columns.
                let like = format!("%{}%", text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                let m = p(SqlValue::Text(like), &mut params);
                let ors: Vec<String> =
                    info.sortable.iter().map(|c| format!("CAST(t.{c} AS TEXT) LIKE {m} ESCAPE '\\'")).collect();
                wheres.push(format!("({})", ors.join(" OR ")));
            }
        }
    }
    Ok((wheres, params))
}

/// How many rows a list query matches over all its pages (its cursor, sort and limit ignored).
pub fn count(conn: &Connection, info: &EntityInfo, q: &ListQuery) -> Result<u64> {
    let (wheres, params) = filters(conn, info, q)?;
    let sql = format!(
        "SELECT count(*) FROM {} t {}",
        info.table,
        if wheres.is_empty() { String::new() } else { format!("WHERE {}", wheres.join(" AND ")) }
    );
    let n: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(params), |r| r.get(0))?;
    Ok(n as u64)
}

fn no_filter(field: &str) -> CoreError {
    CoreError::invalid_argument(Some(field), format!("Diese Liste kann nicht nach „{field}“ gefiltert werden."))
}

/// One hit of the global search.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct SearchHit {
    /// Entity name: school, room, device, access_point, presentation_hardware.
    pub entity: String,
    pub id: String,
    pub school_id: Option<String>,
    pub title: String,
}

/// Most words a prefix is expanded into; a broader prefix keeps the first ones (and the word
/// itself, if it is one).
const MAX_EXPANSION: usize = 32;

/// Builds the FTS5 query for text a user typed: every word must occur, as a prefix (so "Brän"
/// finds "Brändström"). Prefixes are expanded into the index's whole words through
/// `search_vocab` and matched as `("w1" OR "w2" …)`: FTS5 can seek in whole-word doclists and stop
/// at a LIMIT, while a native prefix query merges every matching doclist first, which takes
/// hundreds of milliseconds for frequent words on millions of rows. `None`: nothing can match.
pub fn fts_match(conn: &Connection, text: &str) -> Result<Option<String>> {
    let words = words(text);
    if words.is_empty() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached("SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3")?;
    let mut groups = Vec::with_capacity(words.len());
    for w in &words {
        let upper = format!("{w}\u{10FFFF}");
        let mut terms: Vec<String> = stmt
            .query_map(rusqlite::params![w, upper, MAX_EXPANSION as i64 + 1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if terms.is_empty() {
            return Ok(None);
        }
        terms.truncate(MAX_EXPANSION);
        let alternatives: Vec<String> = terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
        groups.push(format!("({})", alternatives.join(" OR ")));
    }
    Ok(Some(groups.join(" AND ")))
}

/// Global search across schools, rooms, devices, access points and presentation hardware.
/// Results are grouped by entity kind (schools first), oldest entry first within a kind, at
/// most `limit_per_kind` per kind. Ordering by rowid lets FTS5 stop at the limit instead of
/// ranking every match.
pub fn search(conn: &Connection, text: &str, limit_per_kind: u32) -> Result<Vec<SearchHit>> {
    let Some(query) = fts_match(conn, text)? else {
        return Ok(Vec::new());
    };
    let limit = limit_per_kind.clamp(1, 200);
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT entity, row_id, school_id, title FROM search_index
         WHERE search_index MATCH ?1 AND rowid >= ?2 AND rowid < ?3 ORDER BY rowid LIMIT ?4",
    )?;
    for info in entity::ALL.iter().filter(|e| e.search_code.is_some()) {
        let code = info.search_code.unwrap_or_default();
        let rows = stmt.query_map(rusqlite::params![query, code << 40, (code + 1) << 40, limit], |r| {
            Ok(SearchHit { entity: r.get(0)?, id: r.get(1)?, school_id: r.get(2)?, title: r.get(3)? })
        })?;
        for hit in rows {
            out.push(hit?);
        }
    }
    Ok(out)
}

/// Number of live rows per entity, keyed by table name (plural snake_case).
pub fn stats(conn: &Connection) -> Result<serde_json::Map<String, Value>> {
    let mut out = serde_json::Map::new();
    for info in entity::ALL {
        let n: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {} WHERE deleted_at IS NULL", info.table), [], |r| r.get(0))?;
        out.insert(info.table.into(), Value::from(n));
    }
    Ok(out)
}

/// Counts of one school's inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct InventoryCounts {
    pub buildings: i64,
    pub rooms: i64,
    pub devices: i64,
    pub open_loans: i64,
    pub access_points: i64,
    pub presentation_hardware: i64,
    pub fibre_links: i64,
}

const COUNT_TABLES: [(&str, &str); 6] = [
    ("buildings", "buildings"),
    ("rooms", "rooms"),
    ("devices", "devices"),
    ("access_points", "access_points"),
    ("presentation_hardware", "presentation_hardware"),
    ("fibre_links", "fibre_links"),
];

fn counts_where(conn: &Connection, school_filter: &str, param: &str) -> Result<InventoryCounts> {
    let mut c = InventoryCounts::default();
    for (field, table) in COUNT_TABLES {
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE deleted_at IS NULL AND school_id {school_filter}"),
            [param],
            |r| r.get(0),
        )?;
        match field {
            "buildings" => c.buildings = n,
            "rooms" => c.rooms = n,
            "devices" => c.devices = n,
            "access_points" => c.access_points = n,
            "presentation_hardware" => c.presentation_hardware = n,
            _ => c.fibre_links = n,
        }
    }
    c.open_loans = conn.query_row(
        &format!(
            "SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id
             WHERE l.deleted_at IS NULL AND l.returned_on IS NULL AND d.school_id {school_filter}"
        ),
        [param],
        |r| r.get(0),
    )?;
    Ok(c)
}

/// Counts of one school's inventory.
pub fn school_counts(conn: &Connection, school_id: &str) -> Result<InventoryCounts> {
    counts_where(conn, "= ?1", school_id)
}

/// Counts over all schools of one Schulträger.
pub fn authority_counts(conn: &Connection, authority_id: &str) -> Result<InventoryCounts> {
    counts_where(conn, "IN (SELECT id FROM schools WHERE authority_id = ?1 AND deleted_at IS NULL)", authority_id)
}

impl Store {
    pub fn list<T: Entity>(&self, q: &ListQuery) -> Result<Page<Row<T>>> {
        list::<T>(self.conn(), q)
    }

    pub fn search(&self, text: &str, limit_per_kind: u32) -> Result<Vec<SearchHit>> {
        search(self.conn(), text, limit_per_kind)
    }

    pub fn stats(&self) -> Result<serde_json::Map<String, Value>> {
        stats(self.conn())
    }

    /// Lists schools (the desktop shell's first screen).
    pub fn list_schools(&self, q: &ListQuery) -> Result<Page<crate::model::School>> {
        self.list::<crate::model::SchoolData>(q)
    }

    /// Looks a school up by its official number.
    pub fn school_by_number(&self, number: &str) -> Result<crate::model::School> {
        let page = self.list::<crate::model::SchoolData>(&ListQuery {
            school_number: Some(number.to_owned()),
            limit: Some(2),
            ..Default::default()
        })?;
        page.items.into_iter().next().ok_or_else(|| CoreError::NotFound {
            message: format!("Eine Schule mit der Schulnummer „{number}“ gibt es nicht."),
            entity: "school".into(),
            id: number.into(),
        })
    }
}

/// Describes an entity for generic callers (the CLI's `list ENTITY`).
pub fn info_by_cli_name(name: &str) -> Result<&'static EntityInfo> {
    entity::by_cli_name(name).ok_or_else(|| {
        let names: Vec<&str> = entity::ALL.iter().map(|e| e.cli_name).collect();
        CoreError::invalid_argument(
            Some("entity"),
            format!("Unbekannte Liste „{name}“. Möglich: {}.", names.join(", ")),
        )
    })
}

/// Runs `$body` with `$t` bound to the data type of the entity named `$name` (change-log name).
#[macro_export]
macro_rules! with_entity_type {
    ($name:expr, $t:ident => $body:expr, else $other:expr) => {{
        use $crate::model::*;
        match $name {
            "school_authority" => {
                type $t = SchoolAuthorityData;
                $body
            }
            "school" => {
                type $t = SchoolData;
                $body
            }
            "building" => {
                type $t = BuildingData;
                $body
            }
            "room" => {
                type $t = RoomData;
                $body
            }
            "device" => {
                type $t = DeviceData;
                $body
            }
            "programme" => {
                type $t = ProgrammeData;
                $body
            }
            "allocation" => {
                type $t = AllocationData;
                $body
            }
            "measure" => {
                type $t = MeasureData;
                $body
            }
            "invoice" => {
                type $t = InvoiceData;
                $body
            }
            "invoice_line" => {
                type $t = InvoiceLineData;
                $body
            }
            "invoice_item" => {
                type $t = InvoiceItemData;
                $body
            }
            "media_concept" => {
                type $t = MediaConceptData;
                $body
            }
            "loan" => {
                type $t = LoanData;
                $body
            }
            "access_point" => {
                type $t = AccessPointData;
                $body
            }
            "presentation_hardware" => {
                type $t = PresentationHardwareData;
                $body
            }
            "fibre_link" => {
                type $t = FibreLinkData;
                $body
            }
            _ => $other,
        }
    }};
}

/// A page of any entity as JSON objects (field names as in the TypeScript bindings).
pub fn list_json(conn: &Connection, info: &EntityInfo, q: &ListQuery) -> Result<Page<Value>> {
    with_entity_type!(info.name, T => {
        let page = list::<T>(conn, q)?;
        Ok(Page {
            items: page.items.iter().map(serde_json::to_value).collect::<std::result::Result<_, _>>()?,
            next: page.next,
        })
    }, else Err(CoreError::invalid_argument(Some("entity"), "Unbekannter Eintragstyp.")))
}
