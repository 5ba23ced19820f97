//! Writes through the store against a real SQLite file: every entity's create, update, delete
//! and undelete, and the change log written in the same transaction.

mod common;

use common::*;
use schulinventar_core::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn last_op(store: &Store) -> (String, String, Value, Value, i64) {
    store
        .conn()
        .query_row(
            "SELECT entity, row_id, fields, prev, origin_seq FROM change_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                let f: String = r.get(2)?;
                let p: String = r.get(3)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&f).unwrap(),
                    serde_json::from_str(&p).unwrap(),
                    r.get(4)?,
                ))
            },
        )
        .unwrap()
}

/// Create, read back, update one field, delete, undelete: each a single logged operation.
fn lifecycle<T: Entity + Validate + std::fmt::Debug>(
    store: &mut Store,
    data: T,
    change: impl FnOnce(&mut T),
    changed_field: &str,
) {
    let before = log_len(store);
    let created = store.create(data).unwrap();
    assert_eq!(uuid::Uuid::parse_str(&created.id).unwrap().get_version_num(), 7);
    assert_eq!(store.get::<T>(&created.id).unwrap(), created, "read back equals what was written");
    let (entity, row, fields, prev, _) = last_op(store);
    assert_eq!(entity, T::INFO.name);
    assert_eq!(row, created.id);
    let expected = serde_json::to_value(&created.data).unwrap();
    let non_null =
        expected.as_object().unwrap().iter().filter(|(k, v)| !v.is_null() && T::INFO.columns.contains(&k.as_str()));
    assert_eq!(fields.as_object().unwrap().len(), non_null.count(), "create logs every field with a value in one op");
    for (k, v) in fields.as_object().unwrap() {
        assert_eq!(&expected[k], v, "logged value of {k}");
    }
    assert!(prev.as_object().unwrap().is_empty());
    assert_eq!(log_len(store), before + 1);

    // Saving unchanged data writes nothing.
    store.update(&created.id, created.data.clone()).unwrap();
    assert_eq!(log_len(store), before + 1);

    let mut data = created.data.clone();
    change(&mut data);
    let updated = store.update(&created.id, data.clone()).unwrap();
    assert_eq!(store.get::<T>(&created.id).unwrap().data, updated.data);
    let (_, _, fields, prev, _) = last_op(store);
    let keys: BTreeSet<&str> = fields.as_object().unwrap().keys().map(String::as_str).collect();
    // Only the changed field, and the fields a table rule ties to it.
    let mut expected_keys = BTreeSet::from([changed_field]);
    for group in schulinventar_core::entity::tied_fields(T::INFO.name) {
        if group.contains(&changed_field) {
            expected_keys.extend(group.iter().copied());
        }
    }
    assert_eq!(keys, expected_keys, "an update logs only the changed field and the fields tied to it");
    let create_hlc: String = store
        .conn()
        .query_row("SELECT hlc FROM change_log WHERE row_id = ?1 ORDER BY seq LIMIT 1", [&created.id], |r| r.get(0))
        .unwrap();
    assert_eq!(prev[changed_field], Value::String(create_hlc), "prev names the version it overwrote");

    store.delete::<T>(&created.id).unwrap();
    assert!(store.get::<T>(&created.id).unwrap().deleted_at.is_some());
    let (_, _, fields, _, _) = last_op(store);
    assert!(fields.get("deleted_at").is_some_and(Value::is_string), "delete is a field");
    assert!(matches!(store.update(&created.id, data.clone()), Err(CoreError::NotFound { .. })));

    let back = store.undelete::<T>(&created.id).unwrap();
    assert!(back.deleted_at.is_none());
    assert_eq!(back.data, data);
    assert_eq!(log_len(store), before + 4);
}

