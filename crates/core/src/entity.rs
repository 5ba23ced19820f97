//! What the store needs to know about each entity: its table, its columns, how it is searched
//! and listed. Entities are written generically as maps of field → JSON value, which is also the
//! form the change log and sync carry.

use serde::{de::DeserializeOwned, Serialize};

use crate::model::*;

/// Static description of one entity kind.
#[derive(Debug)]
pub struct EntityInfo {
    /// Name in the change log and in sync ("device").
    pub name: &'static str,
    /// SQLite table ("devices").
    pub table: &'static str,
    /// Plural kebab-case name used on the command line ("access-points").
    pub cli_name: &'static str,
    /// Data columns (without id and timestamps), in table order.
    pub columns: &'static [&'static str],
    /// Columns a list may be sorted by; the first is the default.
    pub sortable: &'static [&'static str],
    /// Code used to place this entity's rows in the full-text index, if it is searchable.
    pub search_code: Option<i64>,
    /// Column holding the school the row belongs to, if any.
    pub school_column: Option<&'static str>,
}

/// An entity's data struct.
pub trait Entity: Serialize + DeserializeOwned + Clone + PartialEq + Send + 'static {
    const INFO: &'static EntityInfo;

    /// Words that find this row in the global search, if searchable.
    fn search_text(&self) -> Option<String> {
        None
    }

    /// Short human title of the row in search results and history.
    fn title(&self) -> String;

    /// The school this row belongs to, where it names one directly.
    fn school_id(&self) -> Option<&str> {
        None
    }
}

const ASSET_COLUMNS: [&str; 12] = [
    "school_id",
    "building_id",
    "room_id",
    "inventory_number",
    "serial_number",
    "manufacturer",
    "model",
    "purchase_date",
    "price_cents",
    "warranty_end",
    "status",
    "notes",
];

macro_rules! concat_cols {
    ($($extra:literal),*) => {{
        const EXTRA: &[&str] = &[$($extra),*];
        const N: usize = ASSET_COLUMNS.len() + EXTRA.len();
        const fn build() -> [&'static str; N] {
            let mut out = [""; N];
            let mut i = 0;
            while i < ASSET_COLUMNS.len() {
                out[i] = ASSET_COLUMNS[i];
                i += 1;
            }
            let mut j = 0;
            while j < EXTRA.len() {
                out[i + j] = EXTRA[j];
                j += 1;
            }
            out
        }
        const COLS: [&str; N] = build();
        &COLS
    }};
}

pub static SCHOOL_AUTHORITY: EntityInfo = EntityInfo {
    name: "school_authority",
    table: "school_authorities",
    cli_name: "school-authorities",
    columns: &["name", "land", "ags", "authority_number"],
    sortable: &["name", "land", "ags"],
    search_code: None,
    school_column: None,
};

pub static SCHOOL: EntityInfo = EntityInfo {
    name: "school",
    table: "schools",
    cli_name: "schools",
    columns: &[
        "authority_id",
        "land",
        "school_number",
        "name",
        "school_type_label",
        "school_type",
        "street",
        "postcode",
        "city",
        "pupils",
        "teachers",
        "headcount_date",
        "social_index",
        "notes",
    ],
    sortable: &["name", "school_number", "city", "pupils", "social_index", "school_type"],
    search_code: Some(1),
    school_column: Some("id"),
};

pub static BUILDING: EntityInfo = EntityInfo {
    name: "building",
    table: "buildings",
    cli_name: "buildings",
    columns: &["school_id", "name", "code", "street", "notes"],
    sortable: &["name", "code"],
    search_code: None,
    school_column: Some("school_id"),
};

pub static ROOM: EntityInfo = EntityInfo {
    name: "room",
    table: "rooms",
    cli_name: "rooms",
    columns: &["school_id", "building_id", "number", "name", "floor", "kind", "wlan_coverage", "notes"],
    sortable: &["number", "name", "floor", "kind", "wlan_coverage"],
    search_code: Some(2),
    school_column: Some("school_id"),
};

pub static DEVICE: EntityInfo = EntityInfo {
    name: "device",
    table: "devices",
    cli_name: "devices",
    columns: concat_cols!("category", "user_group", "os"),
    sortable: &[
        "inventory_number",
        "purchase_date",
        "warranty_end",
        "status",
        "category",
        "model",
        "manufacturer",
        "serial_number",
        "price_cents",
    ],
    search_code: Some(3),
    school_column: Some("school_id"),
};

