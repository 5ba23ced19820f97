//! Purging tombstones: row, search entry and operations go, late operations are skipped, the
//! version vector does not go backwards, and referenced rows stay.

mod common;

use common::*;
use schulinventar_core::purge::Purge;
use schulinventar_core::*;

fn ops_of(store: &Store, id: &str) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_log WHERE row_id = ?1", [id], |r| r.get(0)).unwrap()
}

#[test]
fn a_purged_row_is_gone_with_its_operations_and_stays_gone() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("INV-1"))).unwrap();
    f.store.delete::<DeviceData>(&d.id).unwrap();
    let ops: Vec<_> =
        f.store.ops_since(&Default::default(), 10_000).unwrap().into_iter().filter(|op| op.row_id == d.id).collect();
    assert_eq!(ops.len(), 2);
    let before = f.store.version_vector().unwrap();

    let last_local: i64 = f.store.conn().query_row("SELECT max(seq) FROM change_log", [], |r| r.get(0)).unwrap();

    let r = f.store.write(None, |w| w.purge_row("device", &d.id)).unwrap();
    assert_eq!(r, Purge::Purged);
    assert!(f.store.get::<DeviceData>(&d.id).is_err());
    assert_eq!(ops_of(&f.store, &d.id), 0);
    assert!(f.store.is_purged("device", &d.id).unwrap());
    // The purged operations were this replica's last: the vector stays where it was.
    assert_eq!(f.store.version_vector().unwrap(), before);

    // The same operations arriving again (a stale bundle) do not bring the row back.
    let rep = f.store.apply_ops(&ops, None).unwrap();
    assert_eq!((rep.applied, rep.skipped), (0, 2));
    assert!(f.store.get::<DeviceData>(&d.id).is_err());

    // The next own operation does not reuse a purged sequence number.
    let e = f.store.create(device(&f.school, Some("INV-2"))).unwrap();
    let seq: i64 =
        f.store.conn().query_row("SELECT origin_seq FROM change_log WHERE row_id = ?1", [&e.id], |r| r.get(0)).unwrap();
    assert_eq!(seq, before[f.store.node_id()] + 1);
    // Nor a purged local log position: sync's push cursor counts on them growing.
    let local: i64 =
        f.store.conn().query_row("SELECT seq FROM change_log WHERE row_id = ?1", [&e.id], |r| r.get(0)).unwrap();
    assert!(local > last_local, "{local} after {last_local}");
}

#[test]
fn a_row_others_refer_to_is_not_purged_and_undelete_still_works() {
    let mut f = fixture();
    let r2 = f.store.create(room(&f.school, None, "B.2")).unwrap();
    let d = f.store.create(device(&f.school, Some("INV-3"))).unwrap();
    let mut data = d.data.clone();
    data.asset.room_id = Some(r2.id.clone());
    f.store.update(&d.id, data).unwrap();
    f.store.delete::<DeviceData>(&d.id).unwrap();
    let p = f.store.write(None, |w| w.purge_row("room", &f.room)).unwrap();
    assert_eq!(p, Purge::Purged, "an unreferenced room goes");
    // r2 can be deleted (its device is deleted), but the deleted device still names it: it
    // cannot be purged before the device is.
    f.store.delete::<RoomData>(&r2.id).unwrap();
    let p = f.store.write(None, |w| w.purge_row("room", &r2.id)).unwrap();
    assert_eq!(p, Purge::Referenced);
    assert!(f.store.get::<RoomData>(&r2.id).is_ok());
    assert_eq!(f.store.write(None, |w| w.purge_row("device", &d.id)).unwrap(), Purge::Purged);
    assert_eq!(f.store.write(None, |w| w.purge_row("room", &r2.id)).unwrap(), Purge::Purged);
    // A tombstone not purged comes back as before.
    let d2 = f.store.create(device(&f.school, Some("INV-4"))).unwrap();
    f.store.delete::<DeviceData>(&d2.id).unwrap();
    let back = f.store.undelete::<DeviceData>(&d2.id).unwrap();
    assert!(back.deleted_at.is_none());
}

#[test]
fn the_seeded_programmes_are_known_as_seeded() {
    let seeded = schulinventar_core::purge::seeded_rows().unwrap();
    assert!(seeded.contains(&("programme".to_owned(), "programme-digitalpakt-basis".to_owned())), "{seeded:?}");
    assert!(seeded.iter().all(|(entity, _)| entity == "programme"), "{seeded:?}");
}
