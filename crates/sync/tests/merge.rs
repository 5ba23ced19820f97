//! Applying remote operations: idempotence, last-writer-wins per field in any order, unknown
//! fields kept, constraint violations reported without blocking the batch.

mod common;

use common::*;
use schulinventar_core::apply::{Op, Rejected, DEFER_INDEXES_AT, PREPARE_AHEAD};
use schulinventar_core::*;
use schulinventar_sync::{digest, exchange, push, PAGE};

#[test]
fn ops_reach_another_replica_once_with_their_origin() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Elsa-Brändström-Gymnasium")).unwrap();
    r[0].create(room(&s.id, "A101")).unwrap();
    let (b, mut rest) = {
        let mut it = r.into_iter();
        (it.next().unwrap(), it.collect::<Vec<_>>())
    };
    let mut other = rest.remove(0);
    let first = push(&b, &mut other, PAGE).unwrap();
    assert_eq!((first.applied, first.skipped, first.rejected.len()), (3, 0, 0));
    assert_eq!(other.get::<SchoolData>(&s.id).unwrap().data.name, "Elsa-Brändström-Gymnasium");
    assert_eq!(other.get::<SchoolData>(&s.id).unwrap().created_at, s.created_at);
    // The original origin and author are kept.
    let origin: String =
        other.conn().query_row("SELECT origin_node FROM change_log WHERE row_id = ?1", [&s.id], |r| r.get(0)).unwrap();
    assert_eq!(origin, b.node_id());
    // Applying the same operations again changes nothing.
    let ops = b.ops_since(&Default::default(), 100).unwrap();
    let again = other.apply_ops(&ops, None).unwrap();
    assert_eq!((again.applied, again.skipped), (0, 3));
    assert_eq!(digest(&b).unwrap(), digest(&other).unwrap());
    assert_eq!(search_entries(&b), search_entries(&other));
    assert_eq!(search_entries(&other).len(), 2);
}

#[test]
fn latest_write_per_field_wins_in_any_order() {
    let (_d, mut r) = replicas(3);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Alt")).unwrap();
    let (x, y) = r.split_at_mut(1);
    exchange(&mut x[0], &mut y[0], PAGE).unwrap();
    exchange(&mut x[0], &mut y[1], PAGE).unwrap();
    // Replica 1 renames, then replica 2 (later) changes the pupils and also renames.
    r[1].update(&s.id, SchoolData { name: "Eins".into(), ..school(&a.id, "162437", "Alt") }).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    r[2].update(&s.id, SchoolData { name: "Zwei".into(), pupils: Some(900), ..school(&a.id, "162437", "Alt") })
        .unwrap();
    // Replica 0 learns of the later write first; the older one arrives late and must not win.
    let later = r[2].ops_since(&r[0].version_vector().unwrap(), 100).unwrap();
    let earlier = r[1].ops_since(&r[0].version_vector().unwrap(), 100).unwrap();
    r[0].apply_ops(&later, None).unwrap();
    r[0].apply_ops(&earlier, None).unwrap();
    let got = r[0].get::<SchoolData>(&s.id).unwrap();
    assert_eq!((got.data.name.as_str(), got.data.pupils), ("Zwei", Some(900)));
    // Replica 1 learns the other way round and ends the same.
    r[1].apply_ops(&later, None).unwrap();
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
    // A local write after the merge is newer than everything seen.
    let upd = r[1].update(&s.id, SchoolData { name: "Drei".into(), ..got.data.clone() }).unwrap();
    let (x, y) = r.split_at_mut(1);
    exchange(&mut x[0], &mut y[0], PAGE).unwrap();
    assert_eq!(r[0].get::<SchoolData>(&s.id).unwrap().data.name, "Drei");
    assert_eq!(r[0].get::<SchoolData>(&s.id).unwrap().updated_at, upd.updated_at);
    // The search index follows the merged value.
    assert!(search_entries(&r[0]).iter().any(|(_, id, body)| id == &s.id && body.contains("drei")));
}