pub static LOAN: EntityInfo = EntityInfo {
    name: "loan",
    table: "loans",
    cli_name: "loans",
    columns: &["device_id", "holder_name", "holder_erased", "loaned_on", "due_on", "returned_on", "notes"],
    sortable: &["loaned_on", "due_on", "returned_on", "holder_name"],
    search_code: None,
    school_column: None,
};

pub static FIBRE_LINK: EntityInfo = EntityInfo {
    name: "fibre_link",
    table: "fibre_links",
    cli_name: "fibre-links",
    columns: &[
        "school_id",
        "link_type",
        "provider",
        "technology",
        "down_mbps",
        "up_mbps",
        "status",
        "commissioned_on",
        "contract_end",
        "monthly_cost_cents",
        "fibre_type",
        "fibre_count",
        "length_m",
        "from_building_id",
        "to_building_id",
        "notes",
    ],
    sortable: &["link_type", "status", "down_mbps", "contract_end", "provider"],
    search_code: None,
    school_column: Some("school_id"),
};

pub static ACCESS_POINT: EntityInfo = EntityInfo {
    name: "access_point",
    table: "access_points",
    cli_name: "access-points",
    columns: concat_cols!("mac_address", "wifi_standard", "bands", "poe", "controller", "ssids", "installed_on"),
    sortable: &["inventory_number", "mac_address", "model", "status", "installed_on", "purchase_date", "warranty_end"],
    search_code: Some(4),
    school_column: Some("school_id"),
};

pub static PRESENTATION_HARDWARE: EntityInfo = EntityInfo {
    name: "presentation_hardware",
    table: "presentation_hardware",
    cli_name: "presentation-hardware",
    columns: concat_cols!("kind", "size_inches", "installed_on"),
    sortable: &["inventory_number", "kind", "model", "status", "installed_on", "purchase_date", "warranty_end"],
    search_code: Some(5),
    school_column: Some("school_id"),
};

pub static PROGRAMME: EntityInfo = EntityInfo {
    name: "programme",
    table: "programmes",
    cli_name: "programmes",
    columns: &[
        "name",
        "short_name",
        "land",
        "eligible_from",
        "eligible_to",
        "application_deadline",
        "binding_deadline",
        "implementation_end",
        "proof_due",
        "federal_share_bp",
        "land_share_bp",
        "min_cofinancing_bp",
        "earmark_years",
        "mobile_cap_bp",
        "mobile_cap_per_school_cents",
        "categories",
        "notes",
    ],
    sortable: &["name", "eligible_from", "eligible_to", "implementation_end", "proof_due"],
    search_code: None,
    school_column: None,
};

pub static ALLOCATION: EntityInfo = EntityInfo {
    name: "allocation",
    table: "allocations",
    cli_name: "allocations",
    columns: &[
        "programme_id",
        "authority_id",
        "school_id",
        "amount_cents",
        "pupils",
        "per_pupil_cents",
        "key_note",
        "notes",
    ],
    sortable: &["programme_id", "amount_cents"],
    search_code: None,
    school_column: Some("school_id"),
};

pub static MEASURE: EntityInfo = EntityInfo {
    name: "measure",
    table: "measures",
    cli_name: "measures",
    columns: &[
        "programme_id",
        "school_id",
        "category",
        "title",
        "planned_cents",
        "status",
        "applied_on",
        "approved_on",
        "file_number",
        "approved_cents",
        "funding_rate_bp",
        "narrative",
        "notes",
    ],
    sortable: &["title", "category", "status", "planned_cents", "approved_on"],
    search_code: None,
    school_column: Some("school_id"),
};

pub static INVOICE: EntityInfo = EntityInfo {
    name: "invoice",
    table: "invoices",
    cli_name: "invoices",
    columns: &[
        "authority_id",
        "supplier",
        "invoice_number",
        "invoice_date",
        "paid_on",
        "net_cents",
        "vat_cents",
        "gross_cents",
        "notes",
    ],
    sortable: &["invoice_date", "invoice_number", "supplier", "gross_cents", "paid_on"],
    search_code: None,
    school_column: None,
};

pub static INVOICE_LINE: EntityInfo = EntityInfo {
    name: "invoice_line",
    table: "invoice_lines",
    cli_name: "invoice-lines",
    columns: &[
        "invoice_id",
        "position",
        "description",
        "school_id",
        "programme_id",
        "category",
        "net_cents",
        "vat_cents",
        "gross_cents",
        "federal_cents",
        "land_cents",
        "own_cents",
        "third_party_cents",
        "notes",
    ],
    sortable: &["invoice_id", "position", "category", "gross_cents"],
    search_code: None,
    school_column: Some("school_id"),
};

