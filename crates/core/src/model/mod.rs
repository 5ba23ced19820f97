//! The inventory's entities. Each entity is a plain data struct (what a user enters) wrapped in
//! [`Row`] once stored (id and timestamps). Field names are the column names in SQLite, the keys
//! in the change log and the property names in the TypeScript bindings.

mod enums;
mod funding;

pub use enums::*;
pub use funding::*;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A stored entity: its id, its data, and when it was created, last changed and (soft) deleted.
/// Timestamps are RFC 3339 UTC, taken from the clock of the operation that wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Row<T> {
    pub id: String,
    #[serde(flatten)]
    pub data: T,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// Schulträger: the body that owns school buildings and equipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SchoolAuthorityData {
    pub name: String,
    pub land: Land,
    /// Amtlicher Gemeindeschlüssel, 8 digits.
    pub ags: Option<String>,
    pub authority_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SchoolData {
    pub authority_id: String,
    pub land: Land,
    /// The Land's official school number, as text with its leading zeros.
    pub school_number: String,
    pub name: String,
    /// The Land's own name of the school type ("Realschule plus", "Berufskolleg" …).
    pub school_type_label: String,
    pub school_type: SchoolType,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub pupils: Option<i64>,
    pub teachers: Option<i64>,
    /// Reference date of the pupil and teacher counts.
    pub headcount_date: Option<NaiveDate>,
    /// NRW Schulsozialindex 1–9, none where the Land has none.
    pub social_index: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct BuildingData {
    pub school_id: String,
    pub name: String,
    pub code: Option<String>,
    pub street: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RoomData {
    pub school_id: String,
    pub building_id: Option<String>,
    pub number: String,
    pub name: Option<String>,
    pub floor: Option<i64>,
    pub kind: RoomKind,
    /// Usable WLAN coverage of the room; none when not surveyed yet.
    pub wlan_coverage: Option<WlanCoverage>,
    pub notes: Option<String>,
}

/// The fields every physical item carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AssetFields {
    pub school_id: String,
    pub building_id: Option<String>,
    pub room_id: Option<String>,
    /// Unique per Schulträger across all kinds of item, where given.
    pub inventory_number: Option<String>,
    /// Unique per manufacturer, where given.
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    /// Gross purchase price in cents.
    pub price_cents: Option<i64>,
    pub warranty_end: Option<NaiveDate>,
    pub status: AssetStatus,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DeviceData {
    #[serde(flatten)]
    pub asset: AssetFields,
    pub category: DeviceCategory,
    pub user_group: UserGroup,
    pub os: Option<String>,
}

/// A device handed to a named person (teacher loan devices). The holder's name is personal data:
/// it can be erased once the loan is closed, which sets `holder_erased`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LoanData {
    pub device_id: String,
    pub holder_name: Option<String>,
    #[serde(default, deserialize_with = "crate::model::bool_from_int")]
    #[specta(type = bool)]
    pub holder_erased: bool,
    pub loaned_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub returned_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct FibreLinkData {
    pub school_id: String,
    pub link_type: FibreLinkType,
    // Uplink fields.
    pub provider: Option<String>,
    pub technology: Option<UplinkTechnology>,
    pub down_mbps: Option<i64>,
    pub up_mbps: Option<i64>,
    pub status: LinkStatus,
    pub commissioned_on: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    pub monthly_cost_cents: Option<i64>,
    // Fibre between buildings.
    pub fibre_type: Option<FibreType>,
    pub fibre_count: Option<i64>,
    pub length_m: Option<i64>,
    pub from_building_id: Option<String>,
    pub to_building_id: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AccessPointData {
    #[serde(flatten)]
    pub asset: AssetFields,
    /// Normalised to lower-case colon notation (aa:bb:cc:dd:ee:ff).
    pub mac_address: Option<String>,
    pub wifi_standard: Option<WifiStandard>,
    #[serde(default, deserialize_with = "crate::model::vec_from_json_text")]
    #[specta(type = Vec<WifiBand>)]
    pub bands: Vec<WifiBand>,
    #[serde(default, deserialize_with = "crate::model::opt_bool_from_int")]
    #[specta(type = Option<bool>)]
    pub poe: Option<bool>,
    pub controller: Option<String>,
    #[serde(default, deserialize_with = "crate::model::vec_from_json_text")]
    #[specta(type = Vec<String>)]
    pub ssids: Vec<String>,
    pub installed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PresentationHardwareData {
    #[serde(flatten)]
    pub asset: AssetFields,
    pub kind: PresentationKind,
    pub size_inches: Option<i64>,
    pub installed_on: Option<NaiveDate>,
}

pub type SchoolAuthority = Row<SchoolAuthorityData>;
pub type School = Row<SchoolData>;
pub type Building = Row<BuildingData>;
pub type Room = Row<RoomData>;
pub type Device = Row<DeviceData>;
pub type Loan = Row<LoanData>;
pub type FibreLink = Row<FibreLinkData>;
pub type AccessPoint = Row<AccessPointData>;
pub type PresentationHardware = Row<PresentationHardwareData>;

// SQLite has no boolean or array column types: booleans are stored as 0/1 and lists as JSON
// text. These accept both the stored and the natural JSON form.

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolLike {
    Bool(bool),
    Int(i64),
}

pub(crate) fn bool_from_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match BoolLike::deserialize(d)? {
        BoolLike::Bool(b) => b,
        BoolLike::Int(i) => i != 0,
    })
}

pub(crate) fn opt_bool_from_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<BoolLike>::deserialize(d)?.map(|b| match b {
        BoolLike::Bool(b) => b,
        BoolLike::Int(i) => i != 0,
    }))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VecLike<T> {
    List(Vec<T>),
    Text(String),
}

pub(crate) fn vec_from_json_text<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    match Option::<VecLike<T>>::deserialize(d)? {
        None => Ok(Vec::new()),
        Some(VecLike::List(v)) => Ok(v),
        Some(VecLike::Text(s)) => serde_json::from_str(&s).map_err(serde::de::Error::custom),
    }
}
