//! Garbage collection of tombstones on the real hub over loopback: a deleted row goes for good
//! only when every device of its school has acknowledged the deletion; the purge then reaches
//! every replica through pulls, and later operations for the row are refused. A property test
//! walks random edits, deletes, undeletes, syncs, bundles and collections over three department
//! laptops and a school admin's, and checks that all end equal to the hub with nothing purged left.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use common::*;
use proptest::prelude::*;
use schulinventar_core::*;
use schulinventar_hub::{HubStorage, SqliteStorage};
use schulinventar_sync::client::{self, SyncSummary};
use schulinventar_sync::digest;
use schulinventar_sync::protocol::Role;

fn storage(s: &Setup) -> SqliteStorage {
    SqliteStorage::open(&s.dir.path().join("hub")).unwrap()
}

fn sync(store: &mut Store) -> SyncSummary {
    client::sync(store, None, 1000).unwrap()
}

/// A sync tells the hub what the previous one applied; two in a row acknowledge everything.
fn sync_twice(store: &mut Store) -> SyncSummary {
    sync(store);
    sync(store)
}

/// Just after now: every deletion made so far is "old enough" with a grace period of 0 days.
fn soon() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(1)
}

fn present(store: &Store, table: &str, id: &str) -> bool {
    store
        .conn()
        .query_row(&format!("SELECT count(*) FROM {table} WHERE id = ?1"), [id], |r| r.get::<_, i64>(0))
        .unwrap()
        == 1
}

fn ops_of(store: &Store, id: &str) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_log WHERE row_id = ?1", [id], |r| r.get(0)).unwrap()
}

fn device_ids(s: &Setup, names: &[&str]) -> Vec<i64> {
    let mut devices = storage(s).devices().unwrap();
    devices.retain(|d| names.contains(&d.name.as_str()));
    devices.iter().map(|d| d.id).collect()
}

#[test]
fn a_deletion_is_purged_once_every_device_of_its_school_has_it_and_the_purge_reaches_all_replicas() {
    let s = Setup::new();
    let (mut dept, _, [d1, d2]) = two_schools(&s);
    let mut a1 = s.enrolled("admin-1", Role::Admin, &["100001"]);
    let mut a2 = s.enrolled("admin-2", Role::Admin, &["100002"]);
    sync_twice(&mut a1);
    sync_twice(&mut a2);
    assert!(present(&a1, "devices", &d1));

    dept.delete::<DeviceData>(&d1).unwrap();
    sync(&mut dept);

    // Neither the department laptop (its pull after the push has not been acknowledged yet) nor
    // school 1's admin has the deletion; school 2's admin is not concerned.
    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!((r.purged, r.waiting), (0, 1), "{r:?}");
    let waiting: Vec<i64> = r.waiting_for.iter().map(|d| d.id).collect();
    assert_eq!(waiting, device_ids(&s, &["dept", "admin-1"]), "{r:?}");
    assert!(present(storage(&s).store(), "devices", &d1));

    sync_twice(&mut dept);
    sync(&mut a1);
    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!(r.waiting_for.iter().map(|d| d.id).collect::<Vec<_>>(), device_ids(&s, &["admin-1"]), "{r:?}");

    // A laptop enrolled for school 1 that never synced holds the row back too, until revoked.
    let _late = s.enrolled("admin-1b", Role::Admin, &["100001"]);
    sync(&mut a1);
    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!(r.waiting_for.iter().map(|d| d.id).collect::<Vec<_>>(), device_ids(&s, &["admin-1b"]), "{r:?}");
    assert!(storage(&s).revoke(device_ids(&s, &["admin-1b"])[0]).unwrap());

    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!((r.purged, r.waiting, r.ops_removed), (1, 0, 2), "{r:?}");
    assert_eq!(r.purged_by_entity.get("device"), Some(&1));
    let hub = storage(&s);
    assert!(!present(hub.store(), "devices", &d1));
    assert_eq!(ops_of(hub.store(), &d1), 0);
    assert!(hub.store().is_purged("device", &d1).unwrap());
    drop(hub);

    // A second run finds nothing more to do.
    assert_eq!(storage(&s).gc(0, soon()).unwrap().purged, 0);

    // The purge reaches the replicas that had the row, and only those.
    assert_eq!(sync(&mut dept).purged, 1);
    assert_eq!(sync(&mut a1).purged, 1);
    assert_eq!(sync(&mut a2).purged, 0);
    for replica in [&dept, &a1] {
        assert!(!present(replica, "devices", &d1));
        assert_eq!(ops_of(replica, &d1), 0);
    }
    assert_eq!(digest(&dept).unwrap(), s.hub_digest());

    // A laptop set up after the purge ends with the same content.
    let mut fresh = s.enrolled("fresh", Role::Department, &[]);
    sync(&mut fresh);
    assert!(!present(&fresh, "devices", &d1));
    assert_eq!(digest(&fresh).unwrap(), s.hub_digest());

    // Further edits sync as before, and the purge is not sent again.
    set_notes(&mut dept, &d2, "nach der Bereinigung");
    let r = sync(&mut dept);
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");
    let r = sync(&mut fresh);
    assert_eq!((r.pulled, r.purged), (1, 0));
    assert_eq!(digest(&fresh).unwrap(), digest(&dept).unwrap());
}

