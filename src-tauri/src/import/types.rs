//! What the import commands exchange with the front end. The exchange crate's own types carry
//! no `specta::Type` (and some hold more than the window needs), so these mirror them for the
//! generated bindings; the conversions live here too.

use std::collections::BTreeMap;

use schulinventar_core::CoreError;
use schulinventar_exchange::import::{
    ColumnInfo, ImportEntity, ImportError, ImportProgress, ImportReport, MatchKey, NewPlace, RowError,
};
use schulinventar_exchange::mapping::{header_key, Field};
use schulinventar_exchange::table::TableInfo;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Why an import step did not run: a stable `code` for the UI, a German `message` for people.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ImportFailure {
    pub code: String,
    pub message: String,
}

impl ImportFailure {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ImportFailure { code: code.to_owned(), message: message.into() }
    }
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ImportError> for ImportFailure {
    fn from(e: ImportError) -> Self {
        ImportFailure { code: e.code, message: e.message }
    }
}

impl From<CoreError> for ImportFailure {
    fn from(e: CoreError) -> Self {
        ImportFailure { code: e.code().to_owned(), message: e.to_string() }
    }
}

/// How the user wants the file read. Every value is optional: left out, the import decides
/// (first sheet with data, entity and key from the columns, mapping from the header texts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
pub struct ImportSettings {
    pub sheet: Option<String>,
    /// An entity code from [`ImportVocabulary::entities`].
    pub entity: Option<String>,
    /// A key code from [`ImportVocabulary::keys`].
    pub key: Option<String>,
    /// Column overrides by folded header text (`ColumnMapping::header_key`): a field code, or
    /// `null` for "nicht übernehmen". Columns not named here are mapped by their header.
    #[serde(default)]
    pub columns: BTreeMap<String, Option<String>>,
    /// School number for all rows of a table without a school column.
    pub school: Option<String>,
}

/// What a choice in a select is called and shown as.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// An entity a file can be imported as, with the keys its rows can be matched by.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EntityChoice {
    pub code: String,
    pub label: String,
    /// Key codes, the default first.
    pub keys: Vec<String>,
}

/// The words the mapping screen offers.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ImportVocabulary {
    pub entities: Vec<EntityChoice>,
    pub keys: Vec<Choice>,
    /// Every field a column can fill, in the order of the select.
    pub fields: Vec<Choice>,
}

pub fn entity_label(e: ImportEntity) -> &'static str {
    match e {
        ImportEntity::Schools => "Schulen",
        ImportEntity::Buildings => "Gebäude",
        ImportEntity::Rooms => "Räume",
        ImportEntity::Devices => "Geräte",
        ImportEntity::AccessPoints => "Access Points",
        ImportEntity::PresentationHardware => "Präsentationstechnik",
        ImportEntity::FibreLinks => "Anschlüsse und Leitungen",
        ImportEntity::Inventory => "Gemischte Inventarliste (nach Gerätetyp)",
        ImportEntity::Invoices => "Rechnungen (Fördermittel)",
    }
}

pub fn key_label(k: MatchKey) -> &'static str {
    match k {
        MatchKey::InventoryNumber => "Inventarnummer",
        MatchKey::SerialNumber => "Seriennummer",
        MatchKey::MacAddress => "MAC-Adresse",
        MatchKey::Natural => "Schulnummer bzw. Name/Nummer in der Schule",
    }
}

/// The keys the import accepts for an entity (see `Plan::new` in the exchange crate).
fn keys_of(e: ImportEntity) -> Vec<MatchKey> {
    match e {
        ImportEntity::Schools
        | ImportEntity::Buildings
        | ImportEntity::Rooms
        | ImportEntity::FibreLinks
        | ImportEntity::Invoices => vec![MatchKey::Natural],
        ImportEntity::AccessPoints => vec![MatchKey::MacAddress, MatchKey::InventoryNumber, MatchKey::SerialNumber],
        _ => vec![MatchKey::InventoryNumber, MatchKey::SerialNumber, MatchKey::MacAddress],
    }
}

/// German name of a store entity as the report names it ("device", "access_point" …).
pub fn store_entity_label(entity: &str) -> &'static str {
    match entity {
        "school" => "Schule",
        "school_authority" => "Schulträger",
        "building" => "Gebäude",
        "room" => "Raum",
        "device" => "Gerät",
        "access_point" => "Access Point",
        "presentation_hardware" => "Präsentationstechnik",
        "fibre_link" => "Anschluss",
        "invoice" => "Rechnung",
        "invoice_line" => "Rechnungsposition",
        "" => "",
        _ => "Eintrag",
    }
}

