//! The import: reads a table, maps its columns, turns every row into an inventory record and
//! writes it through the store in ONE transaction. A dry run does exactly the same and rolls
//! back, so the preview is what a commit would do, down to the database's own checks. Each row
//! is one all-or-nothing step (a savepoint): a bad row never leaves half of itself behind.
//! Reconciliation runs the same pipeline as a dry run and reports the differences.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use schulinventar_core::validate_funding::euros;
use schulinventar_core::{
    split_by_shares, AccessPointData, AssetFields, AssetStatus, Building, BuildingData, CoreError, DeviceCategory,
    DeviceData, Entity, FibreLinkData, FibreLinkType, ImportRun, InvoiceData, InvoiceItemData, InvoiceLineData,
    ItemEntity, Land, LinkStatus, LoanData, PresentationHardwareData, PresentationKind, Room, RoomData, RoomKind, Row,
    SchoolAuthorityData, SchoolData, Source, Store, UserGroup, Validate, Writer,
};
use serde::Serialize;

use crate::csv_source::ReadError;
use crate::mapping::{self, field_for_header, header_key, Field, ItemKind};
use crate::table::{open_table, Progress, Table, TableInfo, TableOptions, TableRow};
use crate::values::{self, ValueError};
use crate::workbook::Cell;

/// What a file is imported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportEntity {
    Schools,
    Buildings,
    Rooms,
    Devices,
    AccessPoints,
    PresentationHardware,
    FibreLinks,
    /// A mixed list: each row goes where its type word says.
    Inventory,
    /// Invoice lines; rows with the same supplier and invoice number are the lines of one invoice.
    Invoices,
}

impl ImportEntity {
    pub const ALL: &'static [ImportEntity] = &[
        ImportEntity::Schools,
        ImportEntity::Buildings,
        ImportEntity::Rooms,
        ImportEntity::Devices,
        ImportEntity::AccessPoints,
        ImportEntity::PresentationHardware,
        ImportEntity::FibreLinks,
        ImportEntity::Inventory,
        ImportEntity::Invoices,
    ];

    pub fn cli_name(self) -> &'static str {
        match self {
            ImportEntity::Schools => "schools",
            ImportEntity::Buildings => "buildings",
            ImportEntity::Rooms => "rooms",
            ImportEntity::Devices => "devices",
            ImportEntity::AccessPoints => "access-points",
            ImportEntity::PresentationHardware => "presentation-hardware",
            ImportEntity::FibreLinks => "fibre-links",
            ImportEntity::Inventory => "inventory",
            ImportEntity::Invoices => "invoices",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<ImportEntity> {
        ImportEntity::ALL.iter().copied().find(|e| e.cli_name() == name)
    }

    /// The German name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            ImportEntity::Schools => "Schulen",
            ImportEntity::Buildings => "Gebäude",
            ImportEntity::Rooms => "Räume",
            ImportEntity::Devices => "Geräte",
            ImportEntity::AccessPoints => "Access Points",
            ImportEntity::PresentationHardware => "Präsentationstechnik",
            ImportEntity::FibreLinks => "Anschlüsse und Leitungen",
            ImportEntity::Inventory => "Gemischte Inventarliste",
            ImportEntity::Invoices => "Rechnungen",
        }
    }

    /// The keys rows of this entity can be matched by.
    pub fn keys(self) -> &'static [MatchKey] {
        match self {
            ImportEntity::Schools
            | ImportEntity::Buildings
            | ImportEntity::Rooms
            | ImportEntity::FibreLinks
            | ImportEntity::Invoices => &[MatchKey::Natural],
            ImportEntity::AccessPoints => &[MatchKey::MacAddress, MatchKey::InventoryNumber, MatchKey::SerialNumber],
            _ => &[MatchKey::InventoryNumber, MatchKey::SerialNumber],
        }
    }

    /// The fields a column can fill for this entity.
    pub fn fields(self) -> Vec<Field> {
        let targets: Vec<Target> = match self.target() {
            Some(t) => vec![t],
            None => vec![Target::Device(None), Target::AccessPoint, Target::Presentation(None)],
        };
        Field::ALL.iter().copied().filter(|f| targets.iter().any(|t| fields_of(*t).contains(f))).collect()
    }

    fn target(self) -> Option<Target> {
        Some(match self {
            ImportEntity::Schools => Target::School,
            ImportEntity::Buildings => Target::Building,
            ImportEntity::Rooms => Target::Room,
            ImportEntity::Devices => Target::Device(None),
            ImportEntity::AccessPoints => Target::AccessPoint,
            ImportEntity::PresentationHardware => Target::Presentation(None),
            ImportEntity::FibreLinks => Target::FibreLink,
            ImportEntity::Invoices => Target::InvoiceLine,
            ImportEntity::Inventory => return None,
        })
    }

    /// Guesses the entity from the columns a sheet has.
    pub fn guess(fields: &HashSet<Field>) -> ImportEntity {
        let has = |f: Field| fields.contains(&f);
        let asset = has(Field::InventoryNumber) || has(Field::SerialNumber);
        if has(Field::InvoiceNumber) {
            ImportEntity::Invoices
        } else if asset && has(Field::Type) {
            ImportEntity::Inventory
        } else if has(Field::MacAddress) || has(Field::Ssids) || has(Field::WifiStandard) {
            ImportEntity::AccessPoints
        } else if has(Field::DownMbps) || has(Field::Technology) || has(Field::LinkType) || has(Field::FibreType) {
            ImportEntity::FibreLinks
        } else if !asset && (has(Field::SchoolType) || has(Field::Pupils) || has(Field::AuthorityNumber)) {
            ImportEntity::Schools
        } else if !asset && has(Field::Room) {
            ImportEntity::Rooms
        } else if !asset && has(Field::Building) {
            ImportEntity::Buildings
        } else {
            ImportEntity::Devices
        }
    }
}

/// The field that identifies an existing item, so re-importing updates instead of duplicating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    InventoryNumber,
    SerialNumber,
    MacAddress,
    /// Schools: the Land's school number; buildings, rooms and fibre links: their name or
    /// number within the school.
    Natural,
}

impl MatchKey {
    pub fn name(self) -> &'static str {
        match self {
            MatchKey::InventoryNumber => "inventory_number",
            MatchKey::SerialNumber => "serial_number",
            MatchKey::MacAddress => "mac_address",
            MatchKey::Natural => "natural",
        }
    }

    pub fn from_name(name: &str) -> Option<MatchKey> {
        Some(match name {
            "inventory_number" | "inventar" | "inventarnummer" => MatchKey::InventoryNumber,
            "serial_number" | "serial" | "seriennummer" => MatchKey::SerialNumber,
            "mac_address" | "mac" => MatchKey::MacAddress,
            "natural" | "school_number" | "name" | "number" => MatchKey::Natural,
            _ => return None,
        })
    }

    /// The German name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            MatchKey::InventoryNumber => "Inventarnummer",
            MatchKey::SerialNumber => "Seriennummer",
            MatchKey::MacAddress => "MAC-Adresse",
            MatchKey::Natural => "Schulnummer, Name bzw. Nummer",
        }
    }

    fn field(self) -> Option<Field> {
        match self {
            MatchKey::InventoryNumber => Some(Field::InventoryNumber),
            MatchKey::SerialNumber => Some(Field::SerialNumber),
            MatchKey::MacAddress => Some(Field::MacAddress),
            MatchKey::Natural => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything is checked and written, then rolled back.
    DryRun,
    /// All rows or nothing; with `valid_only` the valid rows of a file with errors.
    Commit { valid_only: bool },
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub table: TableOptions,
    pub entity: Option<ImportEntity>,
    pub key: Option<MatchKey>,
    /// Column overrides by folded header text ([`header_key`]): `None` ignores the column.
    pub columns: BTreeMap<String, Option<Field>>,
    /// School number used for rows without a school column.
    pub school: Option<String>,
    /// Land of school authorities and schools the import creates.
    pub land: Land,
    pub mode: Mode,
    /// Errors listed one by one (all are counted).
    pub max_listed_errors: usize,
    /// Per-row results kept for the preview (all are counted).
    pub max_listed_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            table: TableOptions::default(),
            entity: None,
            key: None,
            columns: BTreeMap::new(),
            school: None,
            land: Land::Nw,
            mode: Mode::DryRun,
            max_listed_errors: 100_000,
            max_listed_rows: 100_000,
        }
    }
}

/// One problem of one row, as the sender of the file sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The row number the spreadsheet program shows.
    pub row: u64,
    /// The column's header text ("" where the problem concerns the whole row).
    pub column: String,
    pub value: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Error,
}

/// One field an update changes: the inventory's value and the sheet's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowResult {
    pub row: u64,
    /// Store entity name ("device", "access_point" …); "" where the row could not be placed.
    pub entity: String,
    pub outcome: Outcome,
    /// The row's key value (inventory number, school number …).
    pub key: String,
    pub id: Option<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
}

impl Counts {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Error => self.errors += 1,
        }
    }
}

/// A school authority, building or room the import creates because the sheet names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPlace {
    pub row: u64,
    pub kind: String,
    pub school_number: Option<String>,
    pub name: String,
}

/// How a column is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnInfo {
    pub index: usize,
    pub header: String,
    /// The field it fills, by name; None: not imported.
    pub field: Option<String>,
    pub field_label: Option<String>,
    /// Why a recognised column is not used for this entity.
    pub note: Option<String>,
}

/// Everything an import did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file: TableInfo,
    pub entity: ImportEntity,
    pub key: MatchKey,
    pub columns: Vec<ColumnInfo>,
    /// Headers of columns that fill no field.
    pub unmapped_columns: Vec<String>,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
    pub by_entity: BTreeMap<String, Counts>,
    pub error_rows: Vec<RowError>,
    /// Errors counted but not listed (beyond `max_listed_errors`).
    pub errors_not_listed: u64,
    pub warnings: Vec<RowError>,
    pub new_places: Vec<NewPlace>,
    /// Per-row results (the first `max_listed_rows`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub row_results: Vec<RowResult>,
    pub committed: bool,
    pub dry_run: bool,
    pub valid_only: bool,
    pub import_id: Option<String>,
    /// The original cells of rows with errors, for the error workbook.
    #[serde(skip)]
    pub error_cells: Vec<(u64, Vec<String>)>,
    /// Ids of the existing rows the sheet matched (reconciliation).
    #[serde(skip)]
    pub matched: HashMap<&'static str, HashSet<String>>,
    /// Schools the sheet's rows belong to (reconciliation).
    #[serde(skip)]
    pub schools: HashSet<String>,
}

/// Why an import as a whole did not run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> Self {
        let message = match e.row {
            Some(r) => format!("Zeile {r}: {}", e.message),
            None => e.message,
        };
        ImportError { code: e.code.to_owned(), message }
    }
}

impl From<CoreError> for ImportError {
    fn from(e: CoreError) -> Self {
        ImportError { code: e.code().to_owned(), message: e.to_string() }
    }
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImportProgress {
    pub rows: u64,
    /// 0.0–1.0 where the size is known.
    pub fraction: Option<f64>,
}

/// Lets the caller follow and stop an import.
pub struct Control<'a> {
    pub cancel: &'a AtomicBool,
    pub progress: &'a mut dyn FnMut(ImportProgress),
}

