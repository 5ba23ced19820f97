//! What the hub's tests share: a hub in-process on a loopback port and laptops as SQLite files.
#![allow(dead_code)]

use chrono::NaiveDate;
use schulinventar_core::*;
use schulinventar_hub::{spawn, HubStorage, RunningHub, SqliteStorage};
use schulinventar_sync::client::{self, HubClient};
use schulinventar_sync::digest;
use schulinventar_sync::protocol::Role;
use tempfile::TempDir;

pub struct Setup {
    pub dir: TempDir,
    pub hub: RunningHub,
}

impl Setup {
    pub fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let hub = spawn(&dir.path().join("hub"), "127.0.0.1:0").unwrap();
        Setup { dir, hub }
    }

    /// A one-time code, made directly in the hub's storage (as `hub enroll` does).
    pub fn code(&self, role: Role, schools: &[&str]) -> String {
        let mut s = SqliteStorage::open(&self.dir.path().join("hub")).unwrap();
        let schools: Vec<String> = schools.iter().map(|s| s.to_string()).collect();
        s.create_enrolment(role, &schools, 24).unwrap().code
    }

    pub fn laptop(&self, name: &str) -> Store {
        let mut s = Store::open(&self.dir.path().join(format!("{name}.sqlite"))).unwrap();
        s.set_author(format!("admin.{name}"));
        s
    }

    pub fn enrolled(&self, name: &str, role: Role, schools: &[&str]) -> Store {
        let mut s = self.laptop(name);
        client::enroll(&mut s, &self.hub.url(), &self.code(role, schools), name).unwrap();
        s
    }

    pub fn hub_digest(&self) -> String {
        let s = SqliteStorage::open(&self.dir.path().join("hub")).unwrap();
        digest(s.store()).unwrap()
    }

    pub fn client(&self, store: &Store) -> HubClient {
        let e = client::enrolment(store).unwrap().unwrap();
        HubClient::new(&e.url, Some(e.token))
    }
}

pub fn authority() -> SchoolAuthorityData {
    SchoolAuthorityData {
        name: "Stadt Beispielstadt".into(),
        land: Land::Nw,
        ags: Some("05113000".into()),
        authority_number: None,
    }
}

pub fn school(authority_id: &str, number: &str) -> SchoolData {
    SchoolData {
        authority_id: authority_id.into(),
        land: Land::Nw,
        school_number: number.into(),
        name: format!("Schule {number}"),
        school_type_label: "Gymnasium".into(),
        school_type: SchoolType::Grammar,
        street: None,
        postcode: None,
        city: Some("Essen".into()),
        pupils: Some(800),
        teachers: Some(60),
        headcount_date: NaiveDate::from_ymd_opt(2024, 10, 15),
        social_index: None,
        notes: None,
    }
}

pub fn device(school_id: &str, inv: &str) -> DeviceData {
    DeviceData {
        asset: AssetFields {
            school_id: school_id.into(),
            building_id: None,
            room_id: None,
            inventory_number: Some(inv.into()),
            serial_number: None,
            manufacturer: Some("Dell".into()),
            model: Some("Latitude 3540".into()),
            purchase_date: NaiveDate::from_ymd_opt(2023, 5, 2),
            price_cents: Some(89_900),
            warranty_end: None,
            status: AssetStatus::InUse,
            notes: None,
        },
        category: DeviceCategory::Laptop,
        user_group: UserGroup::Pupils,
        os: None,
    }
}

/// A department laptop with two schools, a device each, synced to the hub.
pub fn two_schools(s: &Setup) -> (Store, [String; 2], [String; 2]) {
    let mut d = s.enrolled("dept", Role::Department, &[]);
    let auth = d.create(authority()).unwrap().id;
    let s1 = d.create(school(&auth, "100001")).unwrap().id;
    let s2 = d.create(school(&auth, "100002")).unwrap().id;
    let d1 = d.create(device(&s1, "INV-1")).unwrap().id;
    let d2 = d.create(device(&s2, "INV-2")).unwrap().id;
    let r = client::sync(&mut d, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected), (5, 0));
    (d, [s1, s2], [d1, d2])
}
