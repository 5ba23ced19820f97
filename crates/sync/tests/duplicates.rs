//! Unique values claimed twice while offline: two laptops register the same serial number,
//! inventory number or school number. Whatever order the operations arrive in, every replica
//! keeps the row created first, hides the other, lists the same `duplicate` conflict, and
//! brings the hidden row back once a person resolves it or the value is free again.

mod common;

use common::*;
use schulinventar_core::*;
use schulinventar_sync::conflicts::{list, resolve, Conflict};
use schulinventar_sync::{digest, exchange, push, PAGE};

fn with_serial(school_id: &str, serial: &str, notes: &str) -> DeviceData {
    let mut d = device(school_id, None);
    d.asset.serial_number = Some(serial.into());
    d.asset.notes = Some(notes.into());
    d
}

fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

/// Replicas 0..n share an authority and a school.
fn start(n: usize) -> (tempfile::TempDir, Vec<Store>, String) {
    let (dir, mut r) = replicas(n);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    for i in 1..n {
        let (x, y) = pair(&mut r, 0, i);
        push(x, y, PAGE).unwrap();
    }
    (dir, r, s.id)
}

/// Everybody exchanges with everybody until quiet; then all agree on content and conflicts.
fn converge(r: &mut [Store]) -> Vec<Conflict> {
    for _ in 0..2 {
        for i in 0..r.len() {
            for j in 0..r.len() {
                if i != j {
                    let (x, y) = pair(r, i, j);
                    let rep = push(x, y, 7).unwrap();
                    assert!(rep.rejected.is_empty(), "rejected: {:?}", rep.rejected);
                }
            }
        }
    }
    let d0 = digest(&r[0]).unwrap();
    let c0 = list(&r[0]).unwrap();
    for s in &r[1..] {
        assert_eq!(digest(s).unwrap(), d0);
        assert_eq!(list(s).unwrap(), c0);
    }
    for s in r.iter() {
        let (recorded, expected) = inventory_numbers(s);
        assert_eq!(recorded, expected, "inventory_numbers holds exactly the live items' numbers");
    }
    c0
}

/// (inventory number, row id)
type Numbers = Vec<(String, String)>;

/// The inventory numbers the store has recorded, and those the live items hold.
fn inventory_numbers(store: &Store) -> (Numbers, Numbers) {
    let rows = |sql: &str| -> Numbers {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    (
        rows("SELECT inventory_number, row_id FROM inventory_numbers ORDER BY 1, 2"),
        rows(
            "SELECT inventory_number, id FROM (
                 SELECT inventory_number, id, deleted_at FROM devices
                 UNION ALL SELECT inventory_number, id, deleted_at FROM access_points
                 UNION ALL SELECT inventory_number, id, deleted_at FROM presentation_hardware)
             WHERE inventory_number IS NOT NULL AND deleted_at IS NULL ORDER BY 1, 2",
        ),
    )
}

fn live(store: &Store, id: &str) -> bool {
    store.get::<DeviceData>(id).unwrap().deleted_at.is_none()
}

#[test]
fn the_first_registration_keeps_a_serial_number_on_every_replica_whatever_the_order() {
    // Three laptops register the same device; the hub-less exchange runs in two different orders.
    for order in [[0usize, 1, 2], [2, 1, 0]] {
        let (_d, mut r, school) = start(4);
        let first = r[0].create(with_serial(&school, "SN-4711", "Laptop A")).unwrap();
        pause();
        let second = r[1].create(with_serial(&school, "SN-4711", "Laptop B")).unwrap();
        pause();
        let third = r[2].create(with_serial(&school, "SN-4711", "Laptop C")).unwrap();
        // Replica 3 receives them in the given order, one at a time.
        for &i in &order {
            let (x, y) = pair(&mut r, i, 3);
            let rep = push(x, y, PAGE).unwrap();
            assert!(rep.rejected.is_empty(), "{:?}", rep.rejected);
        }
        let conflicts = converge(&mut r);
        for s in &r {
            assert!(live(s, &first.id));
            assert!(!live(s, &second.id) && !live(s, &third.id));
        }
        let dup: Vec<_> = conflicts.iter().filter(|c| c.kind == "duplicate").collect();
        assert_eq!(dup.len(), 2, "{conflicts:?}");
        for c in &dup {
            assert_eq!((c.entity.as_str(), c.field.as_str(), c.open), ("device", "serial_number", true));
            assert_eq!(c.winner.value.as_str(), Some("SN-4711"));
            assert_eq!(c.winner.node, r[0].node_id());
        }
        let hidden: Vec<&str> = dup.iter().map(|c| c.row_id.as_str()).collect();
        assert!(hidden.contains(&second.id.as_str()) && hidden.contains(&third.id.as_str()));
        // The hidden rows are not found by search.
        let hits: Vec<_> = search_entries(&r[3]).into_iter().filter(|(_, id, _)| id == &second.id).collect();
        assert!(hits.is_empty(), "{hits:?}");
    }
}