const CANCELLED: &str = "cancelled";

fn cancelled() -> ImportError {
    ImportError { code: CANCELLED.into(), message: "Der Import wurde abgebrochen; es wurde nichts gespeichert.".into() }
}

/// Opens a file and shows how its columns would be read, without touching the database.
/// How a file would be read: its columns and their fields, the entity and key, and what keeps
/// it from being imported as it is (a missing key column …) as data, so the mapping screen can
/// show the columns and let the user fix the mapping.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub file: TableInfo,
    pub entity: ImportEntity,
    pub key: MatchKey,
    pub columns: Vec<ColumnInfo>,
    pub problem: Option<ImportError>,
}

/// Like [`inspect`], but a mapping problem is part of the answer; only an unreadable file is an
/// error.
pub fn inspect_table(path: &Path, options: &ImportOptions) -> Result<Inspection, ImportError> {
    let table = open_table(path, &options.table)?;
    let (plan, problem) = Plan::build(&table.info, options);
    Ok(Inspection {
        columns: plan.column_infos(&table.info),
        file: table.info.clone(),
        entity: plan.entity,
        key: plan.key,
        problem,
    })
}

pub fn inspect(
    path: &Path,
    options: &ImportOptions,
) -> Result<(TableInfo, ImportEntity, MatchKey, Vec<ColumnInfo>), ImportError> {
    let table = open_table(path, &options.table)?;
    let plan = Plan::new(&table.info, options)?;
    Ok((table.info.clone(), plan.entity, plan.key, plan.column_infos(&table.info)))
}

/// Runs an import (or its dry run) of `path` into `store`.
pub fn run_import(
    store: &mut Store,
    path: &Path,
    options: &ImportOptions,
    control: Control<'_>,
) -> Result<ImportReport, ImportError> {
    let table = open_table(path, &options.table)?;
    let plan = Plan::new(&table.info, options)?;
    let started = chrono::Utc::now().to_rfc3339();
    let source = Source {
        kind: "import",
        file_name: Some(table.info.file_name.clone()),
        sha256: Some(table.info.sha256.clone()),
    };
    let mut report = ImportReport {
        file: table.info.clone(),
        entity: plan.entity,
        key: plan.key,
        columns: plan.column_infos(&table.info),
        unmapped_columns: Vec::new(),
        rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        errors: 0,
        by_entity: BTreeMap::new(),
        error_rows: Vec::new(),
        errors_not_listed: 0,
        warnings: Vec::new(),
        new_places: Vec::new(),
        row_results: Vec::new(),
        committed: false,
        dry_run: options.mode == Mode::DryRun,
        valid_only: matches!(options.mode, Mode::Commit { valid_only: true }),
        import_id: None,
        error_cells: Vec::new(),
        matched: HashMap::new(),
        schools: HashSet::new(),
    };
    report.unmapped_columns =
        report.columns.iter().filter(|c| c.field.is_none() && !c.header.is_empty()).map(|c| c.header.clone()).collect();
    let author = store.author().to_owned();
    let progress = table.progress();
    // A larger page cache for the one big transaction: its indexes are touched row by row.
    // 128 MiB keeps the whole import well within its memory budget.
    let cache: i64 = store.conn().pragma_query_value(None, "cache_size", |r| r.get(0)).map_err(CoreError::from)?;
    store.conn().pragma_update(None, "cache_size", -131_072).map_err(CoreError::from)?;
    let result = store.write_if(Some(source), |w| {
        let cancel = control.cancel;
        let mut run = Runner::new(w, &plan, options, &mut report)?;
        if let Err(stop) = run.rows(table, &progress, control)? {
            return Ok((Err(stop), false));
        }
        run.finish()?;
        // A cancel that came after the last row still means: keep nothing.
        if cancel.load(Ordering::Relaxed) {
            return Ok((Err(cancelled()), false));
        }
        // Rows the reader could not read at all may come late; list everything in sheet order.
        report.error_rows.sort_by_key(|e| e.row);
        report.error_cells.sort_by_key(|e| e.0);
        report.row_results.sort_by_key(|e| e.row);
        let commit = match options.mode {
            Mode::DryRun => false,
            Mode::Commit { valid_only } => report.errors == 0 || valid_only,
        };
        if !commit {
            // Undo everything: the preview is exactly what a commit would have done.
            return Ok((Ok(()), false));
        }
        let id = uuid::Uuid::now_v7().to_string();
        w.record_import(&ImportRun {
            id: id.clone(),
            file_name: report.file.file_name.clone(),
            sha256: report.file.sha256.clone(),
            sheet: report.file.sheet.clone(),
            entity: plan.entity.cli_name().to_owned(),
            match_key: plan.key.name().to_owned(),
            author,
            started_at: started,
            finished_at: chrono::Utc::now().to_rfc3339(),
            rows: report.rows as i64,
            created: report.created as i64,
            updated: report.updated as i64,
            unchanged: report.unchanged as i64,
            errors: report.errors as i64,
            valid_only: report.errors > 0,
        })?;
        report.import_id = Some(id);
        report.committed = true;
        Ok((Ok(()), true))
    });
    store.conn().pragma_update(None, "cache_size", cache).map_err(CoreError::from)?;
    result??;
    if report.committed && report.created + report.updated > 10_000 {
        store.optimize()?;
    }
    Ok(report)
}

/// How the columns of this file are read and what they become.
struct Plan {
    entity: ImportEntity,
    key: MatchKey,
    /// Per column: the field it fills.
    columns: Vec<Option<Field>>,
    by_field: HashMap<Field, usize>,
    headers: Vec<String>,
}

fn fields_of(target: Target) -> Vec<Field> {
    use Field::*;
    // What every device, access point and presentation device can carry; their own fields follow.
    const ASSET: &[Field] = &[
        InventoryNumber,
        SerialNumber,
        Manufacturer,
        Model,
        PurchaseDate,
        Price,
        WarrantyEnd,
        Status,
        Notes,
        SchoolNumber,
        SchoolName,
        Building,
        Room,
        Type,
    ];
    let asset = matches!(target, Target::Device(_) | Target::AccessPoint | Target::Presentation(_));
    let own: &[Field] = match target {
        Target::School => &[
            SchoolNumber,
            SchoolName,
            SchoolName2,
            SchoolType,
            AuthorityNumber,
            Street,
            Postcode,
            City,
            Pupils,
            Teachers,
            SocialIndex,
            Notes,
        ],
        Target::Building => &[SchoolNumber, SchoolName, Building, BuildingCode, Street, Notes],
        Target::Room => &[SchoolNumber, SchoolName, Building, Room, RoomName, Floor, RoomKind, WlanCoverage, Notes],
        Target::Device(_) => &[Os, UserGroup, HolderName, LoanedOn, DueOn],
        Target::AccessPoint => &[MacAddress, WifiStandard, Bands, Poe, Controller, Ssids, InstalledOn],
        Target::Presentation(_) => &[SizeInches, InstalledOn],
        Target::InvoiceLine => &[
            InvoiceNumber,
            Supplier,
            InvoiceDate,
            PaidOn,
            NetAmount,
            VatAmount,
            GrossAmount,
            FederalShare,
            LandShare,
            OwnShare,
            ThirdPartyShare,
            Description,
            InventoryNumbers,
            Programme,
            Type,
            SchoolNumber,
            SchoolName,
            Notes,
        ],
        Target::FibreLink => &[
            SchoolNumber,
            SchoolName,
            LinkType,
            Provider,
            Technology,
            DownMbps,
            UpMbps,
            Status,
            CommissionedOn,
            ContractEnd,
            MonthlyCost,
            FibreType,
            FibreCount,
            LengthM,
            FromBuilding,
            ToBuilding,
            Notes,
        ],
    };
    if asset {
        ASSET.iter().chain(own).copied().collect()
    } else {
        own.to_vec()
    }
}

impl Plan {
    fn new(info: &TableInfo, options: &ImportOptions) -> Result<Plan, ImportError> {
        match Plan::build(info, options) {
            (plan, None) => Ok(plan),
            (_, Some(problem)) => Err(problem),
        }
    }

    /// The plan, and what keeps it from being imported (a missing key column …), if anything.
    fn build(info: &TableInfo, options: &ImportOptions) -> (Plan, Option<ImportError>) {
        let mut columns: Vec<Option<Field>> = Vec::with_capacity(info.header.len());
        for (i, header) in info.header.iter().enumerate() {
            let parts = &info.header_parts[i];
            let key = header_key(header);
            let field = if let Some(o) = options.columns.get(&key) {
                *o
            } else {
                // The whole header, else its most specific (lowest) part: under a merged
                // heading "Preis", "netto" is not the price, "brutto" may be ("Preis brutto").
                field_for_header(header).or_else(|| parts.last().and_then(|p| field_for_header(p)))
            };
            columns.push(field.filter(|f| !columns.contains(&Some(*f))));
        }
        let present: HashSet<Field> = columns.iter().flatten().copied().collect();
        let entity = options.entity.unwrap_or_else(|| ImportEntity::guess(&present));
        // Places, schools and invoices are matched by what names them; items by a key field.
        let natural = entity.keys() == [MatchKey::Natural];
        let key_result: Result<MatchKey, ImportError> = match options.key {
            Some(k) if natural && k != MatchKey::Natural => Err(ImportError {
                code: "invalid_key".into(),
                message: format!(
                    "„{}“ werden über Schulnummer, Name bzw. Nummer zugeordnet, nicht über „{}“.",
                    entity.cli_name(),
                    k.name()
                ),
            }),
            Some(MatchKey::Natural) if !natural => Err(ImportError {
                code: "invalid_key".into(),
                message: "Geräte werden über inventory_number, serial_number oder mac_address zugeordnet.".into(),
            }),
            Some(k) => Ok(k),
            None if natural => Ok(MatchKey::Natural),
            None if entity == ImportEntity::AccessPoints && present.contains(&Field::MacAddress) => {
                Ok(MatchKey::MacAddress)
            }
            None if present.contains(&Field::SerialNumber) && !present.contains(&Field::InventoryNumber) => {
                Ok(MatchKey::SerialNumber)
            }
            None => Ok(MatchKey::InventoryNumber),
        };
        let key = key_result.clone().unwrap_or(if natural { MatchKey::Natural } else { MatchKey::InventoryNumber });
        let checks = || -> Result<(), ImportError> {
            if let Some(f) = key.field() {
                if !present.contains(&f) {
                    return Err(ImportError {
                        code: "key_column_missing".into(),
                        message: format!(
                            "Die Tabelle hat keine Spalte „{}“, über die die Zeilen zugeordnet werden könnten. \
                         Bitte die Spalte zuordnen oder einen anderen Schlüssel wählen.",
                            f.label()
                        ),
                    });
                }
            }
            if entity == ImportEntity::Inventory && !present.contains(&Field::Type) {
                return Err(ImportError {
                    code: "type_column_missing".into(),
                    message: "Für eine gemischte Inventarliste braucht die Tabelle eine Spalte „Gerätetyp“.".into(),
                });
            }
            if entity == ImportEntity::Invoices {
                for f in [Field::InvoiceNumber, Field::Supplier, Field::InvoiceDate] {
                    if !present.contains(&f) {
                        return Err(ImportError {
                            code: "column_missing".into(),
                            message: format!("Eine Rechnungsliste braucht eine Spalte „{}“.", f.label()),
                        });
                    }
                }
            }
            let needs_school = !matches!(entity, ImportEntity::Schools | ImportEntity::Invoices);
            if needs_school && options.school.is_none() && !present.contains(&Field::SchoolNumber) {
                return Err(ImportError {
                code: "school_column_missing".into(),
                message:
                    "Die Tabelle hat keine Spalte „Schulnummer“. Bitte die Schule angeben, zu der alle Zeilen gehören."
                        .into(),
            });
            }
            if entity == ImportEntity::Schools && !present.contains(&Field::SchoolNumber) {
                return Err(ImportError {
                    code: "key_column_missing".into(),
                    message: "Eine Schulliste braucht eine Spalte „Schulnummer“.".into(),
                });
            }
            Ok(())
        };
        let problem = key_result.err().or_else(|| checks().err());
        let by_field = columns.iter().enumerate().filter_map(|(i, f)| f.map(|f| (f, i))).collect();
        (Plan { entity, key, columns, by_field, headers: info.header.clone() }, problem)
    }