#[test]
fn unknown_fields_stay_in_the_log_and_the_rest_applies() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Alt")).unwrap();
    let mut ops = r[0].ops_since(&Default::default(), 100).unwrap();
    // An operation from a replica with a newer schema: one known and one unknown field.
    let mut future = ops[1].clone();
    future.origin_seq = 99;
    future.origin_node = "f".repeat(32);
    future.hlc = format!("{}-{}", "f".repeat(16).replacen('f', "7", 1), "f".repeat(32));
    future.fields = serde_json::from_str(r#"{"name":"Neu","zukunftsfeld":"x"}"#).unwrap();
    future.schema_version = SCHEMA_VERSION + 1;
    ops.push(future);
    let rep = r[1].apply_ops(&ops, None).unwrap();
    assert_eq!((rep.applied, rep.rejected.len()), (3, 0));
    assert_eq!(r[1].get::<SchoolData>(&s.id).unwrap().data.name, "Neu");
    let kept: String =
        r[1].conn().query_row("SELECT fields FROM change_log WHERE origin_seq = 99", [], |r| r.get(0)).unwrap();
    assert!(kept.contains("zukunftsfeld"));
}

#[test]
fn a_row_the_database_refuses_is_reported_and_does_not_block_the_batch() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Schule")).unwrap();
    let (x, y) = r.split_at_mut(1);
    exchange(&mut x[0], &mut y[0], PAGE).unwrap();
    // A device whose operation carries a negative price (a damaged or hostile peer), then a room.
    // (Two rows with the same unique value are no refusal: see tests/duplicates.rs.)
    let d1 = r[1].create(device(&s.id, Some("INV-1"))).unwrap();
    let other = r[1].create(room(&s.id, "B2")).unwrap();
    let mut ops = r[1].ops_since(&r[0].version_vector().unwrap(), 100).unwrap();
    let bad = ops.iter_mut().find(|o| o.row_id == d1.id).unwrap();
    bad.fields.insert("price_cents".into(), serde_json::json!(-5));
    let rep = r[0].apply_ops(&ops, None).unwrap();
    assert_eq!(rep.applied, 2);
    assert_eq!(rep.rejected.len(), 1);
    assert_eq!(rep.rejected[0].row_id, d1.id);
    assert!(rep.rejected[0].message.contains("Datenbank lehnt den Wert ab"), "{}", rep.rejected[0].message);
    // The rest of the batch arrived; the refused operation is kept in the log, its row is not written.
    assert_eq!(r[0].get::<RoomData>(&other.id).unwrap().data.number, "B2");
    assert!(r[0].get::<DeviceData>(&d1.id).is_err());
    let logged: i64 =
        r[0].conn().query_row("SELECT count(*) FROM change_log WHERE row_id = ?1", [&d1.id], |r| r.get(0)).unwrap();
    assert_eq!(logged, 1);
}

/// A school made on replica 0 and known to replica `other`; returns its id.
fn school_on_both(r: &mut [Store], other: usize) -> String {
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Schule am Markt")).unwrap();
    let known = r[0].ops_since(&Default::default(), 100).unwrap();
    r[other].apply_ops(&known, None).unwrap();
    s.id
}

/// A device of `school` with the serial number SN-4711.
fn serial_4711(school: &str, inv: &str) -> DeviceData {
    let mut d = device(school, Some(inv));
    d.asset.serial_number = Some("SN-4711".into());
    d
}