#[test]
fn a_full_bundle_is_taken_although_purges_removed_the_first_operations_of_an_origin() {
    let s = Setup::new();
    let (mut dept, [s1, _], [_, d2]) = two_schools(&s);
    let mut other = s.enrolled("other", Role::Department, &[]);
    sync(&mut other);
    // The other laptop's first two operations create a device and delete it again.
    let gone = other.create(device(&s1, "INV-9")).unwrap().id;
    other.delete::<DeviceData>(&gone).unwrap();
    set_notes(&mut other, &d2, "danach");
    sync_twice(&mut other);
    sync_twice(&mut dept);
    sync(&mut other);
    assert_eq!(storage(&s).gc(0, soon()).unwrap().purged, 1);
    assert_eq!(sync(&mut dept).purged, 1);

    // The department's full bundle holds the other laptop's third operation and no earlier one.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alles.sibundle");
    let header = schulinventar_sync::bundle::export(&dept, &Default::default(), &file).unwrap();
    assert_eq!(header.ranges.get(other.node_id()), Some(&(3, 3)));
    let mut usb = Store::open(&dir.path().join("usb.sqlite")).unwrap();
    let (_, report) = schulinventar_sync::bundle::import(&mut usb, &file).unwrap();
    assert_eq!(report.applied, header.ops);
    assert!(!present(&usb, "devices", &gone));
    assert_eq!(digest(&usb).unwrap(), digest(&dept).unwrap());

    // A bundle written from a point the importer has not reached is still refused.
    let since: schulinventar_core::apply::VersionVector = [(dept.node_id().to_owned(), 2)].into();
    let partial = dir.path().join("teil.sibundle");
    schulinventar_sync::bundle::export(&dept, &since, &partial).unwrap();
    let mut empty = Store::open(&dir.path().join("leer.sqlite")).unwrap();
    let err = schulinventar_sync::bundle::import(&mut empty, &partial).unwrap_err().to_string();
    assert!(err.contains("Nr. 1 bis 2"), "{err}");
}

#[test]
fn an_undelete_that_arrives_after_the_purge_is_refused_with_a_reason_and_the_row_goes() {
    let s = Setup::new();
    let (mut dept, _, [d1, _]) = two_schools(&s);
    let mut a1 = s.enrolled("admin-1", Role::Admin, &["100001"]);
    sync_twice(&mut a1);
    dept.delete::<DeviceData>(&d1).unwrap();
    sync_twice(&mut dept);
    sync_twice(&mut a1);
    // School 1's admin brings the device back while offline; meanwhile the hub purges it.
    a1.undelete::<DeviceData>(&d1).unwrap();
    assert_eq!(storage(&s).gc(0, soon()).unwrap().purged, 1);

    let r = sync(&mut a1);
    assert_eq!((r.pushed, r.rejected, r.purged), (0, 1, 1), "{r:?}");
    let refused = &r.rejected_ops[0];
    assert_eq!((refused.code.as_deref(), refused.row_id.as_str()), (Some("purged"), d1.as_str()));
    assert!(refused.reason.contains("endgültig entfernt"), "{}", refused.reason);
    assert!(!present(&a1, "devices", &d1));
    assert!(!present(storage(&s).store(), "devices", &d1));
}

fn room(school_id: &str) -> RoomData {
    RoomData {
        school_id: school_id.into(),
        building_id: None,
        number: "A.101".into(),
        name: None,
        floor: Some(1),
        kind: RoomKind::Classroom,
        wlan_coverage: None,
        notes: None,
    }
}

fn set_notes(store: &mut Store, id: &str, notes: &str) {
    let mut data = store.get::<DeviceData>(id).unwrap().data;
    data.asset.notes = Some(notes.into());
    store.update(id, data).unwrap();
}