    fn usable(&self, field: Field) -> bool {
        match self.entity.target() {
            Some(t) => fields_of(t).contains(&field),
            None => [Target::Device(None), Target::AccessPoint, Target::Presentation(None)]
                .iter()
                .any(|t| fields_of(*t).contains(&field)),
        }
    }

    fn column_infos(&self, info: &TableInfo) -> Vec<ColumnInfo> {
        info.header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let field = self.columns.get(i).copied().flatten();
                let note = match field {
                    Some(Field::Programme) if self.entity != ImportEntity::Invoices => Some(
                        "Förderprogramme werden mit dem Fördermittel-Modul zugeordnet; die Spalte wird hier nicht übernommen."
                            .to_owned(),
                    ),
                    Some(Field::SchoolName) if self.entity != ImportEntity::Schools => {
                        Some("Die Schule wird über die Schulnummer zugeordnet; der Name dient nur der Anzeige.".into())
                    }
                    Some(f) if !self.usable(f) => Some(format!("Wird für „{}“ nicht übernommen.", self.entity.cli_name())),
                    _ => None,
                };
                let label = match field {
                    Some(Field::Type) if self.entity == ImportEntity::Invoices => Some("Förderkategorie".to_owned()),
                    Some(Field::Type) => Some("Art / Gerätetyp".to_owned()),
                    f => f.map(|f| f.label().to_owned()),
                };
                ColumnInfo {
                    index: i,
                    header: h.clone(),
                    field: field.map(|f| f.name().to_owned()),
                    field_label: label,
                    note,
                }
            })
            .collect()
    }
}

/// Where a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    School,
    Building,
    Room,
    Device(Option<DeviceCategory>),
    AccessPoint,
    Presentation(Option<PresentationKind>),
    FibreLink,
    InvoiceLine,
}

impl Target {
    fn entity_name(self) -> &'static str {
        match self {
            Target::School => "school",
            Target::Building => "building",
            Target::Room => "room",
            Target::Device(_) => "device",
            Target::AccessPoint => "access_point",
            Target::Presentation(_) => "presentation_hardware",
            Target::FibreLink => "fibre_link",
            Target::InvoiceLine => "invoice_line",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Target::School => "Schule",
            Target::Building => "Gebäude",
            Target::Room => "Raum",
            Target::Device(_) => "Gerät",
            Target::AccessPoint => "Access Point",
            Target::Presentation(_) => "Präsentationstechnik",
            Target::FibreLink => "Anschluss",
            Target::InvoiceLine => "Rechnungsposition",
        }
    }
}

#[derive(Debug, Clone)]
struct SchoolRef {
    id: String,
    authority_id: String,
    number: String,
}

/// Reads the cells of one row, collecting every problem instead of stopping at the first.
struct Cells<'p, 'r> {
    plan: &'p Plan,
    row: &'r TableRow,
    errors: Vec<RowError>,
}

impl Cells<'_, '_> {
    fn cell(&self, f: Field) -> Option<&Cell> {
        let i = *self.plan.by_field.get(&f)?;
        self.row.cells.get(i).filter(|c| !c.is_empty())
    }

    fn column(&self, f: Field) -> String {
        // A field the sheet has no column for: the problem concerns the row as a whole.
        self.plan.by_field.get(&f).and_then(|i| self.plan.headers.get(*i)).cloned().unwrap_or_default()
    }

    fn fail(&mut self, f: Field, code: &str, message: impl Into<String>) {
        let value = self.cell(f).map(Cell::to_text).unwrap_or_default();
        self.errors.push(RowError {
            row: self.row.number,
            column: self.column(f),
            value,
            code: code.to_owned(),
            message: message.into(),
        });
    }

    fn parsed<T>(&mut self, f: Field, r: Result<T, ValueError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(f, e.code, e.message);
                None
            }
        }
    }

    fn text(&self, f: Field) -> Option<String> {
        self.cell(f).map(|c| c.to_text().trim().to_owned()).filter(|t| !t.is_empty())
    }

    fn date(&mut self, f: Field) -> Option<NaiveDate> {
        let c = self.cell(f)?.clone();
        let r = c.date();
        self.parsed(f, r)
    }

    fn cents(&mut self, f: Field) -> Option<i64> {
        let c = self.cell(f)?.clone();
        let r = c.cents();
        self.parsed(f, r)
    }

    fn int(&mut self, f: Field) -> Option<i64> {
        let c = self.cell(f)?.clone();
        let r = match c {
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => Ok(n as i64),
            Cell::Number(n) => {
                Err(ValueError { code: "not_an_integer", message: format!("{n} ist keine ganze Zahl.") })
            }
            other => values::parse_integer(&other.to_text()),
        };
        self.parsed(f, r)
    }

    fn boolean(&mut self, f: Field) -> Option<bool> {
        let c = self.cell(f)?.clone();
        let r = match c {
            Cell::Bool(b) => Ok(b),
            other => {
                let t = other.to_text();
                // "PoE+", "PoE++" and "802.3at" say yes to PoE.
                if f == Field::Poe && (header_key(&t).starts_with("poe") || t.contains("802.3")) {
                    Ok(true)
                } else {
                    values::parse_bool(&t)
                }
            }
        };
        self.parsed(f, r)
    }

    /// A vocabulary word; an unknown word is an error naming the words that are understood.
    fn word<T>(&mut self, f: Field, read: fn(&str) -> Option<T>, expected: &str) -> Option<T> {
        let t = self.text(f)?;
        let v = read(&t);
        if v.is_none() {
            let shown: String = t.chars().take(60).collect();
            self.fail(f, "unknown_word", format!("„{shown}“ ist nicht bekannt. Erwartet z. B. {expected}."));
        }
        v
    }
}

struct Runner<'w, 'a, 'o> {
    w: &'w mut Writer<'a>,
    plan: &'o Plan,
    options: &'o ImportOptions,
    report: &'o mut ImportReport,
    schools: HashMap<String, SchoolRef>,
    /// School numbers with leading zeros stripped → school, where unique.
    schools_unpadded: HashMap<String, Option<SchoolRef>>,
    authorities: HashMap<String, (String, Land)>,
    /// (school id, folded building name) → building id.
    buildings: HashMap<(String, String), String>,
    /// (school id, building id, folded room number) → room id.
    rooms: HashMap<(String, String, String), String>,
    loaded_places: HashSet<String>,
    /// Rows written by this import: id → sheet row number.
    touched: HashMap<String, u64>,
    /// Programmes by folded name and short name → (id, federal share, Land share).
    programmes: HashMap<String, (String, i64, i64)>,
    /// Lines this file gave each invoice so far: invoice id → count.
    invoice_lines: HashMap<String, i64>,
    listed_errors: usize,
}

type Step<T> = Result<T, RowFailure>;

/// Why a row was not written.
enum RowFailure {
    Row(Vec<RowError>),
    Fatal(CoreError),
}

impl From<CoreError> for RowFailure {
    fn from(e: CoreError) -> Self {
        RowFailure::Fatal(e)
    }
}

impl From<rusqlite::Error> for RowFailure {
    fn from(e: rusqlite::Error) -> Self {
        RowFailure::Fatal(e.into())
    }
}

/// Which sheet column a store field's error belongs to.
fn field_of_column(column: &str) -> Option<Field> {
    Some(match column {
        "school_id" | "authority_id" => Field::SchoolNumber,
        "building_id" => Field::Building,
        "room_id" => Field::Room,
        "category" | "kind" => Field::Type,
        "name" => Field::SchoolName,
        "number" => Field::Room,
        "school_type" | "school_type_label" => Field::SchoolType,
        "social_index" => Field::SocialIndex,
        "from_building_id" => Field::FromBuilding,
        "to_building_id" => Field::ToBuilding,
        "wifi_standard" => Field::WifiStandard,
        "device_id" => Field::HolderName,
        other => return Field::from_name(other),
    })
}

impl<'w, 'a, 'o> Runner<'w, 'a, 'o> {
    fn new(
        w: &'w mut Writer<'a>,
        plan: &'o Plan,
        options: &'o ImportOptions,
        report: &'o mut ImportReport,
    ) -> schulinventar_core::Result<Self> {
        let mut schools = HashMap::new();
        let mut schools_unpadded: HashMap<String, Option<SchoolRef>> = HashMap::new();
        {
            let conn = w.conn()?;
            let mut stmt =
                conn.prepare("SELECT id, authority_id, school_number FROM schools WHERE deleted_at IS NULL")?;
            let rows =
                stmt.query_map([], |r| Ok(SchoolRef { id: r.get(0)?, authority_id: r.get(1)?, number: r.get(2)? }))?;
            for s in rows {
                let s = s?;
                let unpadded = s.number.trim_start_matches('0').to_owned();
                schools_unpadded.entry(unpadded).and_modify(|e| *e = None).or_insert_with(|| Some(s.clone()));
                schools.insert(s.number.clone(), s);
            }
        }
        let mut authorities = HashMap::new();
        {
            let conn = w.conn()?;
            let mut stmt = conn.prepare(
                "SELECT id, coalesce(authority_number, ''), land FROM school_authorities WHERE deleted_at IS NULL",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
            for a in rows {
                let (id, number, land) = a?;
                authorities.insert(number, (id, Land::from_code(&land).unwrap_or(Land::Nw)));
            }
        }
        let mut programmes = HashMap::new();
        {
            let conn = w.conn()?;
            let mut stmt = conn.prepare(
                "SELECT id, name, coalesce(short_name, ''), federal_share_bp, land_share_bp FROM programmes
                 WHERE deleted_at IS NULL ORDER BY created_at",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?))
            })?;
            for p in rows {
                let (id, name, short, federal, land): (String, String, String, i64, i64) = p?;
                for n in [name, short].iter().filter(|n| !n.is_empty()) {
                    programmes.entry(header_key(n)).or_insert((id.clone(), federal, land));
                }
            }
        }
        Ok(Runner {
            w,
            plan,
            options,
            report,
            schools,
            schools_unpadded,
            authorities,
            buildings: HashMap::new(),
            rooms: HashMap::new(),
            loaded_places: HashSet::new(),
            touched: HashMap::new(),
            programmes,
            invoice_lines: HashMap::new(),
            listed_errors: 0,
        })
    }

