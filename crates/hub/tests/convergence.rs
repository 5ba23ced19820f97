//! Convergence across every sync path: 3–5 replicas (real database files) enrolled at one
//! in-process hub as department devices make random writes to every entity table (create,
//! update, delete, undelete; refusals by validation are normal and ignored) and exchange
//! operations along random paths: hub syncs (some with tiny pages), bundles from one replica to
//! another (some imported twice, some imported late after newer ones, some carried on through a
//! third replica) and direct pushes. At the end every replica syncs through the hub until nothing
//! moves, and then:
//! - all replicas and the hub hold the same content (digest of the canonical dump),
//! - all hold the same operations (version vector, change-log size): every operation any replica
//!   accepted is everywhere,
//! - all list the same conflicts, and every value that was overwritten by an operation of another
//!   replica that had not seen it (both name the same previous version of the field, or the later
//!   names one older than the earlier) appears as the loser of a `concurrent` conflict with the
//!   right winner and loser values, and no value overwritten unseen (by the recorded causality)
//!   is missing from them, also when the overwriting replica had written the field before.
//!
//! Unique keys (school, inventory, serial, invoice numbers, MAC addresses, one media concept per
//! school, one open loan per device) never collide here: every value is unique per replica and
//! action, or left empty. Collisions between replicas are a separate matter. Fields that a table
//! rule ties together (net, VAT and gross; a loan's holder and its erasure) always change
//! together, and the endpoints of a fibre link never change. Rows the migration seeds (the
//! programme catalogue) are edited, deleted and restored like the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rusqlite::ToSql;
use schulinventar_core::entity::ALL;
use schulinventar_core::*;
use schulinventar_hub::{spawn, HubStorage, SqliteStorage};
use schulinventar_sync::protocol::Role;
use schulinventar_sync::{bundle, client, conflicts, digest, push, Op, VersionVector};
use serde_json::Value;
use tempfile::TempDir;

const MAX_REPLICAS: usize = 5;

#[derive(Debug, Clone)]
enum Act {
    /// A local write on replica `r` to entity `ALL[table]`: kind 0–2 create, 3–5 update,
    /// 6 delete, 7 undelete; `k` picks the row, `v` the values.
    Write { r: usize, table: usize, kind: u8, k: usize, v: u32 },
    /// Hub sync of one replica with the given page size.
    Hub { r: usize, page: usize },
    /// A bundle from `from` (everything, or what `to` lacks) imported into `to`, maybe twice.
    Bundle { from: usize, to: usize, full: bool, twice: bool },
    /// An earlier bundle imported (again, late, after newer ones): into the replica it was made
    /// for, or, a full bundle, into any replica.
    Stale { k: usize, to: usize },
    /// a → b by bundle, then b → c by a bundle that carries a's operations on.
    Carry { a: usize, b: usize, c: usize },
    /// Direct push by version vector.
    Push { from: usize, to: usize, page: usize },
}

fn act() -> impl Strategy<Value = Act> {
    let r = 0..MAX_REPLICAS;
    let page = prop_oneof![1 => 1..4usize, 2 => Just(500usize)];
    prop_oneof![
        // Half the writes go to the first few rows of a table, so that replicas often edit the
        // same rows.
        60 => (r.clone(), 0..ALL.len(), 0..8u8, prop_oneof![0..4usize, any::<usize>()], any::<u32>())
            .prop_map(|(r, table, kind, k, v)| Act::Write { r, table, kind, k, v }),
        4 => (r.clone(), page.clone()).prop_map(|(r, page)| Act::Hub { r, page }),
        2 => (r.clone(), r.clone(), any::<bool>(), prop::bool::weighted(0.3))
            .prop_map(|(from, to, full, twice)| Act::Bundle { from, to, full, twice }),
        1 => (any::<usize>(), r.clone()).prop_map(|(k, to)| Act::Stale { k, to }),
        1 => (r.clone(), r.clone(), r.clone()).prop_map(|(a, b, c)| Act::Carry { a, b, c }),
        2 => (r.clone(), r, page).prop_map(|(from, to, page)| Act::Push { from, to, page }),
    ]
}

// ---- Reading a replica ----------------------------------------------------------------------