#[test]
fn rows_in_an_open_conflict_or_still_referred_to_stay_and_children_go_before_their_parents() {
    let s = Setup::new();
    let (mut dept, [s1, _], _) = two_schools(&s);
    let mut a1 = s.enrolled("admin-1", Role::Admin, &["100001"]);
    let room = dept.create(room(&s1)).unwrap().id;
    let mut data = device(&s1, "INV-9");
    data.asset.room_id = Some(room.clone());
    let dev = dept.create(data).unwrap().id;
    sync_twice(&mut dept);
    sync_twice(&mut a1);

    // Both laptops change the same note offline: a conflict.
    set_notes(&mut dept, &dev, "Akku getauscht");
    set_notes(&mut a1, &dev, "Display defekt");
    sync(&mut dept);
    sync(&mut a1);
    sync(&mut dept);
    let conflict =
        schulinventar_sync::conflicts::list(&dept).unwrap().into_iter().find(|c| c.open).expect("a conflict");

    dept.delete::<DeviceData>(&dev).unwrap();
    dept.delete::<RoomData>(&room).unwrap();
    sync_twice(&mut dept);
    sync_twice(&mut a1);

    // Deleted more recently than the grace period: both stay.
    let r = storage(&s).gc(30, soon()).unwrap();
    assert_eq!((r.purged, r.too_recent, r.older_than_days), (0, 2, 30), "{r:?}");

    // The device waits for its conflict to be decided, and the room for the device.
    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!((r.purged, r.in_conflict, r.referenced), (0, 1, 1), "{r:?}");
    assert!(present(storage(&s).store(), "rooms", &room));

    schulinventar_sync::conflicts::resolve(&mut dept, &conflict, conflict.winner.value.clone()).unwrap();
    sync_twice(&mut dept);
    sync_twice(&mut a1);

    // One run takes the device first and then the room.
    let r = storage(&s).gc(0, soon()).unwrap();
    assert_eq!((r.purged, r.in_conflict, r.referenced), (2, 0, 0), "{r:?}");
    assert_eq!(r.purged_by_entity.get("room"), Some(&1));
    assert_eq!(r.purged_by_entity.get("device"), Some(&1));
    assert_eq!(sync(&mut dept).purged, 2);
    assert_eq!(sync(&mut a1).purged, 2);
    assert_eq!(digest(&dept).unwrap(), s.hub_digest());
}

/// One step of the random walk below.
#[derive(Debug, Clone)]
enum Act {
    /// Laptop `r` changes the note of its `k`-th live device.
    Edit {
        r: usize,
        k: usize,
        v: u32,
    },
    Delete {
        r: usize,
        k: usize,
    },
    /// Laptop `r` restores its `k`-th deleted device.
    Undelete {
        r: usize,
        k: usize,
    },
    Create {
        r: usize,
        school: usize,
        v: u32,
    },
    Sync {
        r: usize,
    },
    /// Every laptop syncs, in turn.
    SyncAll,
    Gc,
    /// A full bundle from one department laptop to another.
    Bundle {
        from: usize,
        to: usize,
    },
}

const LAPTOPS: usize = 4; // 0–2: department; 3: admin of school 1

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => (0..LAPTOPS, 0..20usize, 0..1000u32).prop_map(|(r, k, v)| Act::Edit { r, k, v }),
        3 => (0..LAPTOPS, 0..20usize).prop_map(|(r, k)| Act::Delete { r, k }),
        1 => (0..LAPTOPS, 0..20usize).prop_map(|(r, k)| Act::Undelete { r, k }),
        2 => (0..LAPTOPS, 0..2usize, 0..1000u32).prop_map(|(r, school, v)| Act::Create { r, school, v }),
        5 => (0..LAPTOPS).prop_map(|r| Act::Sync { r }),
        2 => Just(Act::SyncAll),
        3 => Just(Act::Gc),
        1 => (0..3usize, 0..3usize).prop_map(|(from, to)| Act::Bundle { from, to }),
    ]
}

fn nth(store: &Store, deleted: bool, k: usize) -> Option<String> {
    let ids: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare(&format!(
                "SELECT id FROM devices WHERE deleted_at IS {} NULL ORDER BY id",
                if deleted { "NOT" } else { "" }
            ))
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    (!ids.is_empty()).then(|| ids[k % ids.len()].clone())
}