    /// Reads and writes every row. The inner error stops the import (cancelled, file unreadable).
    fn rows(
        &mut self,
        table: Table,
        progress: &Progress,
        control: Control<'_>,
    ) -> schulinventar_core::Result<Result<(), ImportError>> {
        let mut n: u64 = 0;
        let mut last_report = std::time::Instant::now();
        for row in table {
            if control.cancel.load(Ordering::Relaxed) {
                return Ok(Err(cancelled()));
            }
            match row {
                Ok(row) => self.row(&row)?,
                Err(e) if e.row.is_some() => {
                    let number = e.row.unwrap_or(0);
                    self.report.rows += 1;
                    self.record(
                        number,
                        "",
                        Outcome::Error,
                        String::new(),
                        None,
                        Vec::new(),
                        vec![RowError {
                            row: number,
                            column: String::new(),
                            value: String::new(),
                            code: e.code.to_owned(),
                            message: e.message,
                        }],
                        Vec::new(),
                    );
                }
                Err(e) => return Ok(Err(e.into())),
            }
            n += 1;
            // Every 1000 rows, and at least five times a second for slow rows.
            if n % 1000 == 0 || last_report.elapsed() >= std::time::Duration::from_millis(200) {
                last_report = std::time::Instant::now();
                (control.progress)(ImportProgress { rows: n, fraction: progress.fraction() });
            }
        }
        (control.progress)(ImportProgress { rows: n, fraction: Some(1.0) });
        Ok(Ok(()))
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        number: u64,
        entity: &str,
        outcome: Outcome,
        key: String,
        id: Option<String>,
        changes: Vec<FieldChange>,
        errors: Vec<RowError>,
        cells: Vec<String>,
    ) {
        let r = &mut *self.report;
        match outcome {
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Unchanged => r.unchanged += 1,
            Outcome::Error => r.errors += 1,
        }
        if !entity.is_empty() {
            r.by_entity.entry(entity.to_owned()).or_default().add(outcome);
        }
        for e in errors {
            if self.listed_errors < self.options.max_listed_errors {
                r.error_rows.push(e);
                self.listed_errors += 1;
            } else {
                r.errors_not_listed += 1;
            }
        }
        if outcome == Outcome::Error && r.error_cells.len() < self.options.max_listed_errors {
            r.error_cells.push((number, cells));
        }
        if r.row_results.len() < self.options.max_listed_rows {
            r.row_results.push(RowResult { row: number, entity: entity.to_owned(), outcome, key, id, changes });
        }
    }

    fn row(&mut self, row: &TableRow) -> schulinventar_core::Result<()> {
        self.report.rows += 1;
        let mut cells = Cells { plan: self.plan, row, errors: Vec::new() };
        // Where the row goes.
        let target = match self.plan.entity.target() {
            Some(Target::Device(_)) => {
                Target::Device(cells.word(Field::Type, device_category, "Laptop, Tablet, Desktop-PC"))
            }
            Some(Target::Presentation(_)) => {
                Target::Presentation(cells.word(Field::Type, presentation_kind, "Beamer, Interaktives Display"))
            }
            Some(t) => t,
            None => match cells.text(Field::Type).map(|t| mapping::item_kind(&t)) {
                Some(Some(ItemKind::Device(c))) => Target::Device(Some(c)),
                Some(Some(ItemKind::Presentation(k))) => Target::Presentation(Some(k)),
                Some(Some(ItemKind::AccessPoint)) => Target::AccessPoint,
                Some(None) => {
                    let t = cells.text(Field::Type).unwrap_or_default();
                    let shown: String = t.chars().take(60).collect();
                    cells.fail(
                        Field::Type,
                        "unknown_type",
                        format!(
                            "Gerätetyp „{shown}“ ist nicht bekannt. Erwartet z. B. Laptop, Tablet, Beamer, \
                             Interaktives Display, Dokumentenkamera, Access Point."
                        ),
                    );
                    // Every other problem of the row is reported too.
                    self.school_of(&mut cells);
                    parse_asset(&mut cells);
                    let key = self.key_text(Target::Device(None), &cells);
                    return self.finish_error(row, "", key, std::mem::take(&mut cells.errors));
                }
                None => {
                    cells.fail(Field::Type, "required", "Der Gerätetyp fehlt.");
                    self.school_of(&mut cells);
                    parse_asset(&mut cells);
                    let key = self.key_text(Target::Device(None), &cells);
                    return self.finish_error(row, "", key, std::mem::take(&mut cells.errors));
                }
            },
        };
        let entity = target.entity_name();
        let school = match target {
            Target::School => None,
            Target::InvoiceLine if cells.text(Field::SchoolNumber).is_none() && self.options.school.is_none() => None,
            _ => self.school_of(&mut cells),
        };
        if let Some(s) = &school {
            self.report.schools.insert(s.id.clone());
        }
        let key_text = self.key_text(target, &cells);
        let school = school.as_ref();
        let result = match target {
            Target::School => self.school_row(&mut cells),
            Target::Building => self.building_row(&mut cells, school),
            Target::Room => self.room_row(&mut cells, school),
            Target::Device(c) => self.device_row(&mut cells, school, c),
            Target::AccessPoint => self.access_point_row(&mut cells, school),
            Target::Presentation(k) => self.presentation_row(&mut cells, school, k),
            Target::FibreLink => self.fibre_row(&mut cells, school),
            Target::InvoiceLine => self.invoice_row(&mut cells, school),
        };
        match result {
            Ok((outcome, id, changes)) => {
                if let Some(id) = &id {
                    self.report.matched.entry(entity).or_default().insert(id.clone());
                }
                self.record(row.number, entity, outcome, key_text, id, changes, Vec::new(), Vec::new());
                Ok(())
            }
            Err(RowFailure::Row(mut errors)) => {
                let mut all = std::mem::take(&mut cells.errors);
                all.append(&mut errors);
                if all.is_empty() {
                    all.push(RowError {
                        row: row.number,
                        column: String::new(),
                        value: String::new(),
                        code: "invalid_row".into(),
                        message: format!("Die Zeile kann nicht als {} übernommen werden.", target.label()),
                    });
                }
                self.finish_error(row, entity, key_text, all)
            }
            Err(RowFailure::Fatal(e)) => Err(e),
        }
    }

    fn finish_error(
        &mut self,
        row: &TableRow,
        entity: &str,
        key: String,
        mut errors: Vec<RowError>,
    ) -> schulinventar_core::Result<()> {
        // Left to right, as the sender reads the row; problems of the whole row first.
        errors.sort_by_key(|e| {
            if e.column.is_empty() {
                None
            } else {
                Some(self.plan.headers.iter().position(|h| *h == e.column).unwrap_or(usize::MAX))
            }
        });
        let cells = row.cells.iter().map(Cell::to_text).collect();
        self.record(row.number, entity, Outcome::Error, key, None, Vec::new(), errors, cells);
        Ok(())
    }

    fn key_text(&self, target: Target, cells: &Cells<'_, '_>) -> String {
        match target {
            Target::School => cells.text(Field::SchoolNumber),
            Target::Building => cells.text(Field::Building),
            Target::Room => cells.text(Field::Room),
            Target::FibreLink => cells.text(Field::Provider).or_else(|| cells.text(Field::LinkType)),
            Target::InvoiceLine => cells.text(Field::InvoiceNumber),
            _ => self.plan.key.field().and_then(|f| cells.text(f)),
        }
        .unwrap_or_default()
    }

    /// The school a row belongs to: by its school number (leading zeros restored), else the
    /// school the user chose for the whole file.
    fn school_of(&mut self, cells: &mut Cells<'_, '_>) -> Option<SchoolRef> {
        let (text, from_column) = match cells.text(Field::SchoolNumber) {
            Some(t) => (t, true),
            None => match &self.options.school {
                Some(s) => (s.clone(), false),
                None => {
                    cells.fail(Field::SchoolNumber, "required", "Die Schulnummer fehlt.");
                    return None;
                }
            },
        };
        let found = self.schools.get(&text).cloned().or_else(|| {
            let unpadded = text.trim_start_matches('0');
            if unpadded.bytes().all(|b| b.is_ascii_digit()) {
                self.schools_unpadded.get(unpadded).cloned().flatten()
            } else {
                None
            }
        });
        if found.is_none() {
            let shown: String = text.chars().take(40).collect();
            if from_column {
                cells.fail(
                    Field::SchoolNumber,
                    "unknown_school",
                    format!("Eine Schule mit der Nummer {shown} gibt es im Inventar nicht. Bitte zuerst die Schule anlegen oder importieren."),
                );
            } else {
                cells.errors.push(RowError {
                    row: cells.row.number,
                    column: String::new(),
                    value: shown.clone(),
                    code: "unknown_school".into(),
                    message: format!("Eine Schule mit der Nummer {shown} gibt es im Inventar nicht."),
                });
            }
        }
        found
    }