fn ids(s: &Store, sql: &str, params: &[&dyn ToSql]) -> Vec<String> {
    let mut stmt = s.conn().prepare(sql).unwrap();
    stmt.query_map(params, |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// The k-th row of `table` matching `cond` (ordered by id), if any.
fn pick(s: &Store, table: &str, cond: &str, params: &[&dyn ToSql], k: usize) -> Option<String> {
    let all = ids(s, &format!("SELECT id FROM {table} WHERE {cond} ORDER BY id"), params);
    (!all.is_empty()).then(|| all[k % all.len()].clone())
}

fn live(s: &Store, table: &str, k: usize) -> Option<String> {
    pick(s, table, "deleted_at IS NULL", &[], k)
}

fn live_of_school(s: &Store, table: &str, school: &str, k: usize) -> Option<String> {
    pick(s, table, "deleted_at IS NULL AND school_id = ?1", &[&school], k)
}

/// The replica that created a row (the origin of its first operation).
fn creator(s: &Store, entity: &str, id: &str) -> String {
    s.conn()
        .query_row(
            "SELECT origin_node FROM change_log WHERE entity = ?1 AND row_id = ?2 ORDER BY hlc LIMIT 1",
            [entity, id],
            |r| r.get(0),
        )
        .unwrap()
}

fn log_len(s: &Store) -> i64 {
    s.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Days::new(u64::from(n % 700))
}

fn of<T: Copy>(all: &[T], v: u32) -> T {
    all[v as usize % all.len()]
}

fn upd<T: Entity + Validate>(s: &mut Store, id: &str, f: impl FnOnce(&mut T)) {
    if let Ok(row) = s.get::<T>(id) {
        let mut d = row.data;
        f(&mut d);
        let _ = s.update(id, d);
    }
}

fn delete(s: &mut Store, table: usize, id: &str) {
    let _ = match table {
        0 => s.delete::<SchoolAuthorityData>(id),
        1 => s.delete::<SchoolData>(id),
        2 => s.delete::<BuildingData>(id),
        3 => s.delete::<RoomData>(id),
        4 => s.delete::<DeviceData>(id),
        5 => s.delete::<LoanData>(id),
        6 => s.delete::<AccessPointData>(id),
        7 => s.delete::<PresentationHardwareData>(id),
        8 => s.delete::<FibreLinkData>(id),
        9 => s.delete::<ProgrammeData>(id),
        10 => s.delete::<AllocationData>(id),
        11 => s.delete::<MeasureData>(id),
        12 => s.delete::<InvoiceData>(id),
        13 => s.delete::<InvoiceLineData>(id),
        14 => s.delete::<InvoiceItemData>(id),
        _ => s.delete::<MediaConceptData>(id),
    };
}

fn undelete(s: &mut Store, table: usize, id: &str) {
    let _ = match table {
        0 => s.undelete::<SchoolAuthorityData>(id).map(drop),
        1 => s.undelete::<SchoolData>(id).map(drop),
        2 => s.undelete::<BuildingData>(id).map(drop),
        3 => s.undelete::<RoomData>(id).map(drop),
        4 => s.undelete::<DeviceData>(id).map(drop),
        5 => s.undelete::<LoanData>(id).map(drop),
        6 => s.undelete::<AccessPointData>(id).map(drop),
        7 => s.undelete::<PresentationHardwareData>(id).map(drop),
        8 => s.undelete::<FibreLinkData>(id).map(drop),
        9 => s.undelete::<ProgrammeData>(id).map(drop),
        10 => s.undelete::<AllocationData>(id).map(drop),
        11 => s.undelete::<MeasureData>(id).map(drop),
        12 => s.undelete::<InvoiceData>(id).map(drop),
        13 => s.undelete::<InvoiceLineData>(id).map(drop),
        14 => s.undelete::<InvoiceItemData>(id).map(drop),
        _ => s.undelete::<MediaConceptData>(id).map(drop),
    };
}

// ---- Random writes ------------------------------------------------------------------------------

/// Values unique per replica and action, so unique keys never collide between replicas.
struct Fresh {
    r: usize,
    n: u32,
}

impl Fresh {
    fn tag(&self) -> String {
        format!("R{}-{}", self.r, self.n)
    }
    /// Six digits, as NRW school numbers have.
    fn school_number(&self) -> String {
        format!("{}{:05}", self.r + 1, self.n % 100_000)
    }
    fn mac(&self) -> String {
        let n = self.n;
        format!("02:{:02x}:{:02x}:{:02x}:{:02x}:00", self.r, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
    }
    /// Amounts that change with every action: net, VAT, gross.
    fn amounts(&self) -> (i64, i64, i64) {
        let n = i64::from(self.n) * 8 + self.r as i64 + 1;
        (100 * n, 19 * n, 119 * n)
    }
}

fn asset(school: &str, f: &Fresh, v: u32) -> AssetFields {
    AssetFields {
        school_id: school.into(),
        building_id: None,
        room_id: None,
        inventory_number: (v % 2 == 0).then(|| format!("INV-{}", f.tag())),
        serial_number: (v % 3 == 0).then(|| format!("SN-{}", f.tag())),
        manufacturer: Some(of(&["Dell", "HP", "Lenovo"], v).into()),
        model: Some(format!("Modell {}", v % 50)),
        purchase_date: Some(day(v)),
        price_cents: Some(i64::from(v % 100_000)),
        warranty_end: None,
        status: of(&[AssetStatus::InUse, AssetStatus::InStock, AssetStatus::Ordered], v),
        notes: None,
    }
}

/// Changes one asset field, chosen by `v`.
fn change_asset(s: &Store, a: &mut AssetFields, f: &Fresh, v: u32) {
    match (v / 16) % 9 {
        0 => a.model = Some(format!("Modell {}", v % 97)),
        1 => a.notes = Some(format!("Notiz {}", f.tag())),
        2 => a.status = of(AssetStatus::ALL, v / 7),
        3 => a.room_id = live_of_school(s, "rooms", &a.school_id, v as usize),
        4 => a.inventory_number = (v % 5 != 0).then(|| format!("INV-{}", f.tag())),
        5 => a.serial_number = (v % 5 != 0).then(|| format!("SN-{}", f.tag())),
        6 => a.price_cents = Some(i64::from(v % 250_000)),
        7 => a.warranty_end = Some(day(v / 3) + Days::new(400)),
        _ => {
            if let Some(school) = live(s, "schools", v as usize) {
                a.school_id = school;
                a.building_id = None;
                a.room_id = None;
            }
        }
    }
}

fn create(s: &mut Store, table: usize, f: &Fresh, k: usize, v: u32) {
    let me = s.node_id().to_owned();
    match table {
        0 => {
            let _ = s.create(SchoolAuthorityData {
                name: format!("Träger {}", f.tag()),
                land: Land::Nw,
                ags: (v % 2 == 0).then(|| format!("{:08}", v % 100_000_000)),
                authority_number: None,
            });
        }
        1 => {
            let Some(authority) = live(s, "school_authorities", k) else { return };
            let _ = s.create(SchoolData {
                authority_id: authority,
                land: Land::Nw,
                school_number: f.school_number(),
                name: format!("Schule {}", f.tag()),
                school_type_label: "Gymnasium".into(),
                school_type: of(SchoolType::ALL, v),
                street: None,
                postcode: Some("45127".into()),
                city: Some("Essen".into()),
                pupils: Some(i64::from(v % 1500)),
                teachers: None,
                headcount_date: None,
                social_index: None,
                notes: None,
            });
        }
        2 => {
            let Some(school) = live(s, "schools", k) else { return };
            let _ = s.create(BuildingData {
                school_id: school,
                name: format!("Haus {}", f.tag()),
                code: None,
                street: None,
                notes: None,
            });
        }
        3 => {
            let Some(school) = live(s, "schools", k) else { return };
            let building = if v % 2 == 0 { live_of_school(s, "buildings", &school, v as usize) } else { None };
            let _ = s.create(RoomData {
                school_id: school,
                building_id: building,
                number: f.tag(),
                name: None,
                floor: Some(i64::from(v % 4)),
                kind: of(RoomKind::ALL, v),
                wlan_coverage: None,
                notes: None,
            });
        }
        4 => {
            let Some(school) = live(s, "schools", k) else { return };
            let mut a = asset(&school, f, v);
            a.room_id = live_of_school(s, "rooms", &school, v as usize);
            let _ = s.create(DeviceData {
                asset: a,
                category: of(DeviceCategory::ALL, v),
                user_group: of(UserGroup::ALL, v / 5),
                os: None,
            });
        }
        5 => {
            // Always a returned loan: open loans of one device could collide between replicas.
            let Some(device) = live(s, "devices", k) else { return };
            let _ = s.create(LoanData {
                device_id: device,
                holder_name: Some(format!("Lehrkraft {}", f.tag())),
                holder_erased: false,
                loaned_on: day(0),
                due_on: Some(day(30 + v % 300)),
                returned_on: Some(day(10 + v % 300)),
                notes: None,
            });
        }
        6 => {
            let Some(school) = live(s, "schools", k) else { return };
            let _ = s.create(AccessPointData {
                asset: asset(&school, f, v),
                mac_address: (v % 4 != 0).then(|| f.mac()),
                wifi_standard: Some(of(WifiStandard::ALL, v)),
                bands: vec![of(WifiBand::ALL, v)],
                poe: Some(v % 2 == 0),
                controller: None,
                ssids: vec!["schule".into()],
                installed_on: None,
            });
        }
        7 => {
            let Some(school) = live(s, "schools", k) else { return };
            let _ = s.create(PresentationHardwareData {
                asset: asset(&school, f, v),
                kind: of(PresentationKind::ALL, v),
                size_inches: Some(i64::from(20 + v % 80)),
                installed_on: None,
            });
        }
        8 => {
            let Some(school) = live(s, "schools", k) else { return };
            // Between two buildings where the school has two; the endpoints are never changed
            // afterwards (a merge of two edits could make them equal, which the table refuses).
            let buildings =
                ids(s, "SELECT id FROM buildings WHERE school_id = ?1 AND deleted_at IS NULL ORDER BY id", &[&school]);
            let inter = v % 2 == 0 && buildings.len() >= 2;
            let (from, to) = if inter {
                let i = v as usize % buildings.len();
                (Some(buildings[i].clone()), Some(buildings[(i + 1) % buildings.len()].clone()))
            } else {
                (None, None)
            };
            let _ = s.create(FibreLinkData {
                school_id: school,
                link_type: if inter { FibreLinkType::InterBuilding } else { FibreLinkType::Uplink },
                provider: (!inter).then(|| "Stadtwerke".into()),
                technology: (!inter).then(|| of(UplinkTechnology::ALL, v)),
                down_mbps: Some(i64::from(100 + v % 900)),
                up_mbps: None,
                status: of(LinkStatus::ALL, v),
                commissioned_on: None,
                contract_end: None,
                monthly_cost_cents: None,
                fibre_type: inter.then(|| of(FibreType::ALL, v)),
                fibre_count: inter.then_some(12),
                length_m: inter.then_some(80),
                from_building_id: from,
                to_building_id: to,
                notes: None,
            });
        }
        9 => {
            let _ = s.create(ProgrammeData {
                name: format!("Programm {}", f.tag()),
                short_name: None,
                land: None,
                eligible_from: Some(day(0)),
                eligible_to: Some(day(0) + Days::new(1000)),
                application_deadline: None,
                binding_deadline: None,
                implementation_end: None,
                proof_due: None,
                federal_share_bp: i64::from(v % 5001),
                land_share_bp: i64::from((v / 7) % 5001),
                min_cofinancing_bp: 1000,
                earmark_years: i64::from(v % 3),
                mobile_cap_bp: None,
                mobile_cap_per_school_cents: None,
                categories: vec![of(FundingCategory::ALL, v)],
                notes: None,
            });
        }
        10 => {
            let (Some(programme), Some(authority)) = (live(s, "programmes", k), live(s, "school_authorities", k / 3))
            else {
                return;
            };
            let school = if v % 2 == 0 {
                pick(s, "schools", "deleted_at IS NULL AND authority_id = ?1", &[&authority], v as usize)
            } else {
                None
            };
            let _ = s.create(AllocationData {
                programme_id: programme,
                authority_id: authority,
                school_id: school,
                amount_cents: i64::from(v % 1_000_000),
                pupils: None,
                per_pupil_cents: None,
                key_note: None,
                notes: None,
            });
        }
        11 => {
            let (Some(programme), Some(school)) = (live(s, "programmes", k), live(s, "schools", k / 3)) else {
                return;
            };
            let _ = s.create(MeasureData {
                programme_id: programme,
                school_id: school,
                category: of(FundingCategory::ALL, v),
                title: format!("Maßnahme {}", f.tag()),
                planned_cents: i64::from(v % 1_000_000),
                status: MeasureStatus::Planned,
                applied_on: None,
                approved_on: None,
                file_number: None,
                approved_cents: None,
                funding_rate_bp: None,
                narrative: None,
                notes: None,
            });
        }
        12 => {
            let Some(authority) = live(s, "school_authorities", k) else { return };
            let (net, vat, gross) = f.amounts();
            let _ = s.create(InvoiceData {
                authority_id: authority,
                supplier: of(&["Bechtle", "Cancom", "Dell"], v).into(),
                invoice_number: format!("RE-{}", f.tag()),
                invoice_date: day(v),
                paid_on: None,
                net_cents: net,
                vat_cents: vat,
                gross_cents: gross,
                notes: None,
            });
        }
        13 => {
            let Some(invoice) = live(s, "invoices", k) else { return };
            let (net, vat, gross) = f.amounts();
            let _ = s.create(InvoiceLineData {
                invoice_id: invoice,
                position: i64::from(1 + v % 20),
                description: Some(format!("Position {}", f.tag())),
                school_id: if v % 2 == 0 { live(s, "schools", v as usize) } else { None },
                programme_id: if v % 3 == 0 { live(s, "programmes", v as usize) } else { None },
                category: of(FundingCategory::ALL, v),
                net_cents: net,
                vat_cents: vat,
                gross_cents: gross,
                federal_cents: net,
                land_cents: vat,
                own_cents: 0,
                third_party_cents: 0,
                notes: None,
            });
        }
        14 => {
            // Only the replica that created a line links items to it, so no two replicas link
            // the same item to one line.
            let Some(line) = pick(s, "invoice_lines", "deleted_at IS NULL", &[], k) else { return };
            if creator(s, "invoice_line", &line) != me {
                return;
            }
            let entity = of(ItemEntity::ALL, v);
            let Some(item) = live(s, entity.table(), v as usize) else { return };
            let _ = s.create(InvoiceItemData { line_id: line, item_entity: entity, item_id: item });
        }
        _ => {
            // One media concept per school ever: only the school's creator makes it, once.
            let Some(school) = live(s, "schools", k) else { return };
            let had = !ids(s, "SELECT id FROM media_concepts WHERE school_id = ?1", &[&school]).is_empty();
            if had || creator(s, "school", &school) != me {
                return;
            }
            let status = of(MediaConceptStatus::ALL, v);
            let _ = s.create(MediaConceptData {
                school_id: school,
                status,
                adopted_on: (status == MediaConceptStatus::Present).then(|| day(v)),
                notes: None,
            });
        }
    }
}

fn update(s: &mut Store, table: usize, f: &Fresh, k: usize, v: u32) {
    let Some(id) = pick(s, ALL[table].table, "deleted_at IS NULL", &[], k) else { return };
    let me = s.node_id().to_owned();
    let w = v % 16;
    match table {
        0 => upd(s, &id, |d: &mut SchoolAuthorityData| match w % 3 {
            0 => d.name = format!("Träger {}", f.tag()),
            1 => d.ags = Some(format!("{:08}", v % 100_000_000)),
            _ => d.authority_number = Some(f.tag()),
        }),
        1 => upd(s, &id, |d: &mut SchoolData| match w % 7 {
            0 => d.name = format!("Schule {}", f.tag()),
            1 => d.city = Some(of(&["Essen", "Bochum", "Dortmund"], v / 16).into()),
            2 => d.pupils = Some(i64::from(v % 2000)),
            3 => d.social_index = Some(i64::from(1 + v % 9)),
            4 => d.notes = Some(format!("Notiz {}", f.tag())),
            5 => d.school_number = f.school_number(),
            _ => d.school_type = of(SchoolType::ALL, v / 16),
        }),
        2 => upd(s, &id, |d: &mut BuildingData| match w % 4 {
            0 => d.name = format!("Haus {}", f.tag()),
            1 => d.code = Some(format!("G{}", v % 10)),
            2 => d.street = Some(format!("Weg {}", v % 100)),
            _ => d.notes = Some(f.tag()),
        }),
        3 => {
            let school = s.get::<RoomData>(&id).unwrap().data.school_id;
            let building = live_of_school(s, "buildings", &school, v as usize);
            upd(s, &id, |d: &mut RoomData| match w % 6 {
                0 => d.name = Some(format!("Raum {}", f.tag())),
                1 => d.floor = Some(i64::from(v % 66) - 5),
                2 => d.kind = of(RoomKind::ALL, v / 16),
                3 => d.wlan_coverage = Some(of(WlanCoverage::ALL, v / 16)),
                4 => d.notes = Some(f.tag()),
                _ => d.building_id = building,
            })
        }
        4 => {
            let mut d = s.get::<DeviceData>(&id).unwrap().data;
            match w % 4 {
                0 => d.os = Some(format!("OS {}", v % 9)),
                1 => d.category = of(DeviceCategory::ALL, v / 16),
                2 => d.user_group = of(UserGroup::ALL, v / 16),
                _ => change_asset(s, &mut d.asset, f, v),
            }
            let _ = s.update(&id, d);
        }
        5 => upd(s, &id, |d: &mut LoanData| match w % 4 {
            // The holder's name only ever goes away together with its erasure flag: a merge
            // of a rename and an erasure would break the table's rule.
            0 => {
                d.holder_name = None;
                d.holder_erased = true;
            }
            1 => d.due_on = Some(day(30 + v % 600)),
            2 => d.returned_on = Some(day(10 + v % 600)),
            _ => d.notes = Some(f.tag()),
        }),
        6 => {
            let mut d = s.get::<AccessPointData>(&id).unwrap().data;
            match w % 7 {
                0 => d.mac_address = (v % 5 != 0).then(|| f.mac()),
                1 => d.ssids = vec![format!("net{}", v % 5), "gast".into()],
                2 => d.bands = WifiBand::ALL.iter().copied().take(1 + v as usize / 16 % 3).collect(),
                3 => d.poe = Some(!d.poe.unwrap_or(false)),
                4 => d.controller = Some(format!("ctl{}", v % 4)),
                5 => d.wifi_standard = Some(of(WifiStandard::ALL, v / 16)),
                _ => change_asset(s, &mut d.asset, f, v),
            }
            let _ = s.update(&id, d);
        }
        7 => {
            let mut d = s.get::<PresentationHardwareData>(&id).unwrap().data;
            match w % 4 {
                0 => d.kind = of(PresentationKind::ALL, v / 16),
                1 => d.size_inches = Some(i64::from(1 + v % 300)),
                2 => d.installed_on = Some(day(v)),
                _ => change_asset(s, &mut d.asset, f, v),
            }
            let _ = s.update(&id, d);
        }
        8 => upd(s, &id, |d: &mut FibreLinkData| match w % 6 {
            0 => d.provider = Some(format!("Anbieter {}", v % 7)),
            1 => d.down_mbps = Some(i64::from(1 + v % 10_000)),
            2 => d.status = of(LinkStatus::ALL, v / 16),
            3 => d.monthly_cost_cents = Some(i64::from(v % 100_000)),
            4 => d.contract_end = Some(day(v) + Days::new(700)),
            _ => d.notes = Some(f.tag()),
        }),
        9 => upd(s, &id, |d: &mut ProgrammeData| match w % 8 {
            0 => d.name = format!("Programm {}", f.tag()),
            1 => d.short_name = Some(format!("P{}", v % 100)),
            // Each share at most half: any merge of the two stays within 100 %.
            2 => d.federal_share_bp = i64::from(v % 5001),
            3 => d.land_share_bp = i64::from(v % 5001),
            4 => d.earmark_years = i64::from(v % 4),
            5 => d.eligible_to = Some(day(v) + Days::new(800)),
            6 => d.categories = FundingCategory::ALL.iter().copied().skip(v as usize / 16 % 4).take(2).collect(),
            _ => d.notes = Some(f.tag()),
        }),
        10 => upd(s, &id, |d: &mut AllocationData| match w % 5 {
            0 => d.amount_cents = i64::from(v % 5_000_000),
            1 => d.pupils = Some(i64::from(v % 3000)),
            2 => d.per_pupil_cents = Some(i64::from(v % 50_000)),
            3 => d.key_note = Some(f.tag()),
            _ => d.notes = Some(f.tag()),
        }),
        11 => upd(s, &id, |d: &mut MeasureData| match w % 6 {
            0 => d.title = format!("Maßnahme {}", f.tag()),
            1 => d.planned_cents = i64::from(v % 2_000_000),
            2 => {
                d.status = of(MeasureStatus::ALL, v / 16);
                d.applied_on = Some(day(v / 16));
                d.approved_on = Some(day(v / 16) + Days::new(30));
                d.approved_cents = Some(i64::from(v % 1_000_000));
            }
            3 => d.file_number = Some(format!("AZ {}", f.tag())),
            4 => d.narrative = Some(format!("Bericht {}", f.tag())),
            _ => d.notes = Some(f.tag()),
        }),
        12 => upd(s, &id, |d: &mut InvoiceData| match w % 4 {
            // Net, VAT and gross always change together (each to a new value), so every
            // merge keeps gross = net + VAT.
            0 => (d.net_cents, d.vat_cents, d.gross_cents) = f.amounts(),
            1 => d.paid_on = Some(d.invoice_date + Days::new(u64::from(v % 90))),
            2 => d.invoice_number = format!("RE-{}", f.tag()),
            _ => d.notes = Some(f.tag()),
        }),
        13 => {
            let school = live(s, "schools", v as usize);
            let programme = live(s, "programmes", v as usize);
            upd(s, &id, |d: &mut InvoiceLineData| match w % 6 {
                // Amounts and their split change together (see invoices).
                0 => {
                    let (net, vat, gross) = f.amounts();
                    (d.net_cents, d.vat_cents, d.gross_cents) = (net, vat, gross);
                    (d.federal_cents, d.land_cents, d.own_cents, d.third_party_cents) = (net, vat, 0, 0);
                }
                1 => d.description = Some(format!("Position {}", f.tag())),
                2 => d.school_id = school,
                3 => d.programme_id = programme,
                4 => d.category = of(FundingCategory::ALL, v / 16),
                _ => d.notes = Some(f.tag()),
            })
        }
        14 => {
            // Items of a line change only on the line's creator (see create).
            let line = s.get::<InvoiceItemData>(&id).unwrap().data.line_id;
            if creator(s, "invoice_line", &line) != me {
                return;
            }
            let entity = of(ItemEntity::ALL, v);
            let Some(item) = live(s, entity.table(), v as usize / 4) else { return };
            upd(s, &id, |d: &mut InvoiceItemData| {
                d.item_entity = entity;
                d.item_id = item;
            })
        }
        _ => upd(s, &id, |d: &mut MediaConceptData| match w % 2 {
            0 => {
                d.status = of(MediaConceptStatus::ALL, v / 16);
                d.adopted_on = Some(day(v / 16));
            }
            _ => d.notes = Some(f.tag()),
        }),
    }
}

fn write(s: &mut Store, f: &Fresh, table: usize, kind: u8, k: usize, v: u32) {
    let info = ALL[table];
    match kind {
        0..=2 => create(s, table, f, k, v),
        3..=5 => update(s, table, f, k, v),
        6 | 7 => {
            let cond = if kind == 6 { "deleted_at IS NULL" } else { "deleted_at IS NOT NULL" };
            let Some(id) = pick(s, info.table, cond, &[], k) else { return };
            if table == 14 {
                let line = s.get::<InvoiceItemData>(&id).unwrap().data.line_id;
                if creator(s, "invoice_line", &line) != s.node_id() {
                    return;
                }
            }
            if kind == 6 {
                delete(s, table, &id)
            } else {
                undelete(s, table, &id)
            }
        }
        _ => unreachable!(),
    }
}

// ---- Running a case -----------------------------------------------------------------------

fn pair(r: &mut [Store], a: usize, b: usize) -> (&mut Store, &mut Store) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = r.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = r.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

#[derive(Default)]
struct Counts {
    writes: usize,
    hub_syncs: usize,
    bundles: usize,
    duplicate_imports: usize,
    stale_imports: usize,
    stale_refused: usize,
    /// Rows a late bundle for another replica could not write yet.
    stale_unwritten: usize,
    carried: usize,
    pushes: usize,
}

/// What each local operation's replica held when it was made: (origin node, seq) → vector.
type Seen = HashMap<(String, i64), VersionVector>;

struct Case {
    dir: TempDir,
    r: Vec<Store>,
    /// Every bundle written: its file, the replica it was made for, whether it holds everything.
    bundles: Vec<(PathBuf, usize, bool)>,
    seen: Seen,
    counts: Counts,
}

impl Case {
    fn bundle_path(&mut self, to: usize, full: bool) -> PathBuf {
        let p = self.dir.path().join(format!("b{}.bundle", self.bundles.len()));
        self.bundles.push((p.clone(), to, full));
        p
    }

    /// `from` exports what `to` lacks (or everything) and `to` imports it.
    fn carry(&mut self, from: usize, to: usize, full: bool) -> Result<PathBuf, TestCaseError> {
        let since = if full { VersionVector::new() } else { self.r[to].version_vector().unwrap() };
        let path = self.bundle_path(to, full);
        bundle::export(&self.r[from], &since, &path).unwrap();
        let (_, rep) = bundle::import(&mut self.r[to], &path).unwrap();
        prop_assert!(rep.rejected.is_empty(), "rows not written on bundle import: {:?}", rep.rejected);
        Ok(path)
    }

    fn hub_sync(&mut self, i: usize, page: usize) -> Result<client::SyncSummary, TestCaseError> {
        let s = client::sync(&mut self.r[i], None, page).unwrap();
        prop_assert_eq!(s.rejected, 0, "hub refused: {:?}", s.rejected_ops);
        prop_assert!(s.rows_not_written.is_empty(), "rows not written on pull: {:?}", s.rows_not_written);
        Ok(s)
    }

    fn step(&mut self, act: &Act, n: u32) -> Result<(), TestCaseError> {
        let len = self.r.len();
        match *act {
            Act::Write { r, table, kind, k, v } => {
                let r = r % len;
                let s = &mut self.r[r];
                let before = s.version_vector().unwrap();
                let me = s.node_id().to_owned();
                write(s, &Fresh { r, n }, table, kind, k, v);
                let after = s.version_vector().unwrap();
                let (from, to) = (before.get(&me).copied().unwrap_or(0), after.get(&me).copied().unwrap_or(0));
                for seq in from + 1..=to {
                    self.seen.insert((me.clone(), seq), before.clone());
                }
                self.counts.writes += usize::from(to > from);
            }
            Act::Hub { r, page } => {
                self.hub_sync(r % len, page)?;
                self.counts.hub_syncs += 1;
            }
            Act::Bundle { from, to, full, twice } => {
                let (from, to) = (from % len, to % len);
                if from != to {
                    let path = self.carry(from, to, full)?;
                    self.counts.bundles += 1;
                    if twice {
                        let (_, rep) = bundle::import(&mut self.r[to], &path).unwrap();
                        prop_assert_eq!((rep.applied, rep.rejected.len()), (0, 0));
                        self.counts.duplicate_imports += 1;
                    }
                }
            }
            Act::Stale { k, to } => {
                if !self.bundles.is_empty() {
                    // Into any replica, also one the bundle was not made for: it may then hold
                    // operations whose causes that replica lacks; those rows wait in
                    // `sync_unwritten` until their causes arrive.
                    let (path, made_for, full) = self.bundles[k % self.bundles.len()].clone();
                    let to = if full || to % 2 == 0 { to % len } else { made_for };
                    match bundle::import(&mut self.r[to], &path) {
                        Ok((_, rep)) => {
                            prop_assert!(rep.rejected.is_empty() || (!full && to != made_for), "{:?}", rep.rejected);
                            self.counts.stale_imports += 1;
                            self.counts.stale_unwritten += rep.rejected.len();
                        }
                        // A bundle that starts beyond what this replica holds is refused whole.
                        Err(CoreError::InvalidArgument { message, .. }) if message.contains("setzt Operationen") => {
                            self.counts.stale_refused += 1
                        }
                        Err(e) => return Err(TestCaseError::fail(format!("stale bundle: {e}"))),
                    }
                }
            }
            Act::Carry { a, b, c } => {
                let (a, b, c) = (a % len, b % len, c % len);
                if a != b && b != c {
                    self.carry(a, b, false)?;
                    self.carry(b, c, false)?;
                    self.counts.carried += 1;
                }
            }
            Act::Push { from, to, page } => {
                let (from, to) = (from % len, to % len);
                if from != to {
                    let (x, y) = pair(&mut self.r, from, to);
                    let rep = push(x, y, page).unwrap();
                    prop_assert!(rep.rejected.is_empty(), "rows not written on push: {:?}", rep.rejected);
                    self.counts.pushes += 1;
                }
            }
        }
        Ok(())
    }
}

fn all_ops(s: &Store) -> Vec<Op> {
    s.ops_since(&VersionVector::new(), usize::MAX >> 1).unwrap()
}

/// A value as the conflict list reports it (read back through SQLite's JSON functions: booleans
/// as 0/1, lists as JSON text).
fn as_listed(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::from(i64::from(*b)),
        Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
        other => other.clone(),
    }
}

/// Every (entity, row, field, loser hlc, winner hlc, loser value, winner value as JSON text) where an
/// operation's value was overwritten by a later operation of another replica that named the same
/// previous version of the field, or one older than the overwritten operation, computed from the
/// operations alone. Also checks with the recorded causality that the later one indeed had not
/// seen the earlier.
type Loss = (String, String, String, String, String, String, String);

fn losses(ops: &[Op], seen: &Seen) -> Result<BTreeSet<Loss>, TestCaseError> {
    let saw = |b: &Op, a: &Op| {
        seen[&(b.origin_node.clone(), b.origin_seq)].get(&a.origin_node).copied().unwrap_or(0) >= a.origin_seq
    };
    let mut by_field: BTreeMap<(&str, &str, &str), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        // `*` in a delete's prev is the row version it saw, not a field.
        for field in op.prev.keys().filter(|k| k.as_str() != schulinventar_core::apply::ROW_VERSION) {
            by_field.entry((&op.entity, &op.row_id, field)).or_default().push(op);
        }
    }
    let mut out = BTreeSet::new();
    for ((entity, row, field), writes) in by_field {
        for a in &writes {
            for b in &writes {
                let same = a.prev[field] == b.prev[field];
                // Null: a seeded row's value from before any operation.
                let older = b.prev[field].as_str().is_none_or(|p| p < a.hlc.as_str());
                if a.origin_node == b.origin_node || b.hlc <= a.hlc || !(same || older) {
                    continue;
                }
                prop_assert!(!saw(b, a), "b overwrote a version older than a, yet had seen a: {a:?} {b:?}");
                prop_assert!(!same || !saw(a, b), "same previous version, yet a saw b: {a:?} {b:?}");
                out.insert((
                    entity.to_owned(),
                    row.to_owned(),
                    field.to_owned(),
                    a.hlc.clone(),
                    b.hlc.clone(),
                    as_listed(&a.fields[field]).to_string(),
                    as_listed(&b.fields[field]).to_string(),
                ));
            }
        }
    }
    Ok(out)
}

/// Values overwritten, in HLC order, by the next write of the field from a replica that had not
/// seen them, without a conflict naming them as the loser (by the recorded causality, not the
/// operations): e.g. B writes b1, A writes a1 (later), B writes b2 (later still, without having
/// seen a1); a1 must be the loser of a conflict with b2.
fn unlisted_overwrites(ops: &[Op], seen: &Seen, listed: &[conflicts::Conflict]) -> usize {
    let saw = |b: &Op, a: &Op| {
        seen[&(b.origin_node.clone(), b.origin_seq)].get(&a.origin_node).copied().unwrap_or(0) >= a.origin_seq
    };
    let losers: BTreeSet<(&str, &str)> =
        listed.iter().filter(|c| c.kind == "concurrent").map(|c| (c.loser.hlc.as_str(), c.field.as_str())).collect();
    let mut by_field: BTreeMap<(&str, &str, &str), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        for field in op.fields.keys() {
            by_field.entry((&op.entity, &op.row_id, field)).or_default().push(op);
        }
    }
    let mut n = 0;
    for ((_, _, field), mut writes) in by_field {
        writes.sort_by(|a, b| a.hlc.cmp(&b.hlc));
        for w in writes.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.origin_node != b.origin_node && !saw(b, a) && !losers.contains(&(a.hlc.as_str(), field)) {
                n += 1;
            }
        }
    }
    n
}