#[test]
fn a_large_batch_merged_ahead_writes_what_one_operation_at_a_time_writes() {
    let (_d, mut r) = replicas(5);
    // Two laptops register one serial number, neither knowing of the other: in the batch, one
    // of the two rows is parked (hidden), and the rows after it are written knowing that.
    let s = school_on_both(&mut r, 4);
    let serial = |inv: &str| serial_4711(&s, inv);
    let elsewhere = r[4].create(serial("INV-900")).unwrap();
    let here = r[0].create(serial("INV-901")).unwrap();
    let mut devices = Vec::new();
    for i in 0..80 {
        let room = r[0].create(room(&s, &format!("R{i}"))).unwrap();
        let mut d = device(&s, Some(&format!("INV-{i:03}")));
        d.asset.room_id = Some(room.id);
        devices.push(r[0].create(d).unwrap());
    }
    // Rows with more than one operation: edited, deleted, deleted and brought back.
    let mut edited = devices[0].data.clone();
    edited.asset.model = Some("Latitude 5550".into());
    r[0].update(&devices[0].id, edited).unwrap();
    r[0].delete::<DeviceData>(&devices[1].id).unwrap();
    r[0].delete::<DeviceData>(&devices[2].id).unwrap();
    r[0].undelete::<DeviceData>(&devices[2].id).unwrap();
    let mut ops = r[0].ops_since(&Default::default(), 10_000).unwrap();
    let theirs = r[4].ops_since(&Default::default(), 10_000).unwrap();
    ops.extend(theirs.into_iter().filter(|o| o.row_id == elsewhere.id));
    // Rows the database refuses, and one whose values are no valid device.
    let find = |ops: &[Op], id: &str| ops.iter().position(|o| o.row_id == id).unwrap();
    let i = find(&ops, &devices[3].id);
    ops[i].fields.insert("price_cents".into(), serde_json::json!(-5));
    let i = find(&ops, &devices[4].id);
    ops[i].fields.insert("status".into(), serde_json::json!("verschollen"));
    assert!(ops.len() >= PREPARE_AHEAD, "the batch is merged ahead");

    // Replica 1: everything in one batch, with the first operations twice.
    let mut batch = ops.clone();
    batch.extend(ops[..10].iter().cloned());
    let one = r[1].apply_ops(&batch, None).unwrap();
    assert_eq!((one.applied, one.skipped), (ops.len(), 10));
    // Replica 2: one operation at a time (below the threshold: nothing merged ahead).
    let mut rejected_singly = Vec::new();
    for op in &ops {
        rejected_singly.extend(r[2].apply_ops(std::slice::from_ref(op), None).unwrap().rejected);
    }
    // Replica 3: some operations first, then the whole batch again (rows half known already).
    for op in ops.iter().step_by(3) {
        r[3].apply_ops(std::slice::from_ref(op), None).unwrap();
    }
    let rest = r[3].apply_ops(&ops, None).unwrap();
    assert_eq!(rest.applied + rest.skipped, ops.len());

    let ids = |rejected: &[Rejected]| {
        let mut ids: Vec<String> = rejected.iter().map(|x| x.row_id.clone()).collect();
        ids.sort();
        ids
    };
    let mut refused = vec![devices[3].id.clone(), devices[4].id.clone()];
    refused.sort();
    assert_eq!(ids(&one.rejected), refused);
    assert_eq!(ids(&rejected_singly), refused);
    assert_eq!(digest(&r[1]).unwrap(), digest(&r[2]).unwrap());
    assert_eq!(digest(&r[1]).unwrap(), digest(&r[3]).unwrap());
    assert_eq!(search_entries(&r[1]), search_entries(&r[2]));
    assert_eq!(search_entries(&r[1]), search_entries(&r[3]));
    // What the rows hold, and their search entries, as on the origin.
    for store in &r[1..4] {
        // The first registration keeps the serial number; the other row is hidden.
        let live = |id: &str| store.get::<DeviceData>(id).unwrap().deleted_at.is_none();
        assert_eq!((live(&elsewhere.id), live(&here.id)), (true, false));
        assert_eq!(store.get::<DeviceData>(&devices[0].id).unwrap().data.asset.model.as_deref(), Some("Latitude 5550"));
        assert!(store.get::<DeviceData>(&devices[1].id).unwrap().deleted_at.is_some());
        assert!(store.get::<DeviceData>(&devices[2].id).unwrap().deleted_at.is_none());
        let row = store.get::<DeviceData>(&devices[9].id).unwrap();
        assert_eq!(
            (row.created_at.as_str(), row.data.asset.inventory_number.as_deref()),
            (devices[9].created_at.as_str(), Some("INV-009"))
        );
        let entries = search_entries(store);
        // 1 school, 80 rooms, 80 devices less the deleted one and the two refused, and the
        // first registration of the serial number.
        assert_eq!(entries.len(), 1 + 80 + 77 + 1);
        let refused = [&devices[3].id, &devices[4].id, &here.id];
        let mut origin: Vec<_> = search_entries(&r[0]).into_iter().filter(|e| !refused.contains(&&e.1)).collect();
        origin.extend(search_entries(&r[4]).into_iter().filter(|e| e.1 == elsewhere.id));
        origin.sort();
        assert_eq!(entries, origin);
    }
}