#[test]
fn a_hidden_row_comes_back_with_a_new_value_or_is_discarded() {
    let (_d, mut r, school) = start(2);
    let first = r[0].create(with_serial(&school, "SN-1", "A")).unwrap();
    pause();
    let second = r[1].create(with_serial(&school, "SN-1", "B")).unwrap();
    pause();
    let third = r[1].create(with_serial(&school, "SN-2", "C")).unwrap();
    pause();
    let fourth = r[0].create(with_serial(&school, "SN-2", "D")).unwrap();
    let conflicts = converge(&mut r);
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let on = |id: &str| conflicts.iter().find(|c| c.row_id == id).unwrap().clone();

    // A value that is still taken is refused with a field error, and nothing changes.
    let err = resolve(&mut r[1], &on(&second.id), serde_json::json!("SN-2")).unwrap_err();
    assert!(err.to_string().contains("Seriennummer") || err.to_string().contains("serial"), "{err}");
    // A new serial number brings the row back, everywhere.
    resolve(&mut r[1], &on(&second.id), serde_json::json!("SN-1b")).unwrap();
    assert!(live(&r[1], &second.id));
    // Discarding keeps the other one deleted.
    resolve(&mut r[0], &on(&fourth.id), serde_json::Value::Null).unwrap();
    let conflicts = converge(&mut r);
    assert!(conflicts.iter().all(|c| c.kind != "duplicate"), "{conflicts:?}");
    for s in &r {
        assert!(live(s, &first.id) && live(s, &second.id) && live(s, &third.id));
        assert!(!live(s, &fourth.id));
        assert_eq!(s.get::<DeviceData>(&second.id).unwrap().data.asset.serial_number.as_deref(), Some("SN-1b"));
    }
}

#[test]
fn a_hidden_row_comes_back_when_the_holder_gives_the_value_up() {
    let (_d, mut r, school) = start(3);
    let first = r[0].create(with_serial(&school, "SN-9", "A")).unwrap();
    pause();
    let second = r[1].create(with_serial(&school, "SN-9", "B")).unwrap();
    converge(&mut r);
    assert!(!live(&r[2], &second.id));
    // Replica 2 deletes the holder: the hidden one comes back there at once and, after the
    // exchange, everywhere.
    r[2].delete::<DeviceData>(&first.id).unwrap();
    assert!(live(&r[2], &second.id));
    let conflicts = converge(&mut r);
    assert!(conflicts.iter().all(|c| c.kind != "duplicate"));
    for s in &r {
        assert!(live(s, &second.id) && !live(s, &first.id));
    }
    // Restoring the holder is refused while the other one has the number …
    assert!(r[0].undelete::<DeviceData>(&first.id).is_err());
    // … and a holder changing its value frees it just the same.
    let third = r[0].create(with_serial(&school, "SN-10", "C")).unwrap();
    pause();
    let fourth = r[1].create(with_serial(&school, "SN-10", "D")).unwrap();
    converge(&mut r);
    assert!(!live(&r[0], &fourth.id));
    let mut moved = r[0].get::<DeviceData>(&third.id).unwrap().data;
    moved.asset.serial_number = Some("SN-11".into());
    r[0].update(&third.id, moved).unwrap();
    assert!(live(&r[0], &fourth.id));
    converge(&mut r);
    assert!(live(&r[1], &fourth.id) && live(&r[2], &third.id));
}

#[test]
fn inventory_numbers_across_kinds_and_school_numbers_are_kept_by_the_first_too() {
    let (_d, mut r, school) = start(2);
    let authority: String = r[0].conn().query_row("SELECT id FROM school_authorities", [], |x| x.get(0)).unwrap();
    let first = r[1].create(device(&school, Some("INV-0001"))).unwrap();
    pause();
    let ap = r[0]
        .create(AccessPointData {
            asset: AssetFields { inventory_number: Some("INV-0001".into()), ..device(&school, None).asset },
            mac_address: None,
            wifi_standard: None,
            bands: vec![],
            poe: None,
            controller: None,
            ssids: vec![],
            installed_on: None,
        })
        .unwrap();
    pause();
    let s1 = r[0].create(self::school_named(&authority, "199999", "Neue Schule A")).unwrap();
    pause();
    let s2 = r[1].create(self::school_named(&authority, "199999", "Neue Schule B")).unwrap();
    let conflicts = converge(&mut r);
    let dup: Vec<_> = conflicts
        .iter()
        .filter(|c| c.kind == "duplicate")
        .map(|c| (c.entity.as_str(), c.field.as_str(), c.row_id.as_str()))
        .collect();
    assert_eq!(
        dup,
        vec![("access_point", "inventory_number", ap.id.as_str()), ("school", "school_number", s2.id.as_str())]
    );
    for s in &r {
        assert!(live(s, &first.id));
        assert!(s.get::<AccessPointData>(&ap.id).unwrap().deleted_at.is_some());
        assert!(s.get::<SchoolData>(&s1.id).unwrap().deleted_at.is_none());
        assert!(s.get::<SchoolData>(&s2.id).unwrap().deleted_at.is_some());
    }
}

fn school_named(authority: &str, number: &str, name: &str) -> SchoolData {
    school(authority, number, name)
}

#[test]
fn exchange_in_pairs_agrees_with_exchange_in_one_go() {
    // The same writes; one replica gets them through a chain, another directly.
    let (_d, mut r, school) = start(3);
    let a = r[0].create(with_serial(&school, "X", "A")).unwrap();
    pause();
    let b = r[1].create(with_serial(&school, "X", "B")).unwrap();
    let (x, y) = pair(&mut r, 1, 2);
    exchange(x, y, 1).unwrap();
    // Replica 2 holds only B so far: it is live there.
    assert!(live(&r[2], &b.id));
    let (x, y) = pair(&mut r, 0, 2);
    exchange(x, y, 1).unwrap();
    // Now A, created first, displaces B.
    assert!(live(&r[2], &a.id) && !live(&r[2], &b.id));
    converge(&mut r);
}
