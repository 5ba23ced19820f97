//! Conflicts: concurrent writes to the same field and edits to a row deleted elsewhere are listed
//! identically on every replica; resolving writes a normal operation that closes them everywhere.

mod common;

use common::*;
use schulinventar_core::*;
use schulinventar_sync::conflicts::{list, resolve};
use schulinventar_sync::{digest, exchange, PAGE};

fn two(r: &mut [Store]) -> (&mut Store, &mut Store) {
    let (x, y) = r.split_at_mut(1);
    (&mut x[0], &mut y[0])
}

#[test]
fn concurrent_writes_to_one_field_form_one_conflict_on_every_replica() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Alt")).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    r[0].set_author("frau.schmidt");
    r[1].set_author("herr.yilmaz");
    r[0].update(&s.id, SchoolData { name: "Eins".into(), ..s.data.clone() }).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    r[1].update(&s.id, SchoolData { name: "Zwei".into(), ..s.data.clone() }).unwrap();
    // A write to another field is no conflict.
    r[1].update(&s.id, SchoolData { name: "Zwei".into(), pupils: Some(1), ..s.data.clone() }).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    let c0 = list(&r[0]).unwrap();
    assert_eq!(c0, list(&r[1]).unwrap());
    assert_eq!(c0.len(), 1, "{c0:?}");
    let c = &c0[0];
    assert_eq!(
        (c.kind.as_str(), c.entity.as_str(), c.row_id.as_str(), c.field.as_str()),
        ("concurrent", "school", s.id.as_str(), "name")
    );
    assert_eq!((c.winner.value.as_str(), c.winner.author.as_str()), (Some("Zwei"), "herr.yilmaz"));
    assert_eq!((c.loser.value.as_str(), c.loser.author.as_str()), (Some("Eins"), "frau.schmidt"));
    assert_eq!(c.loser.node, r[0].node_id());
    assert!(c.open);
    assert_eq!(r[0].get::<SchoolData>(&s.id).unwrap().data.name, "Zwei");
    // Resolving on one replica keeps the losing value and closes the conflict everywhere.
    resolve(&mut r[0], c, c.loser.value.clone()).unwrap();
    assert!(!list(&r[0]).unwrap()[0].open);
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    assert_eq!(list(&r[0]).unwrap(), list(&r[1]).unwrap());
    assert!(list(&r[1]).unwrap().iter().all(|c| !c.open));
    assert_eq!(r[1].get::<SchoolData>(&s.id).unwrap().data.name, "Eins");
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
}

#[test]
fn writes_to_a_seeded_row_name_its_first_version_alike_on_every_replica() {
    // The programme catalogue comes with the database, not from an operation. A replica that
    // already holds other edits of such a row must name the field's first version as one that
    // holds none does, or their concurrent writes would not meet in a conflict.
    let (_d, mut r) = replicas(3);
    let id = "programme-eigenmittel";
    let p = r[0].get::<ProgrammeData>(id).unwrap().data;
    let pause = || std::thread::sleep(std::time::Duration::from_millis(5));
    // Replica 2 writes the notes first and replica 0 receives that.
    r[2].update(id, ProgrammeData { notes: Some("von 2".into()), ..p.clone() }).unwrap();
    let (x, y) = pair(&mut r, 2, 0);
    exchange(x, y, PAGE).unwrap();
    pause();
    r[0].update(id, ProgrammeData { notes: Some("von 0".into()), ..p.clone() }).unwrap();
    pause();
    // Replica 1 has seen neither; it first edits another field of the row, then the notes.
    r[1].update(id, ProgrammeData { name: "Eigenmittel (Kreis)".into(), ..p.clone() }).unwrap();
    r[1].update(id, ProgrammeData { name: "Eigenmittel (Kreis)".into(), notes: Some("von 1".into()), ..p.clone() })
        .unwrap();
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
        let (x, y) = pair(&mut r, a, b);
        exchange(x, y, PAGE).unwrap();
    }

    let c = list(&r[0]).unwrap();
    assert_eq!(c, list(&r[1]).unwrap());
    assert_eq!(c, list(&r[2]).unwrap());
    let mut got: Vec<_> = c
        .iter()
        .map(|c| (c.kind.as_str(), c.field.as_str(), c.loser.value.as_str(), c.winner.value.as_str(), c.open))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("concurrent", "notes", Some("von 0"), Some("von 1"), true),
            ("concurrent", "notes", Some("von 2"), Some("von 1"), true),
        ]
    );
    let kept = r[2].get::<ProgrammeData>(id).unwrap().data;
    assert_eq!((kept.name.as_str(), kept.notes.as_deref()), ("Eigenmittel (Kreis)", Some("von 1")));
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[2]).unwrap());
}