pub static INVOICE_ITEM: EntityInfo = EntityInfo {
    name: "invoice_item",
    table: "invoice_items",
    cli_name: "invoice-items",
    columns: &["line_id", "item_entity", "item_id"],
    sortable: &["line_id", "item_entity"],
    search_code: None,
    school_column: None,
};

pub static MEDIA_CONCEPT: EntityInfo = EntityInfo {
    name: "media_concept",
    table: "media_concepts",
    cli_name: "media-concepts",
    columns: &["school_id", "status", "adopted_on", "notes"],
    sortable: &["status", "adopted_on"],
    search_code: None,
    school_column: Some("school_id"),
};

/// Every entity, in dependency order (a row only refers to rows of earlier entities).
pub static ALL: &[&EntityInfo] = &[
    &SCHOOL_AUTHORITY,
    &SCHOOL,
    &BUILDING,
    &ROOM,
    &DEVICE,
    &LOAN,
    &ACCESS_POINT,
    &PRESENTATION_HARDWARE,
    &FIBRE_LINK,
    &PROGRAMME,
    &ALLOCATION,
    &MEASURE,
    &INVOICE,
    &INVOICE_LINE,
    &INVOICE_ITEM,
    &MEDIA_CONCEPT,
];

pub fn by_name(name: &str) -> Option<&'static EntityInfo> {
    ALL.iter().copied().find(|e| e.name == name)
}

pub fn by_cli_name(name: &str) -> Option<&'static EntityInfo> {
    ALL.iter().copied().find(|e| e.cli_name == name)
}

fn join(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().copied().collect::<Vec<_>>().join(" ")
}

fn asset_words(a: &AssetFields) -> Vec<Option<&str>> {
    vec![
        a.inventory_number.as_deref(),
        a.serial_number.as_deref(),
        a.manufacturer.as_deref(),
        a.model.as_deref(),
        a.notes.as_deref(),
    ]
}

fn asset_title(kind: &str, a: &AssetFields) -> String {
    let name = join(&[a.manufacturer.as_deref(), a.model.as_deref()]);
    let mut t = if name.is_empty() { kind.to_owned() } else { format!("{kind} {name}") };
    if let Some(n) = &a.inventory_number {
        t.push_str(&format!(" ({n})"));
    }
    t
}

impl Entity for SchoolAuthorityData {
    const INFO: &'static EntityInfo = &SCHOOL_AUTHORITY;
    fn title(&self) -> String {
        self.name.clone()
    }
}

impl Entity for SchoolData {
    const INFO: &'static EntityInfo = &SCHOOL;
    fn search_text(&self) -> Option<String> {
        Some(join(&[
            Some(&self.name),
            Some(&self.school_number),
            Some(&self.school_type_label),
            self.city.as_deref(),
            self.street.as_deref(),
        ]))
    }
    fn title(&self) -> String {
        format!("{} ({})", self.name, self.school_number)
    }
}

impl Entity for BuildingData {
    const INFO: &'static EntityInfo = &BUILDING;
    fn school_id(&self) -> Option<&str> {
        Some(&self.school_id)
    }
    fn title(&self) -> String {
        self.name.clone()
    }
}

impl Entity for RoomData {
    const INFO: &'static EntityInfo = &ROOM;
    fn school_id(&self) -> Option<&str> {
        Some(&self.school_id)
    }
    fn search_text(&self) -> Option<String> {
        Some(join(&[Some(&self.number), self.name.as_deref(), self.notes.as_deref()]))
    }
    fn title(&self) -> String {
        match &self.name {
            Some(n) => format!("Raum {} – {n}", self.number),
            None => format!("Raum {}", self.number),
        }
    }
}

impl Entity for DeviceData {
    const INFO: &'static EntityInfo = &DEVICE;
    fn school_id(&self) -> Option<&str> {
        Some(&self.asset.school_id)
    }
    fn search_text(&self) -> Option<String> {
        let mut w = asset_words(&self.asset);
        w.push(Some(self.category.label()));
        w.push(self.os.as_deref());
        Some(join(&w))
    }
    fn title(&self) -> String {
        asset_title(self.category.label(), &self.asset)
    }
}

impl Entity for LoanData {
    const INFO: &'static EntityInfo = &LOAN;
    fn title(&self) -> String {
        format!("Ausleihe vom {}", self.loaned_on.format("%d.%m.%Y"))
    }
}