#[test]
fn every_entity_round_trips_through_the_store() {
    let mut f = fixture();
    let (school, building, room) = (f.school.clone(), f.building.clone(), f.room.clone());
    let s = &mut f.store;

    lifecycle(s, authority(), |a| a.name = "Kreis Beispiel".into(), "name");
    let a2 = s.create(authority()).unwrap();
    lifecycle(s, common::school(&a2.id, "100001", "Anne-Frank-Schule"), |x| x.pupils = Some(321), "pupils");
    lifecycle(
        s,
        BuildingData { school_id: school.clone(), name: "Neubau".into(), code: None, street: None, notes: None },
        |b| b.code = Some("B".into()),
        "code",
    );
    lifecycle(
        s,
        common::room(&school, Some(&building), "B.2"),
        |r| r.wlan_coverage = Some(WlanCoverage::Partial),
        "wlan_coverage",
    );
    lifecycle(s, device(&school, Some("INV-1")), |d| d.asset.status = AssetStatus::InRepair, "status");
    lifecycle(s, access_point(&school, "00:1A:2B:3C:4D:5E"), |a| a.ssids.push("Verwaltung".into()), "ssids");
    lifecycle(s, presentation(&school, &room), |p| p.size_inches = Some(86), "size_inches");
    lifecycle(s, uplink(&school), |u| u.down_mbps = Some(2000), "down_mbps");
    let dev = s.create(device(&school, Some("INV-2"))).unwrap();
    lifecycle(
        s,
        LoanData {
            device_id: dev.id.clone(),
            holder_name: Some("Jörg Müller".into()),
            holder_erased: false,
            loaned_on: date(2024, 2, 1),
            due_on: Some(date(2025, 2, 1)),
            returned_on: None,
            notes: None,
        },
        |l| l.returned_on = Some(date(2024, 9, 30)),
        "returned_on",
    );
}

#[test]
fn values_come_back_in_their_types() {
    let mut f = fixture();
    let ap = f.store.create(access_point(&f.school, "AA-BB-CC-DD-EE-FF")).unwrap();
    let back = f.store.get::<AccessPointData>(&ap.id).unwrap();
    assert_eq!(back.data.mac_address.as_deref(), Some("aa:bb:cc:dd:ee:ff"), "MAC normalised");
    assert_eq!(back.data.poe, Some(true));
    assert_eq!(back.data.bands, vec![WifiBand::Ghz2_4, WifiBand::Ghz5], "bands sorted, typed");
    assert_eq!(back.data.ssids, vec!["Schule".to_string(), "Gast".to_string()]);
    let school = f.store.get::<SchoolData>(&f.school).unwrap();
    assert_eq!(school.data.headcount_date, Some(date(2024, 10, 15)));
    assert_eq!(school.data.school_number, "162437");
}

#[test]
fn school_numbers_keep_leading_zeros() {
    let (_d, mut store) = open_temp();
    let a = store.create(SchoolAuthorityData { land: Land::Bw, ..authority() }).unwrap();
    let s = store.create(SchoolData { land: Land::Bw, ..school(&a.id, "04154817", "Schule am See") }).unwrap();
    assert_eq!(store.get::<SchoolData>(&s.id).unwrap().data.school_number, "04154817");
    assert_eq!(store.school_by_number("04154817").unwrap().id, s.id);
}

#[test]
fn a_failed_write_leaves_neither_row_nor_log() {
    let mut f = fixture();
    let before = log_len(&f.store);
    let devices_before = f.store.stats().unwrap()["devices"].clone();
    // The first create succeeds inside the transaction, the second fails validation.
    let school = f.school.clone();
    let err = f
        .store
        .write(None, |w| {
            w.create(device(&school, Some("A-1")))?;
            w.create(device(&school, Some("A-1")))?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(codes(err), vec![("inventory_number".into(), "duplicate_inventory_number".into())]);
    assert_eq!(log_len(&f.store), before);
    assert_eq!(f.store.stats().unwrap()["devices"], devices_before);
    let hits = f.store.search("A-1", 10).unwrap();
    assert!(hits.iter().all(|h| h.entity != "device"), "search index rolled back too");
}

#[test]
fn a_database_constraint_backs_the_validation() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("X-1"))).unwrap();
    // Bypassing the store with an invalid value: the CHECK constraint refuses it.
    let raw = f.store.conn().execute("UPDATE devices SET status = 'lost' WHERE id = ?1", [&d.id]);
    assert!(raw.is_err());
    let raw = f.store.conn().execute("UPDATE devices SET price_cents = -5 WHERE id = ?1", [&d.id]);
    assert!(raw.is_err());
    // Another row taking the same inventory number at the same Schulträger, even of another kind.
    let mut ap = access_point(&f.school, "00:11:22:33:44:66");
    ap.asset.inventory_number = Some("X-2".into());
    let ap = f.store.create(ap).unwrap();
    let raw = f.store.conn().execute("UPDATE access_points SET inventory_number = 'X-1' WHERE id = ?1", [&ap.id]);
    assert!(raw.is_err(), "inventory_numbers refuses a duplicate across kinds");
}

/// (Schulträger, inventory number, row id)
type Numbers = Vec<(String, String, String)>;