/// The schema as SQLite keeps it: every table, index and trigger with its definition.
fn schema(store: &Store) -> Vec<(String, String, Option<String>)> {
    let mut stmt = store.conn().prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The change log as the operations' identity and content, in origin order.
fn log_content(store: &Store) -> Vec<(String, i64, String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT origin_node, origin_seq, fields, prev FROM change_log ORDER BY origin_node, origin_seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

fn integrity(store: &Store) -> String {
    store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// A school with more devices than [`DEFER_INDEXES_AT`] made on replica 0, one of them with a
/// serial number replica 3 registered first (made there before), and a loan whose holder's
/// name was erased. The operations come back with the erasure first (a stale copy arriving
/// later) and replica 3's registration among them; returns them, the two registrations'
/// ids (replica 3's, replica 0's) and the loan's id.
fn large_first_batch(r: &mut [Store]) -> (Vec<Op>, String, String, String) {
    let s = school_on_both(r, 3);
    let serial = |inv: &str| serial_4711(&s, inv);
    let elsewhere = r[3].create(serial("INV-9000")).unwrap().id;
    let n = DEFER_INDEXES_AT + 200;
    let (here, lent) = r[0]
        .write(None, |w| {
            let mut here = String::new();
            let mut first = String::new();
            for i in 0..n {
                if i == n / 2 {
                    here = w.create(serial("INV-9001"))?.id;
                }
                let mut d = device(&s, Some(&format!("INV-{i:04}")));
                d.asset.model = Some(format!("Modell {}", i % 7));
                let id = w.create(d)?.id;
                if i == 0 {
                    first = id;
                }
            }
            Ok((here, first))
        })
        .unwrap();
    let loan = r[0].lend(&lent, "Kaya Demir", None, None).unwrap().id;
    r[0].return_loan(&loan, chrono::Local::now().date_naive()).unwrap();
    // The operations as they left this laptop before the erasure (a copy made earlier), which
    // name the holder; the erasure comes first.
    let mut ops = r[0].ops_since(&Default::default(), 100_000).unwrap();
    assert!(ops.iter().any(|op| op.fields.get("holder_name").and_then(|v| v.as_str()) == Some("Kaya Demir")));
    r[0].erase_holder(&loan).unwrap();
    let erase = r[0].ops_since(&Default::default(), 100_000).unwrap().pop().unwrap();
    assert_eq!(erase.fields.get("holder_erased"), Some(&serde_json::json!(true)));
    ops.insert(0, erase);
    let theirs = r[3].ops_since(&Default::default(), 100).unwrap();
    ops.extend(theirs.into_iter().filter(|o| o.row_id == elsewhere));
    assert!(ops.len() > DEFER_INDEXES_AT);
    (ops, elsewhere, here, loan)
}

#[test]
fn a_large_first_batch_builds_its_indexes_after_the_rows_and_writes_what_small_batches_write() {
    let (_d, mut r) = replicas(4);
    let (ops, elsewhere, here, loan) = large_first_batch(&mut r);
    let fresh = schema(&r[2]);

    // Replica 1: the whole batch at once into an empty replica; its tables' secondary indexes
    // and the log's are built after the rows, and its operations are logged many to a
    // statement. The registration made twice sends one row the general path in the middle of
    // the batch, which needs them built before it. One operation comes twice (a device's
    // creation, again later in the batch): it is logged once.
    let mut twice = ops.clone();
    twice.insert(ops.len() - 5, ops[7].clone());
    let one = r[1].apply_ops(&twice, None).unwrap();
    assert_eq!((one.applied, one.skipped, one.rejected.len()), (ops.len(), 1, 0));
    // The log's local sequence numbers follow the batch, as when each is logged alone.
    let logged: Vec<(String, i64)> = r[1]
        .conn()
        .prepare("SELECT origin_node, origin_seq FROM change_log ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(String, i64)> = ops.iter().map(|op| (op.origin_node.clone(), op.origin_seq)).collect();
    assert_eq!(logged, expected);
    // Replica 2: in batches too small for that. The first holds the loan's erasure without the
    // lending, so the loan waits unwritten until its device and lending arrive.
    for chunk in ops.chunks(DEFER_INDEXES_AT / 3) {
        r[2].apply_ops(chunk, None).unwrap();
    }

    for store in &r[1..3] {
        // Every index is there again, as the migrations made it, and holds every row.
        assert_eq!(schema(store), fresh);
        assert_eq!(integrity(store), "ok");
        let live = |id: &str| store.get::<DeviceData>(id).unwrap().deleted_at.is_none();
        assert_eq!((live(&elsewhere), live(&here)), (true, false), "the first registration stays visible");
        let row = store.get::<LoanData>(&loan).unwrap();
        assert_eq!((row.data.holder_name, row.data.holder_erased), (None, true));
        let named: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM change_log WHERE fields LIKE '%Kaya%'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(named, 0, "no operation in the log keeps the erased name");
        let unwritten: i64 = store.conn().query_row("SELECT count(*) FROM sync_unwritten", [], |r| r.get(0)).unwrap();
        assert_eq!(unwritten, 0);
    }
    assert_eq!(log_content(&r[1]), log_content(&r[2]));
    assert_eq!(digest(&r[1]).unwrap(), digest(&r[2]).unwrap());
    assert_eq!(search_entries(&r[1]), search_entries(&r[2]));
    // The indexes serve the queries: a device by its inventory number.
    let plan: String = r[1]
        .conn()
        .query_row("EXPLAIN QUERY PLAN SELECT id FROM devices WHERE inventory_number = 'INV-0042'", [], |r| r.get(3))
        .unwrap();
    assert!(plan.contains("devices_invno"), "{plan}");
}

#[test]
fn a_large_first_batch_that_fails_leaves_the_empty_replica_as_it_was() {
    let (_d, mut r) = replicas(4);
    let (ops, ..) = large_first_batch(&mut r);
    let fresh = schema(&r[1]);
    // The last operation is broken: the batch fails after its first operations are logged.
    let mut broken = ops.clone();
    broken.last_mut().unwrap().origin_seq = 0;
    assert!(r[1].apply_ops(&broken, None).is_err());
    assert_eq!(schema(&r[1]), fresh, "the indexes dropped for the batch are back");
    assert_eq!(integrity(&r[1]), "ok");
    assert_eq!(log_len(&r[1]), 0);
    let devices: i64 = r[1].conn().query_row("SELECT count(*) FROM devices", [], |r| r.get(0)).unwrap();
    assert_eq!(devices, 0);
    // The same batch, whole, applies afterwards.
    let report = r[1].apply_ops(&ops, None).unwrap();
    assert_eq!(report.applied, ops.len());
    assert_eq!(schema(&r[1]), fresh);
    assert_eq!(integrity(&r[1]), "ok");
}