fn enrol(hub_dir: &Path, url: &str, s: &mut Store, name: &str) {
    let code = SqliteStorage::open(hub_dir).unwrap().create_enrolment(Role::Department, &[], 24).unwrap().code;
    client::enroll(s, url, &code, name).unwrap();
}

fn run(n: usize, acts: &[Act]) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let hub_dir = dir.path().join("hub");
    let hub = spawn(&hub_dir, "127.0.0.1:0").unwrap();
    let mut r = Vec::new();
    for i in 0..n {
        let mut s = Store::open(&dir.path().join(format!("replica{i}.sqlite"))).unwrap();
        s.set_author(format!("admin{i}"));
        enrol(&hub_dir, &hub.url(), &mut s, &format!("laptop{i}"));
        r.push(s);
    }
    let mut case = Case { dir, r, bundles: Vec::new(), seen: Seen::new(), counts: Counts::default() };
    // A common start: an authority and a school, everywhere.
    case.step(&Act::Write { r: 0, table: 0, kind: 0, k: 0, v: 0 }, 0)?;
    case.step(&Act::Write { r: 0, table: 1, kind: 0, k: 0, v: 0 }, 1)?;
    case.step(&Act::Hub { r: 0, page: 500 }, 2)?;
    for (i, act) in acts.iter().enumerate() {
        case.step(act, i as u32 + 3)?;
    }
    let random = started.elapsed();

    // Everybody syncs through the hub until nothing moves.
    let mut rounds = 0;
    loop {
        rounds += 1;
        prop_assert!(rounds <= 10, "the hub syncs do not come to rest");
        let mut moved = false;
        for i in 0..n {
            let s = case.hub_sync(i, 500)?;
            moved |= s.pushed + s.pulled > 0;
        }
        if !moved {
            break;
        }
    }

    let r = &case.r;
    let d0 = digest(&r[0]).unwrap();
    let vv0 = r[0].version_vector().unwrap();
    let total: i64 = vv0.values().sum();
    let conflicts0 = conflicts::list(&r[0]).unwrap();
    for s in r {
        prop_assert_eq!(&digest(s).unwrap(), &d0, "content differs");
        prop_assert_eq!(&s.version_vector().unwrap(), &vv0);
        prop_assert_eq!(log_len(s), total, "change log with gaps or extras");
        prop_assert_eq!(&conflicts::list(s).unwrap(), &conflicts0);
    }
    let hub_store = SqliteStorage::open(&hub_dir).unwrap();
    prop_assert_eq!(&digest(hub_store.store()).unwrap(), &d0, "hub content differs");
    prop_assert_eq!(&hub_store.store().version_vector().unwrap(), &vv0);

    // Every operation a replica accepted is everywhere: each recorded local operation is within
    // the common version vector, and the log holds exactly those.
    prop_assert_eq!(case.seen.len() as i64, total);
    for (node, seq) in case.seen.keys() {
        prop_assert!(vv0.get(node).is_some_and(|m| m >= seq), "operation {node}/{seq} missing");
    }

    // Every losing value appears in a conflict, with its winner.
    let ops = all_ops(&r[0]);
    let expected = losses(&ops, &case.seen)?;
    let listed: BTreeSet<Loss> = conflicts0
        .iter()
        .filter(|c| c.kind == "concurrent")
        .map(|c| {
            (
                c.entity.clone(),
                c.row_id.clone(),
                c.field.clone(),
                c.loser.hlc.clone(),
                c.winner.hlc.clone(),
                c.loser.value.to_string(),
                c.winner.value.to_string(),
            )
        })
        .collect();
    let missing: Vec<&Loss> = expected.difference(&listed).collect();
    prop_assert!(missing.is_empty(), "{} losing values without a conflict, e.g. {:?}", missing.len(), &missing[..1]);
    let extra: Vec<&Loss> = listed.difference(&expected).collect();
    prop_assert!(extra.is_empty(), "{} conflicts without a losing value, e.g. {:?}", extra.len(), &extra[..1]);

    let unlisted = unlisted_overwrites(&ops, &case.seen, &conflicts0);
    prop_assert_eq!(unlisted, 0, "values overwritten unseen without a conflict naming them the loser");
    let c = &case.counts;
    let edit_deleted = conflicts0.iter().filter(|c| c.kind == "edit_deleted").count();
    let open = conflicts0.iter().filter(|c| c.open).count();
    let tables = ALL
        .iter()
        .filter(|e| {
            r[0].conn().query_row(&format!("SELECT count(*) FROM {}", e.table), [], |r| r.get::<_, i64>(0)).unwrap() > 0
        })
        .count();
    eprintln!(
        "case: {n} replicas, {} actions, {} writes, {total} ops, {tables}/{} tables with rows, {} concurrent + {edit_deleted} edit_deleted conflicts ({open} open), \
         {} hub syncs, {} bundles ({} twice, {} late, {} refused late, {} rows waiting after a late one, {} carried on), {} pushes, {rounds} final rounds; {:.1?} random part, {:.1?} total",
        acts.len(),
        c.writes,
        ALL.len(),
        expected.len(),
        c.hub_syncs,
        c.bundles,
        c.duplicate_imports,
        c.stale_imports,
        c.stale_refused,
        c.stale_unwritten,
        c.carried,
        c.pushes,
        random,
        started.elapsed(),
    );
    drop(hub);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_over_hub_bundles_and_pushes(
        n in 3..=MAX_REPLICAS,
        acts in proptest::collection::vec(act(), 1200..2400),
    ) {
        run(n, &acts)?;
    }
}