#[test]
fn an_edit_to_a_row_deleted_elsewhere_is_a_conflict_until_the_row_is_restored() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Schule")).unwrap();
    let dev = r[0].create(device(&s.id, None)).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    r[0].delete::<DeviceData>(&dev.id).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut edited = dev.data.clone();
    edited.asset.notes = Some("Akku getauscht".into());
    r[1].update(&dev.id, edited).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    let c = list(&r[1]).unwrap();
    assert_eq!(c, list(&r[0]).unwrap());
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!((c[0].kind.as_str(), c[0].field.as_str(), c[0].open), ("edit_deleted", "notes", true));
    assert_eq!(c[0].loser.value.as_str(), Some("Akku getauscht"));
    // The row stays deleted on both replicas.
    assert!(r[1].get::<DeviceData>(&dev.id).unwrap().deleted_at.is_some());
    // Restoring it brings the edit back and closes the conflict.
    let back = r[0].undelete::<DeviceData>(&dev.id).unwrap();
    assert_eq!(back.data.asset.notes.as_deref(), Some("Akku getauscht"));
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    assert!(list(&r[1]).unwrap().iter().all(|c| !c.open));
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
}

#[test]
fn an_edit_that_a_later_delete_did_not_know_is_a_conflict_resolved_either_way() {
    let (_d, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Schule")).unwrap();
    let dev = r[0].create(device(&s.id, None)).unwrap();
    let other = r[0].create(device(&s.id, None)).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    // Replica 1 edits first, replica 0 deletes later without having seen the edit: the delete
    // wins by time, and the edit must not vanish silently.
    let mut edited = dev.data.clone();
    edited.asset.notes = Some("Display getauscht".into());
    r[1].update(&dev.id, edited.clone()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    r[0].delete::<DeviceData>(&dev.id).unwrap();
    // A delete made after seeing an edit is no conflict.
    let mut seen = other.data.clone();
    seen.asset.notes = Some("gesehen".into());
    r[1].update(&other.id, seen).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    r[0].delete::<DeviceData>(&other.id).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();

    let c = list(&r[1]).unwrap();
    assert_eq!(c, list(&r[0]).unwrap());
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(
        (c[0].kind.as_str(), c[0].row_id.as_str(), c[0].field.as_str(), c[0].open),
        ("deleted_concurrently", dev.id.as_str(), "notes", true)
    );
    assert_eq!(c[0].loser.value.as_str(), Some("Display getauscht"));
    assert_eq!(c[0].loser.node, r[1].node_id());
    assert!(c[0].winner.value.is_string(), "the winner is the deletion: {:?}", c[0].winner);
    assert!(r[1].get::<DeviceData>(&dev.id).unwrap().deleted_at.is_some());

    // Choosing the edit restores the row with the edit; the conflict closes on both.
    resolve(&mut r[1], &c[0], c[0].loser.value.clone()).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    let back = r[0].get::<DeviceData>(&dev.id).unwrap();
    assert!(back.deleted_at.is_none());
    assert_eq!(back.data.asset.notes.as_deref(), Some("Display getauscht"));
    assert!(list(&r[0]).unwrap().iter().all(|c| !c.open));
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());

    // The same situation once more, now resolved by confirming the deletion.
    edited.asset.notes = Some("zweite Änderung".into());
    r[0].update(&dev.id, edited).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    r[1].delete::<DeviceData>(&dev.id).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    let open: Vec<_> = list(&r[0]).unwrap().into_iter().filter(|c| c.open).collect();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].loser.value.as_str(), Some("zweite Änderung"));
    // A value that is neither side is refused.
    assert!(resolve(&mut r[0], &open[0], serde_json::json!("etwas anderes")).is_err());
    resolve(&mut r[0], &open[0], open[0].winner.value.clone()).unwrap();
    let (x, y) = two(&mut r);
    exchange(x, y, PAGE).unwrap();
    assert!(r[1].get::<DeviceData>(&dev.id).unwrap().deleted_at.is_some());
    assert!(list(&r[1]).unwrap().iter().all(|c| !c.open));
    assert_eq!(list(&r[0]).unwrap(), list(&r[1]).unwrap());
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
}