/// Devices of school `school` as (id, notes, deleted), for comparing a school admin's view.
fn devices_of(store: &Store, school: &str) -> Vec<(String, Option<String>, bool)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT id, notes, deleted_at IS NOT NULL FROM devices WHERE school_id = ?1 ORDER BY id")
        .unwrap();
    let rows = stmt.query_map([school], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn op_keys(store: &Store) -> BTreeSet<(String, i64)> {
    let mut stmt = store.conn().prepare("SELECT origin_node, origin_seq FROM change_log").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn walk(acts: &[Act]) -> Result<(), TestCaseError> {
    let s = Setup::new();
    let (first, [s1, s2], _) = two_schools(&s);
    let schools = [s1.clone(), s2];
    let mut laptops = vec![first];
    for i in 1..3 {
        laptops.push(s.enrolled(&format!("dept-{i}"), Role::Department, &[]));
    }
    laptops.push(s.enrolled("admin-1", Role::Admin, &["100001"]));
    for l in laptops.iter_mut() {
        sync(l);
    }
    let bundles = tempfile::tempdir().unwrap();
    let mut purges = 0;
    // Operations the hub refused: in this walk only for rows it had purged.
    let mut refused = 0;
    for (i, a) in acts.iter().enumerate() {
        match *a {
            Act::Edit { r, k, v } => {
                if let Some(id) = nth(&laptops[r], false, k) {
                    set_notes(&mut laptops[r], &id, &format!("Notiz {v}"));
                }
            }
            Act::Delete { r, k } => {
                if let Some(id) = nth(&laptops[r], false, k) {
                    laptops[r].delete::<DeviceData>(&id).unwrap();
                }
            }
            Act::Undelete { r, k } => {
                if let Some(id) = nth(&laptops[r], true, k) {
                    // Refused when it would clash with a live device's unique values; fine.
                    let _ = laptops[r].undelete::<DeviceData>(&id);
                }
            }
            Act::Create { r, school, v } => {
                // The admin laptop may only write school 1.
                let school = if r == 3 { 0 } else { school };
                laptops[r].create(device(&schools[school], &format!("INV-{r}-{i}-{v}"))).unwrap();
            }
            Act::Sync { r } => refused += sync(&mut laptops[r]).rejected,
            Act::SyncAll => {
                for l in laptops.iter_mut() {
                    refused += sync(l).rejected;
                }
            }
            Act::Gc => purges += storage(&s).gc(0, soon()).unwrap().purged,
            Act::Bundle { from, to } => {
                if from != to {
                    let file = bundles.path().join(format!("{i}.sibundle"));
                    schulinventar_sync::bundle::export(&laptops[from], &Default::default(), &file).unwrap();
                    schulinventar_sync::bundle::import(&mut laptops[to], &file).unwrap();
                }
            }
        }
    }
    // Heal: everyone syncs until nothing moves (three rounds suffice: push, pull, acknowledge),
    // then one more collection, which every remaining deletion is acknowledged for, and its
    // purges reach everyone.
    let heal = |laptops: &mut Vec<Store>| {
        for _ in 0..3 {
            for l in laptops.iter_mut() {
                sync(l);
            }
        }
    };
    heal(&mut laptops);
    let last = storage(&s).gc(0, soon()).unwrap();
    prop_assert_eq!(last.waiting, 0, "{:?}", last);
    purges += last.purged;
    heal(&mut laptops);
    let hub = storage(&s);
    let hub_digest = digest(hub.store()).unwrap();
    let purged: Vec<String> = hub.store().purged_rows().unwrap().into_iter().map(|p| p.row_id).collect();
    prop_assert_eq!(purged.len(), purges);
    eprintln!(
        "{} steps, {} rows purged ({} at the end), {} late operations refused",
        acts.len(),
        purges,
        last.purged,
        refused
    );
    for (i, l) in laptops.iter().enumerate() {
        for id in &purged {
            prop_assert!(!present(l, "devices", id), "laptop {} keeps purged {}", i, id);
            prop_assert_eq!(ops_of(l, id), 0, "laptop {} keeps operations of purged {}", i, id);
        }
        if i < 3 {
            prop_assert_eq!(digest(l).unwrap(), hub_digest.clone(), "laptop {}", i);
            prop_assert_eq!(op_keys(l), op_keys(hub.store()), "laptop {}", i);
        } else {
            prop_assert_eq!(devices_of(l, &s1), devices_of(hub.store(), &s1));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 50, ..ProptestConfig::default() })]

    /// Random edits, deletes, undeletes, syncs, bundles and garbage collections: at the end all
    /// replicas agree with the hub, and no purged row or operation survives anywhere.
    #[test]
    fn replicas_converge_while_the_hub_collects_garbage(acts in proptest::collection::vec(act(), 10..80)) {
        walk(&acts)?;
    }
}