/// What `inventory_numbers` holds, against what the live items say it should hold.
fn recorded_and_expected(store: &Store) -> (Numbers, Numbers) {
    let rows = |sql: &str| -> Numbers {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let recorded = rows("SELECT authority_id, inventory_number, row_id FROM inventory_numbers ORDER BY 1, 2, 3");
    let expected = rows(
        "SELECT s.authority_id, t.inventory_number, t.id FROM (
             SELECT school_id, inventory_number, id, deleted_at FROM devices
             UNION ALL SELECT school_id, inventory_number, id, deleted_at FROM access_points
             UNION ALL SELECT school_id, inventory_number, id, deleted_at FROM presentation_hardware) t
         JOIN schools s ON s.id = t.school_id
         WHERE t.inventory_number IS NOT NULL AND t.deleted_at IS NULL ORDER BY 1, 2, 3",
    );
    (recorded, expected)
}

#[test]
fn the_store_records_each_new_items_inventory_number_or_writes_nothing() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("N-1"))).unwrap();
    f.store.create(device(&f.school, None)).unwrap();
    let mut ap = access_point(&f.school, "00:11:22:33:44:77");
    ap.asset.inventory_number = Some("N-2".into());
    f.store.create(ap).unwrap();
    let (recorded, expected) = recorded_and_expected(&f.store);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded, expected);
    // A number taken where the validation does not look (as by another process in between):
    // the database refuses the new row, and neither it nor its log or search entry stays.
    let authority: String = f.store.conn().query_row("SELECT authority_id FROM schools", [], |r| r.get(0)).unwrap();
    f.store.conn().execute("INSERT INTO inventory_numbers VALUES (?1, 'N-4', 'device', '')", [&authority]).unwrap();
    let (devices, log) = (f.store.stats().unwrap()["devices"].clone(), log_len(&f.store));
    let err = f.store.create(device(&f.school, Some("N-4"))).unwrap_err();
    assert_eq!(codes(err), vec![("inventory_number".into(), "constraint".into())]);
    assert_eq!(f.store.stats().unwrap()["devices"], devices);
    assert_eq!(log_len(&f.store), log);
    let titles: Vec<String> = f.store.search("N", 10).unwrap().into_iter().map(|h| h.title).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.iter().all(|t| !t.contains("N-4")), "{titles:?}");
    // A delete and an undelete go through the UPDATE trigger, which follows them.
    f.store.delete::<DeviceData>(&d.id).unwrap();
    assert_eq!(recorded_and_expected(&f.store).0.len(), 2);
    f.store.undelete::<DeviceData>(&d.id).unwrap();
    let (recorded, expected) = recorded_and_expected(&f.store);
    assert_eq!(recorded.len(), 3, "N-1, N-2 and the stray N-4");
    assert_eq!(recorded.iter().filter(|r| !r.2.is_empty()).collect::<Vec<_>>(), expected.iter().collect::<Vec<_>>());
}

#[test]
fn inventory_numbers_are_unique_per_authority_across_kinds() {
    let mut f = fixture();
    f.store.create(device(&f.school, Some("INV-7"))).unwrap();
    let mut ap = access_point(&f.school, "00:11:22:33:44:55");
    ap.asset.inventory_number = Some("INV-7".into());
    assert_eq!(
        codes(f.store.create(ap.clone()).unwrap_err()),
        vec![("inventory_number".into(), "duplicate_inventory_number".into())]
    );
    // Another Schulträger may use the same number.
    let a2 = f.store.create(SchoolAuthorityData { name: "Kreis Nachbar".into(), ..authority() }).unwrap();
    let s2 = f.store.create(school(&a2.id, "100002", "Nachbarschule")).unwrap();
    ap.asset.school_id = s2.id;
    f.store.create(ap).unwrap();
}

#[test]
fn deleting_a_room_with_items_is_refused_and_undelete_rechecks() {
    let mut f = fixture();
    let mut d = device(&f.school, Some("R-1"));
    d.asset.room_id = Some(f.room.clone());
    d.asset.building_id = Some(f.building.clone());
    let dev = f.store.create(d).unwrap();
    let err = f.store.delete::<RoomData>(&f.room).unwrap_err();
    assert_eq!(codes(err), vec![("id".into(), "has_dependents".into())]);

    // A deleted device's inventory number can be reused; the old device then cannot come back.
    f.store.delete::<DeviceData>(&dev.id).unwrap();
    f.store.create(device(&f.school, Some("R-1"))).unwrap();
    let err = f.store.undelete::<DeviceData>(&dev.id).unwrap_err();
    assert_eq!(codes(err), vec![("inventory_number".into(), "duplicate_inventory_number".into())]);
}

