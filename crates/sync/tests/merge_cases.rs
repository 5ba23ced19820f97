//! Gaps the per-field merge once had, each as a minimal reproduction with two to four replicas,
//! asserting what holds now.

mod common;

use chrono::NaiveDate;
use common::*;
use schulinventar_core::*;
use schulinventar_sync::{conflicts, digest, exchange, push};

fn invoice(authority_id: &str) -> InvoiceData {
    InvoiceData {
        authority_id: authority_id.into(),
        supplier: "Bechtle".into(),
        invoice_number: "RE-1".into(),
        invoice_date: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        paid_on: None,
        net_cents: 10_000,
        vat_cents: 1_900,
        gross_cents: 11_900,
        notes: None,
    }
}

/// Two replicas correct different amounts of one invoice at the same time, each keeping gross =
/// net + VAT. A per-field merge of only the changed fields would take net from one, VAT from the
/// other and gross from the later, and break the table's CHECK. Each change logs all three
/// (`entity::tied_fields`), so the later change wins as a whole, and the other's amounts are the
/// losers of conflicts.
#[test]
fn concurrent_edits_of_net_and_vat_converge() {
    let (_dir, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let inv = r[0].create(invoice(&a.id)).unwrap();
    let (x, y) = r.split_at_mut(1);
    let (a, b) = (&mut x[0], &mut y[0]);
    push(a, b, 100).unwrap();

    let cur = a.get::<InvoiceData>(&inv.id).unwrap().data;
    a.update(&inv.id, InvoiceData { net_cents: 20_000, gross_cents: 21_900, ..cur.clone() }).unwrap();
    b.update(&inv.id, InvoiceData { vat_cents: 3_800, gross_cents: 13_800, ..cur }).unwrap();
    let (to_b, to_a) = exchange(a, b, 100).unwrap();

    assert_eq!(a.version_vector().unwrap(), b.version_vector().unwrap());
    assert_eq!(digest(a).unwrap(), digest(b).unwrap(), "same operations, different content");
    assert!(to_a.rejected.is_empty() && to_b.rejected.is_empty(), "rows not written: {to_a:?} {to_b:?}");
    let merged = a.get::<InvoiceData>(&inv.id).unwrap().data;
    assert_eq!(
        (merged.net_cents, merged.vat_cents, merged.gross_cents),
        (10_000, 3_800, 13_800),
        "B's change came later"
    );
    let listed = conflicts::list(a).unwrap();
    assert!(
        listed.iter().any(|c| c.field == "net_cents" && c.loser.value == 20_000 && c.winner.value == 10_000),
        "A's net amount is a losing value: {listed:#?}"
    );
}

/// B writes a field (b1), A overwrites the same version later (a1, winning over b1: a conflict
/// with a1 as winner), then B, still without A's change, writes the field again (b2, later than
/// a1). b2 names b1 as its previous version, which is older than a1: B had not seen a1, so a1 is
/// the loser of a conflict with b2 (and b1 the loser of one with a1).
#[test]
fn a_value_overwritten_without_being_seen_is_a_losing_value() {
    let (_dir, mut r) = replicas(2);
    let auth = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&auth.id, "162437", "Gymnasium am Park")).unwrap();
    let (x, y) = r.split_at_mut(1);
    let (a, b) = (&mut x[0], &mut y[0]);
    push(a, b, 100).unwrap();
    let rename = |store: &mut Store, name: &str| {
        let cur = store.get::<SchoolData>(&s.id).unwrap().data;
        store.update(&s.id, SchoolData { name: name.into(), ..cur }).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    rename(b, "Name B1");
    rename(a, "Name A1");
    rename(b, "Name B2");
    exchange(a, b, 100).unwrap();

    assert_eq!(digest(a).unwrap(), digest(b).unwrap());
    assert_eq!(b.get::<SchoolData>(&s.id).unwrap().data.name, "Name B2");
    let listed = conflicts::list(a).unwrap();
    assert!(
        listed.iter().any(|c| c.field == "name" && c.loser.value == "Name A1" && c.winner.value == "Name B2"),
        "A's value was lost without a conflict naming it the loser: {listed:#?}"
    );
}

/// The catalogue programmes are seeded by the migration, without operations, so the first edit of
/// one of their fields records a null previous version. Two replicas editing the same field of a
/// catalogue programme both name null; the conflict query matches previous versions with `IS`,
/// so this is a conflict like any other.
#[test]
fn concurrent_first_edits_of_a_catalogue_programme_are_a_conflict() {
    let (_dir, mut r) = replicas(2);
    let id = "programme-digitalpakt-basis";
    for (i, name) in [(0, "Basis A"), (1, "Basis B")] {
        let cur = r[i].get::<ProgrammeData>(id).unwrap().data;
        r[i].update(id, ProgrammeData { short_name: Some(name.into()), ..cur }).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (x, y) = r.split_at_mut(1);
    exchange(&mut x[0], &mut y[0], 100).unwrap();

    assert_eq!(digest(&x[0]).unwrap(), digest(&y[0]).unwrap());
    let listed = conflicts::list(&x[0]).unwrap();
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!((&listed[0].loser.value, &listed[0].winner.value), (&"Basis A".into(), &"Basis B".into()));
}

/// A bundle made for one replica (everything beyond its version vector) imported into another
/// that lacks what the first already had: the per-origin gap check passes (the bundle holds only
/// the exporter's own operations, from its first one on), so the receiver gets a device without
/// the school it belongs to. The row cannot be written (foreign key) and is reported; when the
/// school's operations arrive later, the device is written too (`sync_unwritten`).
#[test]
fn a_bundle_for_another_replica_does_not_lose_rows() {
    let (dir, mut r) = replicas(4);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    let [x, p, q, late] = &mut r[..] else { unreachable!() };
    push(x, p, 100).unwrap();
    push(x, q, 100).unwrap();
    let dev = p.create(device(&s.id, None)).unwrap();

    // P's bundle for Q holds P's device only; it is carried to `late` instead.
    let file = dir.path().join("for-q.bundle");
    schulinventar_sync::bundle::export(p, &q.version_vector().unwrap(), &file).unwrap();
    let (_, rep) = schulinventar_sync::bundle::import(late, &file).unwrap();
    assert_eq!(rep.applied, 1);
    assert_eq!(rep.rejected.len(), 1, "the device cannot be written yet: {rep:?}");
    // Later `late` gets everything else.
    push(x, late, 100).unwrap();
    push(p, late, 100).unwrap();

    assert_eq!(late.version_vector().unwrap(), p.version_vector().unwrap());
    assert!(late.get::<DeviceData>(&dev.id).is_ok(), "the device is missing on the replica that got the bundle");
    assert_eq!(digest(late).unwrap(), digest(p).unwrap());
    let waiting: i64 = late.conn().query_row("SELECT count(*) FROM sync_unwritten", [], |r| r.get(0)).unwrap();
    assert_eq!(waiting, 0);
}
