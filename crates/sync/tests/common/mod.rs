//! Shared fixtures: replicas as real database files and minimal valid inputs.
#![allow(dead_code)]

use chrono::NaiveDate;
use schulinventar_core::*;
use tempfile::TempDir;

pub fn replicas(n: usize) -> (TempDir, Vec<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let stores = (0..n).map(|i| Store::open(&dir.path().join(format!("replica{i}.sqlite"))).unwrap()).collect();
    (dir, stores)
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
        headcount_date: NaiveDate::from_ymd_opt(2024, 10, 15),
        social_index: Some(4),
        notes: None,
    }
}

pub fn room(school_id: &str, number: &str) -> RoomData {
    RoomData {
        school_id: school_id.into(),
        building_id: None,
        number: number.into(),
        name: None,
        floor: Some(1),
        kind: RoomKind::Classroom,
        wlan_coverage: Some(WlanCoverage::Full),
        notes: None,
    }
}

pub fn device(school_id: &str, inv: Option<&str>) -> DeviceData {
    DeviceData {
        asset: AssetFields {
            school_id: school_id.into(),
            building_id: None,
            room_id: None,
            inventory_number: inv.map(Into::into),
            serial_number: None,
            manufacturer: Some("Dell".into()),
            model: Some("Latitude 3540".into()),
            purchase_date: NaiveDate::from_ymd_opt(2023, 5, 2),
            price_cents: Some(89_900),
            warranty_end: NaiveDate::from_ymd_opt(2026, 5, 2),
            status: AssetStatus::InUse,
            notes: None,
        },
        category: DeviceCategory::Laptop,
        user_group: UserGroup::Pupils,
        os: Some("Windows 11".into()),
    }
}

/// Search entries of a replica, sorted, for comparison.
pub fn search_entries(store: &Store) -> Vec<(String, String, String)> {
    let mut stmt =
        store.conn().prepare("SELECT entity, row_id, body FROM search_index ORDER BY entity, row_id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

pub fn log_len(store: &Store) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
}

/// Two distinct replicas of a slice, both mutable.
pub fn pair(r: &mut [Store], a: usize, b: usize) -> (&mut Store, &mut Store) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = r.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = r.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}