#[test]
fn operations_carry_node_sequence_author_and_source() {
    let mut f = fixture();
    f.store.set_author("Frau Schäfer");
    let school = f.school.clone();
    f.store
        .write(
            Some(Source { kind: "import", file_name: Some("geraete.xlsx".into()), sha256: Some("a".repeat(64)) }),
            |w| {
                w.create(device(&school, Some("S-1")))?;
                w.create(device(&school, Some("S-2")))
            },
        )
        .unwrap();
    let rows: Vec<(String, i64, String, String, String)> = f
        .store
        .conn()
        .prepare(
            "SELECT l.origin_node, l.origin_seq, l.author, s.file_name, l.hlc FROM change_log l
             JOIN change_sources s ON s.id = l.source_id ORDER BY l.seq",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.0 == f.store.node_id() && r.2 == "Frau Schäfer" && r.3 == "geraete.xlsx"));
    assert_eq!(rows[1].1, rows[0].1 + 1, "per-node sequence without gaps");
    assert!(rows[1].4 > rows[0].4, "HLC strictly increasing");
    let max_seq: i64 = f.store.conn().query_row("SELECT max(origin_seq) FROM change_log", [], |r| r.get(0)).unwrap();
    assert_eq!(max_seq, log_len(&f.store), "sequence counts every operation of this node");
}

#[test]
fn the_clock_never_goes_backwards_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.create(authority()).unwrap();
    let node = store.node_id().to_owned();
    // Pretend an earlier run had a clock a year ahead.
    let future = format!("{:016x}-{node}", ((chrono::Utc::now().timestamp() as u64 + 365 * 86_400) << 32));
    store.conn().execute("UPDATE meta SET value = ?1 WHERE key = 'last_hlc'", [&future]).unwrap();
    drop(store);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.node_id(), node, "node id persisted");
    store.create(authority()).unwrap();
    let last: String =
        store.conn().query_row("SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert!(last > future, "{last} must be after {future}");
}

/// The app syncs on a store of its own opened on the same file. A local write through the
/// other store, whose clock has seen none of the pulled operations, still comes after them.
#[test]
fn a_local_write_comes_after_operations_another_connection_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let mut app = Store::open(&path).unwrap();
    app.create(authority()).unwrap();
    let mut syncing = Store::open(&path).unwrap();

    // An operation of another replica whose clock runs an hour ahead.
    let (_other_dir, mut other) = open_temp();
    other.create(authority()).unwrap();
    let mut ops = other.ops_since(&Default::default(), 10).unwrap();
    let ahead = (chrono::Utc::now().timestamp() as u64 + 3600) << 32;
    ops[0].hlc = format!("{ahead:016x}-{}", other.node_id());
    let pulled = ops[0].hlc.clone();
    assert_eq!(syncing.apply_ops(&ops, None).unwrap().applied, 1);

    app.create(authority()).unwrap();
    let (node, last): (String, String) = app
        .conn()
        .query_row("SELECT origin_node, hlc FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(node, app.node_id(), "the last operation is the local write");
    assert!(last > pulled, "{last} must be after the pulled {pulled}");
}

#[test]
fn a_changed_inventory_number_frees_the_old_one() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("OLD-1"))).unwrap();
    let mut data = d.data.clone();
    data.asset.inventory_number = Some("NEW-1".into());
    f.store.update(&d.id, data).unwrap();
    f.store.create(device(&f.school, Some("OLD-1"))).unwrap();
    let err = f.store.create(device(&f.school, Some("NEW-1"))).unwrap_err();
    assert_eq!(codes(err), vec![("inventory_number".into(), "duplicate_inventory_number".into())]);
    let n: i64 = f.store.conn().query_row("SELECT count(*) FROM inventory_numbers", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_place_changed_earlier_in_the_same_batch_is_checked_as_it_is_now() {
    let mut f = fixture();
    let (school, building, room) = (f.school.clone(), f.building.clone(), f.room.clone());
    let err = f
        .store
        .write(None, |w| {
            let mut d = device(&school, Some("P-1"));
            d.asset.building_id = Some(building.clone());
            d.asset.room_id = Some(room.clone());
            w.create(d.clone())?; // remembers where the room is
            let other = w.create(BuildingData {
                school_id: school.clone(),
                name: "Neubau".into(),
                code: None,
                street: None,
                notes: None,
            })?;
            let mut r = w.get::<RoomData>(&room)?.data;
            r.building_id = Some(other.id);
            w.update(&room, r)?; // the room moves to the new building
            d.asset.inventory_number = Some("P-2".into());
            w.create(d) // still names the old building
        })
        .unwrap_err();
    assert_eq!(codes(err), vec![("room_id".into(), "room_of_other_building".into())]);
}