impl Entity for FibreLinkData {
    const INFO: &'static EntityInfo = &FIBRE_LINK;
    fn school_id(&self) -> Option<&str> {
        Some(&self.school_id)
    }
    fn title(&self) -> String {
        match &self.provider {
            Some(p) => format!("{} ({p})", self.link_type.label()),
            None => self.link_type.label().to_owned(),
        }
    }
}

impl Entity for AccessPointData {
    const INFO: &'static EntityInfo = &ACCESS_POINT;
    fn school_id(&self) -> Option<&str> {
        Some(&self.asset.school_id)
    }
    fn search_text(&self) -> Option<String> {
        let mut w = asset_words(&self.asset);
        w.push(self.mac_address.as_deref());
        w.push(self.controller.as_deref());
        let ssids = self.ssids.join(" ");
        w.push(Some(&ssids));
        w.push(Some("Access Point WLAN"));
        Some(join(&w))
    }
    fn title(&self) -> String {
        asset_title("Access Point", &self.asset)
    }
}

impl Entity for PresentationHardwareData {
    const INFO: &'static EntityInfo = &PRESENTATION_HARDWARE;
    fn school_id(&self) -> Option<&str> {
        Some(&self.asset.school_id)
    }
    fn search_text(&self) -> Option<String> {
        let mut w = asset_words(&self.asset);
        w.push(Some(self.kind.label()));
        Some(join(&w))
    }
    fn title(&self) -> String {
        asset_title(self.kind.label(), &self.asset)
    }
}

impl Entity for ProgrammeData {
    const INFO: &'static EntityInfo = &PROGRAMME;
    fn title(&self) -> String {
        self.name.clone()
    }
}

impl Entity for AllocationData {
    const INFO: &'static EntityInfo = &ALLOCATION;
    fn school_id(&self) -> Option<&str> {
        self.school_id.as_deref()
    }
    fn title(&self) -> String {
        format!("Zuweisung {},{:02} €", self.amount_cents / 100, (self.amount_cents % 100).abs())
    }
}

impl Entity for MeasureData {
    const INFO: &'static EntityInfo = &MEASURE;
    fn school_id(&self) -> Option<&str> {
        Some(&self.school_id)
    }
    fn title(&self) -> String {
        self.title.clone()
    }
}

impl Entity for InvoiceData {
    const INFO: &'static EntityInfo = &INVOICE;
    fn title(&self) -> String {
        format!("Rechnung {} ({})", self.invoice_number, self.supplier)
    }
}

impl Entity for InvoiceLineData {
    const INFO: &'static EntityInfo = &INVOICE_LINE;
    fn school_id(&self) -> Option<&str> {
        self.school_id.as_deref()
    }
    fn title(&self) -> String {
        match &self.description {
            Some(d) => format!("Position {}: {d}", self.position),
            None => format!("Position {}", self.position),
        }
    }
}

impl Entity for InvoiceItemData {
    const INFO: &'static EntityInfo = &INVOICE_ITEM;
    fn title(&self) -> String {
        format!("{} {}", self.item_entity.label(), self.item_id)
    }
}

impl Entity for MediaConceptData {
    const INFO: &'static EntityInfo = &MEDIA_CONCEPT;
    fn school_id(&self) -> Option<&str> {
        Some(&self.school_id)
    }
    fn title(&self) -> String {
        format!("Medienkonzept ({})", self.status.label())
    }
}

/// Fields that a table rule (a CHECK over several columns) ties together. A local change to any
/// of them logs all of them, so that the per-field merge, which takes each field from the latest
/// operation naming it, takes the whole group from one operation and the merged row keeps the
/// rule (two replicas correcting net and VAT of one invoice at the same time end with one
/// replica's consistent amounts, not a mix that the table refuses).
pub fn tied_fields(entity: &str) -> &'static [&'static [&'static str]] {
    match entity {
        "loan" => &[&["loaned_on", "due_on", "returned_on"], &["holder_erased", "holder_name"]],
        "fibre_link" => &[&["link_type", "from_building_id", "to_building_id"]],
        "programme" => &[&["federal_share_bp", "land_share_bp"], &["eligible_from", "eligible_to"]],
        "invoice" => &[&["net_cents", "vat_cents", "gross_cents"]],
        "invoice_line" => &[&[
            "net_cents",
            "vat_cents",
            "gross_cents",
            "federal_cents",
            "land_cents",
            "own_cents",
            "third_party_cents",
        ]],
        _ => &[],
    }
}