impl ImportVocabulary {
    pub fn get() -> Self {
        const KEYS: [MatchKey; 4] =
            [MatchKey::InventoryNumber, MatchKey::SerialNumber, MatchKey::MacAddress, MatchKey::Natural];
        ImportVocabulary {
            entities: ImportEntity::ALL
                .iter()
                .map(|e| EntityChoice {
                    code: e.cli_name().to_owned(),
                    label: entity_label(*e).to_owned(),
                    keys: keys_of(*e).into_iter().map(|k| k.name().to_owned()).collect(),
                })
                .collect(),
            keys: KEYS.iter().map(|k| Choice { code: k.name().to_owned(), label: key_label(*k).to_owned() }).collect(),
            fields: Field::ALL
                .iter()
                .map(|f| Choice { code: f.name().to_owned(), label: f.label().to_owned() })
                .collect(),
        }
    }
}

/// The file as the import found it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FileInfo {
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: u64,
    /// "CSV (Windows-1252, Trennzeichen ;)" or "XLSX".
    pub format: String,
    /// All sheets of a workbook (empty for CSV).
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub header_row: u64,
}

impl From<&TableInfo> for FileInfo {
    fn from(t: &TableInfo) -> Self {
        FileInfo {
            file_name: t.file_name.clone(),
            sha256: t.sha256.clone(),
            size_bytes: t.size_bytes,
            format: t.format.clone(),
            sheets: t.sheets.clone(),
            sheet: t.sheet.clone(),
            header_row: t.header_row,
        }
    }
}

/// One column of the sheet and the field it fills.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ColumnMapping {
    pub index: u32,
    pub header: String,
    /// The folded header text the settings and profiles name the column by.
    pub header_key: String,
    /// Field code; `null`: not imported.
    pub field: Option<String>,
    pub field_label: Option<String>,
    /// Why a recognised column is not used for this entity.
    pub note: Option<String>,
}

impl From<&ColumnInfo> for ColumnMapping {
    fn from(c: &ColumnInfo) -> Self {
        ColumnMapping {
            index: c.index as u32,
            header: c.header.clone(),
            header_key: header_key(&c.header),
            field: c.field.clone(),
            field_label: c.field_label.clone(),
            note: c.note.clone(),
        }
    }
}

/// Headers of columns that fill nothing (empty headers are no columns anyone named).
pub fn unknown_columns(columns: &[ColumnMapping]) -> Vec<String> {
    columns.iter().filter(|c| c.field.is_none() && !c.header.is_empty()).map(|c| c.header.clone()).collect()
}

/// The mapping screen: the file, what it is read as, and each column.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ImportInspection {
    pub file: FileInfo,
    pub entity: String,
    /// `null` when no key fits yet (see `problem`).
    pub key: Option<String>,
    pub columns: Vec<ColumnMapping>,
    pub unknown_columns: Vec<String>,
    /// Why the file cannot be imported with these settings yet (a key or school column is
    /// missing …); the columns are shown all the same so the user can fix the mapping.
    pub problem: Option<ImportFailure>,
}

/// How far a dry run or commit got.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Type)]
pub struct ImportProgressInfo {
    pub rows: u64,
    /// 0.0–1.0 where the size is known.
    pub fraction: Option<f64>,
}

impl From<ImportProgress> for ImportProgressInfo {
    fn from(p: ImportProgress) -> Self {
        ImportProgressInfo { rows: p.rows, fraction: p.fraction }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Everything is checked, nothing is kept.
    DryRun,
    /// All rows, or nothing if any row has an error.
    Commit,
    /// The rows without errors; the user confirmed that the others are left out.
    CommitValidOnly,
}

/// One problem of one row (errors and warnings alike).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RowProblem {
    pub row: u64,
    /// The column's header text, "" where the whole row is concerned.
    pub column: String,
    pub value: String,
    pub code: String,
    pub message: String,
}

impl From<&RowError> for RowProblem {
    fn from(e: &RowError) -> Self {
        RowProblem {
            row: e.row,
            column: e.column.clone(),
            value: e.value.clone(),
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }
}

/// A school authority, building or room the import creates.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct NewPlaceInfo {
    pub row: u64,
    /// school_authority, building or room.
    pub kind: String,
    pub kind_label: String,
    pub school_number: Option<String>,
    pub name: String,
}