    fn load_places(&mut self, school_id: &str) -> schulinventar_core::Result<()> {
        if !self.loaded_places.insert(school_id.to_owned()) {
            return Ok(());
        }
        let conn = self.w.read();
        let mut stmt = conn.prepare("SELECT id, name FROM buildings WHERE school_id = ?1 AND deleted_at IS NULL")?;
        let rows = stmt.query_map([school_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for b in rows {
            let (id, name) = b?;
            self.buildings.entry((school_id.to_owned(), header_key(&name))).or_insert(id);
        }
        let mut stmt = conn.prepare(
            "SELECT id, coalesce(building_id, ''), number FROM rooms WHERE school_id = ?1 AND deleted_at IS NULL",
        )?;
        let rows = stmt
            .query_map([school_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for room in rows {
            let (id, building, number) = room?;
            let key = header_key(&number);
            self.rooms.entry((school_id.to_owned(), building.clone(), key.clone())).or_insert(id.clone());
            // A room is also found by its number alone when the sheet names no building.
            self.rooms.entry((school_id.to_owned(), "*".into(), key)).or_insert(id);
        }
        Ok(())
    }

    /// The building a row names, created if the school does not have it yet.
    fn building(&mut self, cells: &mut Cells<'_, '_>, f: Field, school: &SchoolRef) -> Step<Option<String>> {
        let Some(name) = cells.text(f) else { return Ok(None) };
        self.load_places(&school.id)?;
        let key = (school.id.clone(), header_key(&name));
        if let Some(id) = self.buildings.get(&key) {
            return Ok(Some(id.clone()));
        }
        let row = self
            .w
            .create(BuildingData {
                school_id: school.id.clone(),
                name: name.clone(),
                code: None,
                street: None,
                notes: None,
            })
            .map_err(|e| self.store_errors(cells, e))?;
        self.buildings.insert(key, row.id.clone());
        self.report.new_places.push(NewPlace {
            row: cells.row.number,
            kind: "building".into(),
            school_number: Some(school.number.clone()),
            name,
        });
        Ok(Some(row.id))
    }

    /// The room a row names (in its building, if named), created if missing.
    fn room(&mut self, cells: &mut Cells<'_, '_>, school: &SchoolRef, building: Option<&str>) -> Step<Option<String>> {
        let Some(number) = cells.text(Field::Room) else { return Ok(None) };
        self.load_places(&school.id)?;
        let folded = header_key(&number);
        let by_building = (school.id.clone(), building.unwrap_or("").to_owned(), folded.clone());
        let any = (school.id.clone(), "*".to_owned(), folded);
        // In the named building; else a room of that number not assigned to any building; else,
        // where the sheet names no building, any room of that number.
        let unassigned = (school.id.clone(), String::new(), any.2.clone());
        let found = self.rooms.get(&by_building).or_else(|| self.rooms.get(&unassigned)).or_else(|| {
            if building.is_none() {
                self.rooms.get(&any)
            } else {
                None
            }
        });
        if let Some(id) = found {
            return Ok(Some(id.clone()));
        }
        let row = self
            .w
            .create(RoomData {
                school_id: school.id.clone(),
                building_id: building.map(str::to_owned),
                number: number.clone(),
                name: None,
                floor: None,
                kind: guess_room_kind(&number),
                wlan_coverage: None,
                notes: None,
            })
            .map_err(|e| self.store_errors(cells, e))?;
        self.rooms.insert(by_building, row.id.clone());
        self.rooms.entry(any).or_insert(row.id.clone());
        self.report.new_places.push(NewPlace {
            row: cells.row.number,
            kind: "room".into(),
            school_number: Some(school.number.clone()),
            name: number,
        });
        Ok(Some(row.id))
    }

    /// Turns the store's field errors into row errors naming the sheet's columns.
    fn store_errors(&self, cells: &Cells<'_, '_>, e: CoreError) -> RowFailure {
        match e {
            CoreError::Validation { errors, .. } => RowFailure::Row(
                errors
                    .into_iter()
                    .map(|fe| {
                        let field = field_of_column(&fe.field);
                        RowError {
                            row: cells.row.number,
                            column: field.map(|f| cells.column(f)).unwrap_or_default(),
                            value: field.and_then(|f| cells.cell(f)).map(Cell::to_text).unwrap_or_default(),
                            code: fe.code,
                            message: fe.message,
                        }
                    })
                    .collect(),
            ),
            other => RowFailure::Fatal(other),
        }
    }

    /// A file naming the same item twice would silently overwrite its own first row.
    fn duplicate(&self, cells: &Cells<'_, '_>, id: &str, what: &str) -> Option<RowFailure> {
        let first = self.touched.get(id)?;
        let f = self.plan.key.field().unwrap_or(Field::SchoolNumber);
        Some(RowFailure::Row(vec![RowError {
            row: cells.row.number,
            column: cells.column(f),
            value: cells.text(f).unwrap_or_default(),
            code: "duplicate_in_file".into(),
            message: format!("{what} steht schon in Zeile {first} dieser Datei."),
        }]))
    }

    /// Writes one record: creates it, or updates the fields that differ from the stored row.
    fn write<T: Entity + Validate + Serialize>(
        &mut self,
        cells: &Cells<'_, '_>,
        existing: Option<Row<T>>,
        mut data: T,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        data.normalize();
        let number = cells.row.number;
        let result = match existing {
            Some(current) => {
                if current.data == data {
                    self.touched.insert(current.id.clone(), number);
                    return Ok((Outcome::Unchanged, Some(current.id), Vec::new()));
                }
                let changes = changes(self.w.read(), &current.data, &data)?;
                self.w.update(&current.id, data).map(|r| (Outcome::Updated, r.id, changes))
            }
            None => self.w.create(data).map(|r| (Outcome::Created, r.id, Vec::new())),
        };
        match result {
            Ok((outcome, id, changes)) => {
                self.touched.insert(id.clone(), number);
                Ok((outcome, Some(id), changes))
            }
            Err(e) => Err(self.store_errors(cells, e)),
        }
    }

    /// Runs a row's writes as one step: all of it or nothing.
    fn step<R>(&mut self, f: impl FnOnce(&mut Self) -> Step<R>) -> Step<R> {
        let (buildings, rooms) = (self.buildings.len(), self.rooms.len());
        let new_places = self.report.new_places.len();
        self.w.begin_step()?;
        match f(self) {
            Ok(v) => {
                self.w.end_step(true)?;
                Ok(v)
            }
            Err(failure) => {
                self.w.end_step(false)?;
                // Places created by the undone step are gone again.
                if self.buildings.len() != buildings || self.rooms.len() != rooms {
                    self.buildings.clear();
                    self.rooms.clear();
                    self.loaded_places.clear();
                }
                self.report.new_places.truncate(new_places);
                Err(failure)
            }
        }
    }

    /// Puts the parsed values over the stored item (or a new one) and resolves its building and
    /// room, creating them if the school does not have them yet.
    fn place_asset(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: &SchoolRef,
        existing: Option<&AssetFields>,
        input: AssetInput,
    ) -> Step<AssetFields> {
        let mut a = existing.cloned().unwrap_or(AssetFields {
            school_id: school.id.clone(),
            building_id: None,
            room_id: None,
            inventory_number: None,
            serial_number: None,
            manufacturer: None,
            model: None,
            purchase_date: None,
            price_cents: None,
            warranty_end: None,
            status: AssetStatus::InUse,
            notes: None,
        });
        if a.school_id != school.id {
            // Moved to another school: its old building and room do not come along.
            a.school_id.clone_from(&school.id);
            a.building_id = None;
            a.room_id = None;
        }
        set(&mut a.inventory_number, input.inventory_number);
        set(&mut a.serial_number, input.serial_number);
        set(&mut a.manufacturer, input.manufacturer);
        set(&mut a.model, input.model);
        set(&mut a.purchase_date, input.purchase_date);
        set(&mut a.price_cents, input.price_cents);
        set(&mut a.warranty_end, input.warranty_end);
        if let Some(s) = input.status {
            a.status = s;
        }
        set(&mut a.notes, input.notes);
        let building = self.building(cells, Field::Building, school)?;
        if building.is_some() {
            a.building_id = building;
        }
        if cells.text(Field::Room).is_some() {
            let room = self.room(cells, school, a.building_id.clone().as_deref())?;
            a.room_id = room;
        }
        Ok(a)
    }

    /// The existing asset a row means, found by the chosen key.
    fn find_asset(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: &SchoolRef,
        table: &str,
        entity: &str,
    ) -> Step<Option<String>> {
        let key = self.plan.key;
        let Some(field) = key.field() else { return Ok(None) };
        let Some(mut value) = cells.text(field) else {
            cells.fail(
                field,
                "key_missing",
                format!(
                    "{} fehlt; ohne sie kann die Zeile bei einem erneuten Import nicht wiedererkannt werden.",
                    field.label()
                ),
            );
            return Err(RowFailure::Row(Vec::new()));
        };
        let conn = self.w.read();
        let found: Vec<(String, String)> = match key {
            MatchKey::InventoryNumber => conn
                .prepare_cached(
                    "SELECT entity, row_id FROM inventory_numbers WHERE authority_id = ?1 AND inventory_number = ?2",
                )?
                .query_map(params![school.authority_id, value], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?,
            MatchKey::SerialNumber => {
                let manufacturer = cells.text(Field::Manufacturer);
                conn.prepare_cached(&format!(
                    "SELECT '{entity}', id FROM {table} WHERE serial_number = ?1 AND deleted_at IS NULL
                       AND (?2 IS NULL OR lower(manufacturer) = lower(?2) OR manufacturer IS NULL)"
                ))?
                .query_map(params![value, manufacturer], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
            }
            MatchKey::MacAddress => {
                match values::parse_mac(&value) {
                    Ok(m) => value = m,
                    Err(e) => {
                        cells.fail(field, e.code, e.message);
                        return Err(RowFailure::Row(Vec::new()));
                    }
                }
                conn.prepare_cached("SELECT 'access_point', id FROM access_points WHERE mac_address = ?1")?
                    .query_map(params![value], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?
            }
            MatchKey::Natural => Vec::new(),
        };
        if let Some((_, id)) = found.iter().find(|(_, id)| self.touched.contains_key(id)) {
            if let Some(RowFailure::Row(mut e)) = self.duplicate(cells, id, &format!("{} {value}", field.label())) {
                cells.errors.append(&mut e);
            }
            return Err(RowFailure::Row(Vec::new()));
        }
        match found.as_slice() {
            [] => Ok(None),
            [(e, id)] if e == entity => Ok(Some(id.clone())),
            [(e, _)] => {
                cells.fail(
                    field,
                    "key_of_other_kind",
                    format!(
                        "{} {value} gehört im Inventar zu einem anderen Eintrag ({}).",
                        field.label(),
                        kind_label(e)
                    ),
                );
                Err(RowFailure::Row(Vec::new()))
            }
            _ => {
                cells.fail(
                    field,
                    "key_ambiguous",
                    format!("{} {value} passt auf mehrere Einträge; bitte den Hersteller angeben oder einen anderen Schlüssel wählen.", field.label()),
                );
                Err(RowFailure::Row(Vec::new()))
            }
        }
    }

    fn device_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
        category: Option<DeviceCategory>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let input = parse_asset(cells);
        let user_group = cells.word(Field::UserGroup, mapping::user_group, "Schüler, Lehrkräfte, Verwaltung");
        let os = cells.text(Field::Os);
        let holder = cells.text(Field::HolderName);
        let loaned_on = cells.date(Field::LoanedOn);
        let due_on = cells.date(Field::DueOn);
        let Some(s) = school.cloned() else { return Err(RowFailure::Row(Vec::new())) };
        self.step(|me| {
            let id = me.find_asset(cells, &s, "devices", "device")?;
            if !cells.errors.is_empty() {
                return Err(RowFailure::Row(Vec::new()));
            }
            let existing: Option<Row<DeviceData>> = id.map(|id| me.w.get(&id)).transpose()?;
            let asset = me.place_asset(cells, &s, existing.as_ref().map(|r| &r.data.asset), input)?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(DeviceData {
                asset: asset.clone(),
                category: category.unwrap_or(DeviceCategory::Other),
                user_group: UserGroup::Pupils,
                os: None,
            });
            data.asset = asset;
            if let Some(c) = category {
                data.category = c;
            }
            if let Some(g) = user_group {
                data.user_group = g;
            }
            set(&mut data.os, os);
            if holder.is_some() {
                data.asset.status = AssetStatus::OnLoan;
            }
            let on_loan = data.asset.status == AssetStatus::OnLoan;
            let out = me.write(cells, existing, data)?;
            if on_loan {
                me.loan(cells, out.1.as_deref().unwrap_or(""), holder, loaned_on, due_on)?;
            }
            Ok(out)
        })
    }

    /// A device the sheet marks as lent gets an open loan, with the holder if the sheet names
    /// one (else the holder is unknown and the preview says so).
    fn loan(
        &mut self,
        cells: &mut Cells<'_, '_>,
        device_id: &str,
        holder: Option<String>,
        loaned_on: Option<NaiveDate>,
        due_on: Option<NaiveDate>,
    ) -> Step<()> {
        let open: Option<String> = self
            .w
            .conn()?
            .prepare_cached("SELECT id FROM loans WHERE device_id = ?1 AND returned_on IS NULL AND deleted_at IS NULL")?
            .query_row([device_id], |r| r.get(0))
            .optional()?;
        if holder.is_none() {
            if open.is_none() {
                self.report.warnings.push(RowError {
                    row: cells.row.number,
                    column: cells.column(Field::Status),
                    value: cells.text(Field::Status).unwrap_or_default(),
                    code: "holder_unknown".into(),
                    message: "Das Gerät ist als verliehen markiert; wer es hat, steht nicht in der Tabelle (Entleiher unbekannt)."
                        .into(),
                });
            }
            return Ok(());
        }
        let today = self.w.today();
        match open {
            Some(id) => {
                let current: Row<LoanData> = self.w.get(&id)?;
                let mut data = current.data.clone();
                set(&mut data.holder_name, holder);
                set(&mut data.due_on, due_on);
                if let Some(d) = loaned_on {
                    data.loaned_on = d;
                }
                if data != current.data {
                    self.w.update(&id, data).map_err(|e| self.store_errors(cells, e))?;
                }
            }
            None => {
                self.w
                    .create(LoanData {
                        device_id: device_id.to_owned(),
                        holder_name: holder,
                        holder_erased: false,
                        loaned_on: loaned_on.unwrap_or(today),
                        due_on,
                        returned_on: None,
                        notes: None,
                    })
                    .map_err(|e| self.store_errors(cells, e))?;
            }
        }
        Ok(())
    }

    fn access_point_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let input = parse_asset(cells);
        let mac = match cells.text(Field::MacAddress).map(|m| values::parse_mac(&m)) {
            Some(r) => cells.parsed(Field::MacAddress, r),
            None => None,
        };
        let standard = cells.word(Field::WifiStandard, mapping::wifi_standard, "Wi-Fi 5, Wi-Fi 6, 802.11ax");
        let bands = cells.word(Field::Bands, mapping::wifi_bands, "2,4 + 5 GHz");
        let poe = cells.boolean(Field::Poe);
        let controller = cells.text(Field::Controller);
        let ssids = cells.text(Field::Ssids).map(|t| {
            t.split([',', ';', '\n']).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect::<Vec<_>>()
        });
        let installed = cells.date(Field::InstalledOn);
        let Some(s) = school.cloned() else { return Err(RowFailure::Row(Vec::new())) };
        self.step(|me| {
            let id = if me.plan.key == MatchKey::MacAddress && mac.is_none() && cells.text(Field::MacAddress).is_some()
            {
                None // the MAC could not be read; already reported
            } else {
                me.find_asset(cells, &s, "access_points", "access_point")?
            };
            if !cells.errors.is_empty() {
                return Err(RowFailure::Row(Vec::new()));
            }
            let existing: Option<Row<AccessPointData>> = id.map(|id| me.w.get(&id)).transpose()?;
            let asset = me.place_asset(cells, &s, existing.as_ref().map(|r| &r.data.asset), input)?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(AccessPointData {
                asset: asset.clone(),
                mac_address: None,
                wifi_standard: None,
                bands: Vec::new(),
                poe: None,
                controller: None,
                ssids: Vec::new(),
                installed_on: None,
            });
            data.asset = asset;
            set(&mut data.mac_address, mac);
            set(&mut data.wifi_standard, standard);
            if let Some(b) = bands {
                data.bands = b;
            }
            set(&mut data.poe, poe);
            set(&mut data.controller, controller);
            if let Some(s) = ssids {
                data.ssids = s;
            }
            set(&mut data.installed_on, installed);
            me.write(cells, existing, data)
        })
    }

    fn presentation_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
        kind: Option<PresentationKind>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let input = parse_asset(cells);
        let size = cells.int(Field::SizeInches);
        let installed = cells.date(Field::InstalledOn);
        let Some(s) = school.cloned() else { return Err(RowFailure::Row(Vec::new())) };
        self.step(|me| {
            let id = me.find_asset(cells, &s, "presentation_hardware", "presentation_hardware")?;
            if !cells.errors.is_empty() {
                return Err(RowFailure::Row(Vec::new()));
            }
            let existing: Option<Row<PresentationHardwareData>> = id.map(|id| me.w.get(&id)).transpose()?;
            let asset = me.place_asset(cells, &s, existing.as_ref().map(|r| &r.data.asset), input)?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(PresentationHardwareData {
                asset: asset.clone(),
                kind: kind.unwrap_or(PresentationKind::Other),
                size_inches: None,
                installed_on: None,
            });
            data.asset = asset;
            if let Some(k) = kind {
                data.kind = k;
            }
            set(&mut data.size_inches, size);
            set(&mut data.installed_on, installed);
            me.write(cells, existing, data)
        })
    }

    fn invoice_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let number = cells.text(Field::InvoiceNumber);
        if number.is_none() {
            cells.fail(Field::InvoiceNumber, "required", "Die Rechnungsnummer fehlt.");
        }
        let supplier = cells.text(Field::Supplier);
        if supplier.is_none() {
            cells.fail(Field::Supplier, "required", "Der Lieferant fehlt.");
        }
        let date = cells.date(Field::InvoiceDate);
        if date.is_none() && cells.text(Field::InvoiceDate).is_none() {
            cells.fail(Field::InvoiceDate, "required", "Das Rechnungsdatum fehlt.");
        }
        let paid_on = cells.date(Field::PaidOn);
        let net = cells.cents(Field::NetAmount);
        let vat = cells.cents(Field::VatAmount);
        let gross = cells.cents(Field::GrossAmount);
        let amounts = match (net, vat, gross) {
            (Some(n), Some(v), Some(g)) => {
                if n + v != g {
                    cells.fail(
                        Field::GrossAmount,
                        "gross_mismatch",
                        format!(
                            "Netto {} + Umsatzsteuer {} ergibt {}, nicht {}.",
                            euros(n),
                            euros(v),
                            euros(n + v),
                            euros(g)
                        ),
                    );
                }
                Some((n, v, g))
            }
            (Some(n), Some(v), None) => Some((n, v, n + v)),
            (Some(n), None, Some(g)) => Some((n, g - n, g)),
            (None, Some(v), Some(g)) => Some((g - v, v, g)),
            (None, None, Some(g)) => Some((g, 0, g)),
            _ => {
                if !cells.errors.iter().any(|e| e.code.starts_with("invalid")) {
                    cells.fail(
                        Field::GrossAmount,
                        "required",
                        "Der Rechnungsbetrag (brutto oder netto und USt) fehlt.",
                    );
                }
                None
            }
        };
        let category = cells.word(
            Field::Type,
            mapping::funding_category,
            "WLAN, Vernetzung/Verkabelung, Anzeige- und Interaktionsgeräte, Mobile Endgeräte",
        );
        let programme = match cells.text(Field::Programme) {
            None => None,
            Some(p) => match self.programmes.get(&header_key(&p)) {
                Some(found) => Some(found.clone()),
                None => {
                    let mut known: Vec<&String> = self.programmes.keys().collect();
                    known.sort();
                    let shown: String = p.chars().take(60).collect();
                    cells.fail(
                        Field::Programme,
                        "unknown_programme",
                        format!(
                            "Das Förderprogramm „{shown}“ gibt es nicht. Bekannt sind z. B. DigitalPakt Basis, \
                             Sofortausstattung, Leihgeräte Lehrkräfte, Administration, DigitalPakt 2.0, Eigenmittel."
                        ),
                    );
                    None
                }
            },
        };
        let shares =
            [Field::FederalShare, Field::LandShare, Field::OwnShare, Field::ThirdPartyShare].map(|f| cells.cents(f));
        let description = cells.text(Field::Description);
        let notes = cells.text(Field::Notes);
        let items: Vec<String> = cells
            .text(Field::InventoryNumbers)
            .map(|t| {
                t.split([',', ';', '\n', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
            })
            .unwrap_or_default();
        // The Schulträger: the school's, else the only one there is.
        let authority = match school {
            Some(s) => Some(s.authority_id.clone()),
            None => {
                let mut ids: Vec<&String> = self.authorities.values().map(|(id, _)| id).collect();
                ids.sort();
                ids.dedup();
                match ids.as_slice() {
                    [one] => Some((*one).clone()),
                    _ => {
                        cells.fail(
                            Field::SchoolNumber,
                            "authority_unknown",
                            "Ohne Schulnummer ist nicht klar, an welchen Schulträger die Rechnung ging.",
                        );
                        None
                    }
                }
            }
        };
        let (Some(number), Some(supplier), Some(date), Some((net, vat, gross)), Some(authority)) =
            (number, supplier, date, amounts, authority)
        else {
            return Err(RowFailure::Row(Vec::new()));
        };
        if !cells.errors.is_empty() {
            return Err(RowFailure::Row(Vec::new()));
        }
        let school_id = school.map(|s| s.id.clone());
        self.step(|me| {
            // The invoice: found by Schulträger, supplier and number; its totals are set from
            // its lines when the file is done.
            let existing_id: Option<String> = me
                .w
                .conn()?
                .prepare_cached(
                    "SELECT id FROM invoices WHERE authority_id = ?1 AND lower(supplier) = lower(?2)
                       AND invoice_number = ?3 AND deleted_at IS NULL",
                )?
                .query_row(params![authority, supplier, number], |r| r.get(0))
                .optional()?;
            let mut invoice_changed = false;
            let invoice_id = match existing_id {
                Some(id) => {
                    let current: Row<InvoiceData> = me.w.get(&id)?;
                    let mut data = current.data.clone();
                    data.invoice_date = date;
                    set(&mut data.paid_on, paid_on);
                    if data != current.data {
                        me.w.update(&id, data).map_err(|e| me.store_errors(cells, e))?;
                        invoice_changed = true;
                    }
                    id
                }
                None => {
                    let data = InvoiceData {
                        authority_id: authority.clone(),
                        supplier: supplier.clone(),
                        invoice_number: number.clone(),
                        invoice_date: date,
                        paid_on,
                        net_cents: net,
                        vat_cents: vat,
                        gross_cents: gross,
                        notes: None,
                    };
                    invoice_changed = true;
                    me.w.create(data).map_err(|e| me.store_errors(cells, e))?.id
                }
            };
            let position = me.invoice_lines.get(&invoice_id).copied().unwrap_or(0) + 1;
            // Which items the line paid for.
            let mut links: Vec<(ItemEntity, String)> = Vec::new();
            for inv in &items {
                let found: Option<(String, String)> = me
                    .w
                    .conn()?
                    .prepare_cached(
                        "SELECT entity, row_id FROM inventory_numbers WHERE authority_id = ?1 AND inventory_number = ?2",
                    )?
                    .query_row(params![authority, inv], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                match found.and_then(|(e, id)| ItemEntity::from_code(&e).map(|e| (e, id))) {
                    Some(link) => links.push(link),
                    None => cells.fail(
                        Field::InventoryNumbers,
                        "unknown_item",
                        format!("Die Inventarnummer {inv} gibt es im Inventar dieses Schulträgers nicht."),
                    ),
                }
            }
            let category = match category.or_else(|| links.first().map(|(e, _)| e.default_category())) {
                Some(c) => c,
                None => {
                    cells.fail(Field::Type, "required", "Die Förderkategorie fehlt (z. B. WLAN, Mobile Endgeräte).");
                    return Err(RowFailure::Row(Vec::new()));
                }
            };
            if !cells.errors.is_empty() {
                return Err(RowFailure::Row(Vec::new()));
            }
            let (federal, land, own, third) = match shares {
                [None, None, None, None] => {
                    let (f, l) = programme.as_ref().map_or((0, 0), |p| (p.1, p.2));
                    let (f, l, o) = split_by_shares(gross, f, l);
                    (f, l, o, 0)
                }
                [f, l, o, t] => {
                    let (f, l, t) = (f.unwrap_or(0), l.unwrap_or(0), t.unwrap_or(0));
                    (f, l, o.unwrap_or(gross - f - l - t), t)
                }
            };
            let line_id: Option<String> = me
                .w
                .conn()?
                .prepare_cached(
                    "SELECT id FROM invoice_lines WHERE invoice_id = ?1 AND position = ?2 AND deleted_at IS NULL",
                )?
                .query_row(params![invoice_id, position], |r| r.get(0))
                .optional()?;
            let existing: Option<Row<InvoiceLineData>> = line_id.map(|id| me.w.get(&id)).transpose()?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(InvoiceLineData {
                invoice_id: invoice_id.clone(),
                position,
                description: None,
                school_id: None,
                programme_id: None,
                category,
                net_cents: net,
                vat_cents: vat,
                gross_cents: gross,
                federal_cents: federal,
                land_cents: land,
                own_cents: own,
                third_party_cents: third,
                notes: None,
            });
            data.category = category;
            (data.net_cents, data.vat_cents, data.gross_cents) = (net, vat, gross);
            (data.federal_cents, data.land_cents, data.own_cents, data.third_party_cents) = (federal, land, own, third);
            set(&mut data.description, description);
            set(&mut data.school_id, school_id);
            set(&mut data.programme_id, programme.map(|p| p.0));
            set(&mut data.notes, notes);
            let (mut outcome, id, changes) = me.write(cells, existing, data)?;
            let line_id = id.clone().unwrap_or_default();
            let mut linked = false;
            for (entity, item_id) in links {
                let has: bool = me
                    .w
                    .conn()?
                    .prepare_cached("SELECT 1 FROM invoice_items WHERE line_id = ?1 AND item_id = ?2 AND deleted_at IS NULL")?
                    .query_row(params![line_id, item_id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !has {
                    me.w
                        .create(InvoiceItemData { line_id: line_id.clone(), item_entity: entity, item_id })
                        .map_err(|e| me.store_errors(cells, e))?;
                    linked = true;
                }
            }
            if outcome == Outcome::Unchanged && (linked || invoice_changed) {
                outcome = Outcome::Updated;
            }
            me.invoice_lines.insert(invoice_id, position);
            Ok((outcome, id, changes))
        })
    }

    /// After the last row: each invoice's totals are the sums of its lines.
    fn finish(&mut self) -> schulinventar_core::Result<()> {
        let invoices: Vec<String> = self.invoice_lines.keys().cloned().collect();
        for id in invoices {
            let (net, vat, gross): (i64, i64, i64) = self.w.read().query_row(
                "SELECT coalesce(sum(net_cents), 0), coalesce(sum(vat_cents), 0), coalesce(sum(gross_cents), 0)
                 FROM invoice_lines WHERE invoice_id = ?1 AND deleted_at IS NULL",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let current: Row<InvoiceData> = self.w.get(&id)?;
            if (current.data.net_cents, current.data.vat_cents, current.data.gross_cents) != (net, vat, gross) {
                let data = InvoiceData { net_cents: net, vat_cents: vat, gross_cents: gross, ..current.data };
                self.w.update(&id, data)?;
            }
        }
        Ok(())
    }

    fn school_row(&mut self, cells: &mut Cells<'_, '_>) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let Some(raw_number) = cells.text(Field::SchoolNumber) else {
            cells.fail(Field::SchoolNumber, "required", "Die Schulnummer fehlt.");
            return Err(RowFailure::Row(Vec::new()));
        };
        // The authority: by its number if the sheet names one, else the only one there is.
        let authority_number = cells.text(Field::AuthorityNumber);
        let land = self.options.land;
        let number = match values::restore_school_number(land, &raw_number) {
            Ok(n) => n,
            Err(e) => {
                cells.fail(Field::SchoolNumber, e.code, e.message);
                raw_number.clone()
            }
        };
        let school_type =
            cells.word(Field::SchoolType, mapping::school_type, "02, 15, 20 (NRW-Schulform) oder Gymnasium");
        let name = match (cells.text(Field::SchoolName), cells.text(Field::SchoolName2)) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, _) => a,
        };
        let street = cells.text(Field::Street);
        let postcode = cells.text(Field::Postcode);
        let city = cells.text(Field::City);
        let pupils = cells.int(Field::Pupils);
        let teachers = cells.int(Field::Teachers);
        let social_index = cells.int(Field::SocialIndex);
        let notes = cells.text(Field::Notes);
        if !cells.errors.is_empty() {
            return Err(RowFailure::Row(Vec::new()));
        }
        let existing = self.schools.get(&number).cloned();
        if let Some(s) = &existing {
            if let Some(d) = self.duplicate(cells, &s.id, &format!("Schulnummer {number}")) {
                return Err(d);
            }
        }
        self.step(|me| {
            let existing: Option<Row<SchoolData>> = existing.map(|s| me.w.get(&s.id)).transpose()?;
            let authority_id = match &existing {
                Some(r) => r.data.authority_id.clone(),
                None => me.authority(cells, authority_number.as_deref(), land)?,
            };
            let mut data = match &existing {
                Some(r) => r.data.clone(),
                None => {
                    let Some(name) = name.clone() else {
                        cells.fail(Field::SchoolName, "required", "Der Name der Schule fehlt.");
                        return Err(RowFailure::Row(Vec::new()));
                    };
                    let Some((label, ty)) = school_type.clone() else {
                        cells.fail(Field::SchoolType, "required", "Die Schulform fehlt.");
                        return Err(RowFailure::Row(Vec::new()));
                    };
                    SchoolData {
                        authority_id: authority_id.clone(),
                        land,
                        school_number: number.clone(),
                        name,
                        school_type_label: label,
                        school_type: ty,
                        street: None,
                        postcode: None,
                        city: None,
                        pupils: None,
                        teachers: None,
                        headcount_date: None,
                        social_index: None,
                        notes: None,
                    }
                }
            };
            if let Some(n) = name {
                data.name = n;
            }
            if let Some((label, ty)) = school_type {
                data.school_type_label = label;
                data.school_type = ty;
            }
            set(&mut data.street, street);
            set(&mut data.postcode, postcode);
            set(&mut data.city, city);
            if pupils.is_some() || teachers.is_some() {
                let changed = pupils.is_some_and(|p| data.pupils != Some(p))
                    || teachers.is_some_and(|t| data.teachers != Some(t));
                set(&mut data.pupils, pupils);
                set(&mut data.teachers, teachers);
                if changed {
                    data.headcount_date = Some(me.w.today());
                }
            }
            set(&mut data.social_index, social_index);
            set(&mut data.notes, notes);
            let out = me.write(cells, existing, data)?;
            if let Some(id) = &out.1 {
                let s = SchoolRef { id: id.clone(), authority_id, number: number.clone() };
                me.schools.insert(number.clone(), s.clone());
                me.schools_unpadded.insert(number.trim_start_matches('0').to_owned(), Some(s));
            }
            Ok(out)
        })
    }

    /// The school authority a new school belongs to; created when the sheet names a Träger
    /// number the inventory does not know yet.
    fn authority(&mut self, cells: &mut Cells<'_, '_>, number: Option<&str>, land: Land) -> Step<String> {
        if let Some(n) = number {
            if let Some((id, _)) = self.authorities.get(n) {
                return Ok(id.clone());
            }
            let row = self
                .w
                .create(SchoolAuthorityData {
                    name: format!("Schulträger {n}"),
                    land,
                    ags: None,
                    authority_number: Some(n.to_owned()),
                })
                .map_err(|e| self.store_errors(cells, e))?;
            self.authorities.insert(n.to_owned(), (row.id.clone(), land));
            self.report.new_places.push(NewPlace {
                row: cells.row.number,
                kind: "school_authority".into(),
                school_number: None,
                name: format!("Schulträger {n}"),
            });
            return Ok(row.id);
        }
        let mut all: Vec<&String> = self.authorities.values().map(|(id, _)| id).collect();
        all.dedup();
        match all.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                cells.fail(
                    Field::AuthorityNumber,
                    "no_authority",
                    "Es gibt noch keinen Schulträger. Bitte die Spalte „Trägernummer“ mitliefern oder zuerst einen Schulträger anlegen.",
                );
                Err(RowFailure::Row(Vec::new()))
            }
            _ => {
                cells.fail(
                    Field::AuthorityNumber,
                    "authority_ambiguous",
                    "Es gibt mehrere Schulträger; die Spalte „Trägernummer“ muss sagen, zu welchem die Schule gehört.",
                );
                Err(RowFailure::Row(Vec::new()))
            }
        }
    }

    fn building_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let code = cells.text(Field::BuildingCode);
        let street = cells.text(Field::Street);
        let notes = cells.text(Field::Notes);
        let Some(name) = cells.text(Field::Building) else {
            cells.fail(Field::Building, "required", "Der Name des Gebäudes fehlt.");
            return Err(RowFailure::Row(Vec::new()));
        };
        let Some(school) = school else { return Err(RowFailure::Row(Vec::new())) };
        self.load_places(&school.id)?;
        let existing_id = self.buildings.get(&(school.id.clone(), header_key(&name))).cloned();
        if let Some(id) = &existing_id {
            if let Some(d) = self.duplicate(cells, id, &format!("Gebäude „{name}“")) {
                return Err(d);
            }
        }
        let s = school.clone();
        self.step(|me| {
            let existing: Option<Building> = existing_id.map(|id| me.w.get(&id)).transpose()?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(BuildingData {
                school_id: s.id.clone(),
                name: name.clone(),
                code: None,
                street: None,
                notes: None,
            });
            set(&mut data.code, code);
            set(&mut data.street, street);
            set(&mut data.notes, notes);
            let out = me.write(cells, existing, data)?;
            if let Some(id) = &out.1 {
                me.buildings.insert((s.id.clone(), header_key(&name)), id.clone());
            }
            Ok(out)
        })
    }

    fn room_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let name = cells.text(Field::RoomName);
        let floor = cells.int(Field::Floor);
        let kind = cells.word(Field::RoomKind, mapping::room_kind, "Klassenraum, Fachraum, Verwaltung");
        let coverage = cells.word(Field::WlanCoverage, mapping::wlan_coverage, "keine, teilweise, vollständig");
        let notes = cells.text(Field::Notes);
        let Some(number) = cells.text(Field::Room) else {
            cells.fail(Field::Room, "required", "Die Raumnummer fehlt.");
            return Err(RowFailure::Row(Vec::new()));
        };
        let Some(school) = school else { return Err(RowFailure::Row(Vec::new())) };
        if !cells.errors.is_empty() {
            return Err(RowFailure::Row(Vec::new()));
        }
        let s = school.clone();
        self.step(|me| {
            let building = me.building(cells, Field::Building, &s)?;
            me.load_places(&s.id)?;
            let folded = header_key(&number);
            let existing_id = me
                .rooms
                .get(&(s.id.clone(), building.clone().unwrap_or_default(), folded.clone()))
                .or_else(|| {
                    if building.is_none() {
                        me.rooms.get(&(s.id.clone(), "*".into(), folded.clone()))
                    } else {
                        None
                    }
                })
                .cloned();
            if let Some(id) = &existing_id {
                if let Some(d) = me.duplicate(cells, id, &format!("Raum {number}")) {
                    return Err(d);
                }
            }
            let existing: Option<Room> = existing_id.map(|id| me.w.get(&id)).transpose()?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(RoomData {
                school_id: s.id.clone(),
                building_id: building.clone(),
                number: number.clone(),
                name: None,
                floor: None,
                kind: guess_room_kind(&number),
                wlan_coverage: None,
                notes: None,
            });
            if building.is_some() {
                data.building_id = building.clone();
            }
            set(&mut data.name, name);
            set(&mut data.floor, floor);
            if let Some(k) = kind {
                data.kind = k;
            }
            set(&mut data.wlan_coverage, coverage);
            set(&mut data.notes, notes);
            let out = me.write(cells, existing, data)?;
            if let Some(id) = &out.1 {
                me.rooms.insert((s.id.clone(), building.unwrap_or_default(), folded.clone()), id.clone());
                me.rooms.entry((s.id.clone(), "*".into(), folded)).or_insert(id.clone());
            }
            Ok(out)
        })
    }

    fn fibre_row(
        &mut self,
        cells: &mut Cells<'_, '_>,
        school: Option<&SchoolRef>,
    ) -> Step<(Outcome, Option<String>, Vec<FieldChange>)> {
        let link_type =
            cells.word(Field::LinkType, mapping::link_type, "Internetanschluss, Verbindung zwischen Gebäuden");
        let provider = cells.text(Field::Provider);
        let technology = cells.word(Field::Technology, mapping::uplink_technology, "FTTB, FTTH, VDSL, Kabel");
        let down = cells.int(Field::DownMbps);
        let up = cells.int(Field::UpMbps);
        let status = cells.word(Field::Status, mapping::link_status, "geplant, beauftragt, im Bau, in Betrieb");
        let commissioned = cells.date(Field::CommissionedOn);
        let contract_end = cells.date(Field::ContractEnd);
        let cost = cells.cents(Field::MonthlyCost);
        let fibre_type = cells.word(Field::FibreType, mapping::fibre_type, "OS2, OM3, OM4");
        let fibre_count = cells.int(Field::FibreCount);
        let length = cells.int(Field::LengthM);
        let notes = cells.text(Field::Notes);
        let Some(school) = school else { return Err(RowFailure::Row(Vec::new())) };
        if !cells.errors.is_empty() {
            return Err(RowFailure::Row(Vec::new()));
        }
        let link_type = link_type.unwrap_or(if cells.text(Field::FromBuilding).is_some() {
            FibreLinkType::InterBuilding
        } else {
            FibreLinkType::Uplink
        });
        let s = school.clone();
        self.step(|me| {
            let from = me.building(cells, Field::FromBuilding, &s)?;
            let to = me.building(cells, Field::ToBuilding, &s)?;
            // An uplink is identified by school and provider, a link between buildings by its ends.
            let existing_id: Option<String> = me
                .w
                .conn()?
                .prepare_cached(
                    "SELECT id FROM fibre_links WHERE school_id = ?1 AND link_type = ?2 AND deleted_at IS NULL
                       AND (?2 <> 'uplink' OR ?3 IS NULL OR provider IS NULL OR lower(provider) = lower(?3))
                       AND coalesce(from_building_id, '') = coalesce(?4, '') AND coalesce(to_building_id, '') = coalesce(?5, '')
                     ORDER BY created_at LIMIT 1",
                )?
                .query_row(params![s.id, link_type.code(), provider, from, to], |r| r.get(0))
                .optional()?;
            if let Some(id) = &existing_id {
                if let Some(d) = me.duplicate(cells, id, "Derselbe Anschluss") {
                    return Err(d);
                }
            }
            let existing: Option<Row<FibreLinkData>> = existing_id.map(|id| me.w.get(&id)).transpose()?;
            let mut data = existing.as_ref().map(|r| r.data.clone()).unwrap_or(FibreLinkData {
                school_id: s.id.clone(),
                link_type,
                provider: None,
                technology: None,
                down_mbps: None,
                up_mbps: None,
                status: LinkStatus::Live,
                commissioned_on: None,
                contract_end: None,
                monthly_cost_cents: None,
                fibre_type: None,
                fibre_count: None,
                length_m: None,
                from_building_id: from.clone(),
                to_building_id: to.clone(),
                notes: None,
            });
            set(&mut data.provider, provider);
            set(&mut data.technology, technology);
            set(&mut data.down_mbps, down);
            set(&mut data.up_mbps, up);
            if let Some(st) = status {
                data.status = st;
            }
            set(&mut data.commissioned_on, commissioned);
            set(&mut data.contract_end, contract_end);
            set(&mut data.monthly_cost_cents, cost);
            set(&mut data.fibre_type, fibre_type);
            set(&mut data.fibre_count, fibre_count);
            set(&mut data.length_m, length);
            set(&mut data.notes, notes);
            me.write(cells, existing, data)
        })
    }
}

/// The asset columns of a row, read and checked before anything is looked up or written.
struct AssetInput {
    inventory_number: Option<String>,
    serial_number: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    purchase_date: Option<NaiveDate>,
    price_cents: Option<i64>,
    warranty_end: Option<NaiveDate>,
    status: Option<AssetStatus>,
    notes: Option<String>,
}

fn parse_asset(cells: &mut Cells<'_, '_>) -> AssetInput {
    let price_cents = cells.cents(Field::Price);
    if price_cents.is_some_and(|p| p < 0) {
        cells.fail(Field::Price, "negative", "Der Preis darf nicht negativ sein.");
    }
    AssetInput {
        inventory_number: cells.text(Field::InventoryNumber),
        serial_number: cells.text(Field::SerialNumber),
        manufacturer: cells.text(Field::Manufacturer),
        model: cells.text(Field::Model),
        purchase_date: cells.date(Field::PurchaseDate),
        price_cents,
        warranty_end: cells.date(Field::WarrantyEnd),
        status: cells.word(
            Field::Status,
            mapping::asset_status,
            "im Einsatz, Lager, Reparatur, verliehen, ausgemustert",
        ),
        notes: cells.text(Field::Notes),
    }
}

/// An empty cell leaves the stored value as it is; a filled one replaces it.
fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn changes<T: Serialize>(conn: &rusqlite::Connection, old: &T, new: &T) -> Result<Vec<FieldChange>, RowFailure> {
    let flat = |v: &T| -> Result<serde_json::Map<String, serde_json::Value>, RowFailure> {
        match serde_json::to_value(v).map_err(CoreError::from)? {
            serde_json::Value::Object(m) => Ok(m),
            _ => Ok(serde_json::Map::new()),
        }
    };
    let (old, new) = (flat(old)?, flat(new)?);
    let mut out = Vec::new();
    for (k, v) in new {
        let before = old.get(&k).cloned().unwrap_or(serde_json::Value::Null);
        if before == v {
            continue;
        }
        out.push(FieldChange { old: display_value(conn, &k, before)?, new: display_value(conn, &k, v)?, field: k });
    }
    Ok(out)
}

/// Ids of places are shown as what people call them: the school number, building name, room number.
fn display_value(
    conn: &rusqlite::Connection,
    field: &str,
    v: serde_json::Value,
) -> Result<serde_json::Value, RowFailure> {
    let sql = match field {
        "school_id" => "SELECT school_number FROM schools WHERE id = ?1",
        "building_id" | "from_building_id" | "to_building_id" => "SELECT name FROM buildings WHERE id = ?1",
        "room_id" => "SELECT number FROM rooms WHERE id = ?1",
        "authority_id" => "SELECT name FROM school_authorities WHERE id = ?1",
        _ => return Ok(v),
    };
    let serde_json::Value::String(id) = &v else { return Ok(v) };
    let label: Option<String> = conn.prepare_cached(sql)?.query_row([id], |r| r.get(0)).optional()?;
    Ok(label.map(serde_json::Value::String).unwrap_or(v))
}

/// The German name of a stored field, for reports.
pub fn column_label(column: &str) -> String {
    match column {
        "school_id" => "Schule".into(),
        "building_id" => "Gebäude".into(),
        "room_id" => "Raum".into(),
        "from_building_id" => "Von Gebäude".into(),
        "to_building_id" => "Nach Gebäude".into(),
        "category" | "kind" => "Art".into(),
        "name" => "Name".into(),
        "number" => "Nummer".into(),
        "school_type_label" => "Schulform".into(),
        "headcount_date" => "Stand der Zahlen".into(),
        other => Field::from_name(other).map(|f| f.label().to_owned()).unwrap_or_else(|| other.to_owned()),
    }
}

/// The German name of a stored row type ("device" → "Gerät").
pub fn kind_label(entity: &str) -> &'static str {
    match entity {
        "device" => "Gerät",
        "access_point" => "Access Point",
        "presentation_hardware" => "Präsentationstechnik",
        _ => "Eintrag",
    }
}

fn device_category(word: &str) -> Option<DeviceCategory> {
    match mapping::item_kind(word) {
        Some(ItemKind::Device(c)) => Some(c),
        _ => DeviceCategory::ALL.iter().copied().find(|c| header_key(c.label()) == header_key(word)),
    }
}

fn presentation_kind(word: &str) -> Option<PresentationKind> {
    match mapping::item_kind(word) {
        Some(ItemKind::Presentation(k)) => Some(k),
        _ => PresentationKind::ALL.iter().copied().find(|k| header_key(k.label()) == header_key(word)),
    }
}

/// The kind of a room the sheet only names by number or name.
fn guess_room_kind(name: &str) -> RoomKind {
    let key = header_key(name);
    let has = |w: &str| key.contains(w);
    if has("server") || has("technik") {
        RoomKind::ServerRoom
    } else if has("lehrerzimmer") {
        RoomKind::StaffRoom
    } else if has("verwaltung") || has("sekretariat") || has("buro") {
        RoomKind::Administration
    } else if has("aula") || has("halle") || has("mensa") {
        RoomKind::Hall
    } else if has("fachraum")
        || has("physik")
        || has("chemie")
        || has("biologie")
        || has("informatik")
        || has("kunst")
        || has("musik")
    {
        RoomKind::SpecialistRoom
    } else if has("bibliothek") || has("flur") || has("lager") {
        RoomKind::Other
    } else {
        RoomKind::Classroom
    }
}
