//! Shared fixtures: a fresh database file and minimal valid inputs of every entity.
#![allow(dead_code)]

use chrono::NaiveDate;
use schulinventar_core::*;
use tempfile::TempDir;

pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
    pub authority: String,
    pub school: String,
    pub building: String,
    pub room: String,
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn open_temp() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("inventar.sqlite")).unwrap();
    (dir, store)
}

pub fn authority() -> SchoolAuthorityData {
    SchoolAuthorityData {
        name: "Stadt Beispielstadt".into(),
        land: Land::Nw,
        ags: Some("05113000".into()),
        authority_number: None,
    }
}

pub fn school(authority_id: &str, number: &str, name: &str) -> SchoolData {
    SchoolData {
        authority_id: authority_id.into(),
        land: Land::Nw,
        school_number: number.into(),
        name: name.into(),
        school_type_label: "Gymnasium".into(),
        school_type: SchoolType::Grammar,
        street: Some("Schulstraße 1".into()),
        postcode: Some("45127".into()),
        city: Some("Essen".into()),
        pupils: Some(800),
        teachers: Some(60),
        headcount_date: Some(date(2024, 10, 15)),
        social_index: Some(4),
        notes: None,
    }
}

pub fn asset(school_id: &str, inv: Option<&str>) -> AssetFields {
    AssetFields {
        school_id: school_id.into(),
        building_id: None,
        room_id: None,
        inventory_number: inv.map(Into::into),
        serial_number: None,
        manufacturer: Some("Dell".into()),
        model: Some("Latitude 3540".into()),
        purchase_date: Some(date(2023, 5, 2)),
        price_cents: Some(89_900),
        warranty_end: Some(date(2026, 5, 2)),
        status: AssetStatus::InUse,
        notes: None,
    }
}

pub fn device(school_id: &str, inv: Option<&str>) -> DeviceData {
    DeviceData {
        asset: asset(school_id, inv),
        category: DeviceCategory::Laptop,
        user_group: UserGroup::Pupils,
        os: Some("Windows 11".into()),
    }
}

pub fn access_point(school_id: &str, mac: &str) -> AccessPointData {
    AccessPointData {
        asset: AssetFields {
            manufacturer: Some("Aruba".into()),
            model: Some("AP-515".into()),
            ..asset(school_id, None)
        },
        mac_address: Some(mac.into()),
        wifi_standard: Some(WifiStandard::Wifi6),
        bands: vec![WifiBand::Ghz5, WifiBand::Ghz2_4],
        poe: Some(true),
        controller: Some("Controller".into()),
        ssids: vec!["Schule".into(), "Gast".into()],
        installed_on: Some(date(2023, 6, 1)),
    }
}

pub fn presentation(school_id: &str, room_id: &str) -> PresentationHardwareData {
    PresentationHardwareData {
        asset: AssetFields {
            room_id: Some(room_id.into()),
            manufacturer: Some("Promethean".into()),
            model: Some("ActivPanel 9".into()),
            ..asset(school_id, None)
        },
        kind: PresentationKind::InteractiveDisplay,
        size_inches: Some(75),
        installed_on: Some(date(2023, 8, 1)),
    }
}

pub fn uplink(school_id: &str) -> FibreLinkData {
    FibreLinkData {
        school_id: school_id.into(),
        link_type: FibreLinkType::Uplink,
        provider: Some("Deutsche Glasfaser".into()),
        technology: Some(UplinkTechnology::Ftth),
        down_mbps: Some(1000),
        up_mbps: Some(500),
        status: LinkStatus::Live,
        commissioned_on: Some(date(2022, 3, 1)),
        contract_end: Some(date(2027, 2, 28)),
        monthly_cost_cents: Some(19_900),
        fibre_type: None,
        fibre_count: None,
        length_m: None,
        from_building_id: None,
        to_building_id: None,
        notes: None,
    }
}

pub fn room(school_id: &str, building_id: Option<&str>, number: &str) -> RoomData {
    RoomData {
        school_id: school_id.into(),
        building_id: building_id.map(Into::into),
        number: number.into(),
        name: None,
        floor: Some(1),
        kind: RoomKind::Classroom,
        wlan_coverage: Some(WlanCoverage::Full),
        notes: None,
    }
}

/// A database with one Schulträger, one school, one building and one room.
pub fn fixture() -> Fixture {
    let (dir, mut store) = open_temp();
    let a = store.create(authority()).unwrap();
    let s = store.create(school(&a.id, "162437", "Elsa-Brändström-Gymnasium")).unwrap();
    let b = store
        .create(BuildingData {
            school_id: s.id.clone(),
            name: "Hauptgebäude".into(),
            code: Some("A".into()),
            street: None,
            notes: None,
        })
        .unwrap();
    let r = store.create(room(&s.id, Some(&b.id), "A.101")).unwrap();
    Fixture { dir, store, authority: a.id, school: s.id, building: b.id, room: r.id }
}

/// Number of change-log rows.
pub fn log_len(store: &Store) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
}

/// The codes of a validation error, or a panic if it is another error.
pub fn codes(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Validation { errors, .. } => errors.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// A DigitalPakt-Basis invoice line for mobile devices, split (federal, Land, own, third party).
pub fn invoice_line(invoice_id: &str, gross: i64, split: (i64, i64, i64, i64)) -> InvoiceLineData {
    InvoiceLineData {
        invoice_id: invoice_id.into(),
        position: 1,
        description: Some("Tablets Klasse 7".into()),
        school_id: None,
        programme_id: Some("programme-digitalpakt-basis".into()),
        category: FundingCategory::MobileDevices,
        net_cents: gross - gross * 19 / 119,
        vat_cents: gross * 19 / 119,
        gross_cents: gross,
        federal_cents: split.0,
        land_cents: split.1,
        own_cents: split.2,
        third_party_cents: split.3,
        notes: None,
    }
}

/// An invoice of 02.05.2023, paid.
pub fn invoice(authority_id: &str, number: &str) -> InvoiceData {
    InvoiceData {
        authority_id: authority_id.into(),
        supplier: "Bechtle GmbH".into(),
        invoice_number: number.into(),
        invoice_date: date(2023, 5, 2),
        paid_on: Some(date(2023, 5, 30)),
        net_cents: 100_000,
        vat_cents: 19_000,
        gross_cents: 119_000,
        notes: None,
    }
}