impl From<&NewPlace> for NewPlaceInfo {
    fn from(p: &NewPlace) -> Self {
        NewPlaceInfo {
            row: p.row,
            kind: p.kind.clone(),
            kind_label: store_entity_label(&p.kind).to_owned(),
            school_number: p.school_number.clone(),
            name: p.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EntityCounts {
    pub entity: String,
    pub label: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
}

/// At most this many warnings and new places travel with a summary; the counts are complete.
pub const LISTED: usize = 500;

/// What a dry run found or a commit did. The rows themselves are fetched page by page
/// (`import_preview_rows`), so a sheet of 100,000 rows never crosses IPC at once.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ImportSummary {
    /// Names this result for `import_preview_rows` and `import_save_errors`.
    pub report_id: u32,
    pub file: FileInfo,
    pub entity: String,
    pub entity_label: String,
    pub key: String,
    pub key_label: String,
    pub columns: Vec<ColumnMapping>,
    pub unknown_columns: Vec<String>,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
    pub by_entity: Vec<EntityCounts>,
    /// The first [`LISTED`] warnings; `warnings_total` counts all.
    pub warnings: Vec<RowProblem>,
    pub warnings_total: u64,
    /// The first [`LISTED`] new places; `new_places_total` counts all.
    pub new_places: Vec<NewPlaceInfo>,
    pub new_places_total: u64,
    /// Errors counted but not listed one by one.
    pub errors_not_listed: u64,
    pub committed: bool,
    pub dry_run: bool,
    pub valid_only: bool,
    pub import_id: Option<String>,
}

impl ImportSummary {
    pub fn new(report_id: u32, r: &ImportReport) -> Self {
        let columns: Vec<ColumnMapping> = r.columns.iter().map(ColumnMapping::from).collect();
        ImportSummary {
            report_id,
            file: FileInfo::from(&r.file),
            entity: r.entity.cli_name().to_owned(),
            entity_label: entity_label(r.entity).to_owned(),
            key: r.key.name().to_owned(),
            key_label: key_label(r.key).to_owned(),
            unknown_columns: unknown_columns(&columns),
            columns,
            rows: r.rows,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            errors: r.errors,
            by_entity: r
                .by_entity
                .iter()
                .map(|(entity, c)| EntityCounts {
                    entity: entity.clone(),
                    label: store_entity_label(entity).to_owned(),
                    created: c.created,
                    updated: c.updated,
                    unchanged: c.unchanged,
                    errors: c.errors,
                })
                .collect(),
            warnings: r.warnings.iter().take(LISTED).map(RowProblem::from).collect(),
            warnings_total: r.warnings.len() as u64,
            new_places: r.new_places.iter().take(LISTED).map(NewPlaceInfo::from).collect(),
            new_places_total: r.new_places.len() as u64,
            errors_not_listed: r.errors_not_listed,
            committed: r.committed,
            dry_run: r.dry_run,
            valid_only: r.valid_only,
            import_id: r.import_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    Error,
}

/// One line of the preview table: a row, or one problem of a row with errors.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PreviewLine {
    pub row: u64,
    pub outcome: RowOutcome,
    /// "Gerät", "Schule" … ("" where the row could not be placed).
    pub entity_label: String,
    /// The row's key value (inventory number, school number …).
    pub key: String,
    /// The column concerned (errors), or the changed fields (updates).
    pub column: String,
    pub value: String,
    /// The German error message, or what an update changes.
    pub message: String,
}

/// One page of preview lines.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PreviewPage {
    /// Lines matching the filter, in all.
    pub total: u32,
    pub offset: u32,
    pub lines: Vec<PreviewLine>,
}

/// An item only the sheet has (row) or only the inventory has (no row).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReconcileItem {
    pub row: Option<u32>,
    pub entity: String,
    pub entity_label: String,
    pub school_number: Option<String>,
    pub key: String,
    pub description: Option<String>,
}

/// One field in which sheet and inventory differ.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReconcileDifference {
    pub row: u32,
    pub key: String,
    pub field_label: String,
    pub sheet: String,
    pub inventory: String,
}

/// The comparison of a sheet with the inventory; lists hold at most 1,000 entries each, the
/// counts are complete and the report file holds everything.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReconcileSummary {
    pub only_in_sheet: u32,
    pub only_in_inventory: u32,
    pub different: u32,
    pub identical: u32,
    pub errors: u32,
    pub sheet_only: Vec<ReconcileItem>,
    pub inventory_only: Vec<ReconcileItem>,
    pub differences: Vec<ReconcileDifference>,
    /// Where the XLSX report was written, if asked for.
    pub report_path: Option<String>,
}
