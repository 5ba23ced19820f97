//! Bundles: export, import into another replica, re-import as a no-op, tampered, forged and
//! truncated files refused before anything is applied.

mod common;

use std::io::{Read, Write};

use common::*;
use schulinventar_core::*;
use schulinventar_sync::bundle::{self, MAGIC};
use schulinventar_sync::digest;
use sha2::{Digest, Sha256};

fn sources(store: &Store) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_sources", [], |r| r.get(0)).unwrap()
}

fn setup() -> (tempfile::TempDir, Vec<Store>, std::path::PathBuf) {
    let (dir, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    r[0].create(room(&s.id, "A101")).unwrap();
    r[0].create(device(&s.id, Some("INV-7"))).unwrap();
    let file = dir.path().join("paket.sibundle");
    let h = bundle::export(&r[0], &Default::default(), &file).unwrap();
    assert_eq!(h.ops, 4);
    assert_eq!(h.ranges[r[0].node_id()], (1, 4));
    assert_eq!(h.origin, r[0].node_id());
    (dir, r, file)
}

#[test]
fn a_bundle_carries_all_operations_once() {
    let (_d, mut r, file) = setup();
    let (h, rep) = bundle::import(&mut r[1], &file).unwrap();
    assert_eq!((rep.applied, rep.skipped), (4, 0));
    assert_eq!(h.schema_version, SCHEMA_VERSION);
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
    assert_eq!(search_entries(&r[0]), search_entries(&r[1]));
    let kind: String = r[1].conn().query_row("SELECT kind FROM change_sources", [], |r| r.get(0)).unwrap();
    assert_eq!(kind, "bundle");
    // Importing the same file again changes nothing at all.
    let before = sources(&r[1]);
    let (_, again) = bundle::import(&mut r[1], &file).unwrap();
    assert_eq!((again.applied, again.skipped), (0, 4));
    assert_eq!(sources(&r[1]), before);
    assert_eq!(log_len(&r[1]), 4);
}

fn refused(r: &mut Store, file: &std::path::Path, bytes: &[u8], expect: &str) {
    std::fs::write(file, bytes).unwrap();
    let err = bundle::import(r, file).unwrap_err().to_string();
    assert!(err.contains(expect), "{err}");
    assert_eq!(log_len(r), 0, "nothing may be applied from a refused bundle");
}

#[test]
fn tampered_forged_and_truncated_bundles_are_refused() {
    let (dir, mut r, file) = setup();
    let good = std::fs::read(&file).unwrap();
    let bad = dir.path().join("kaputt.sibundle");
    // A flipped byte in the payload.
    let mut tampered = good.clone();
    let last = tampered.len() - 10;
    tampered[last] ^= 0x40;
    refused(&mut r[1], &bad, &tampered, "Prüfsumme");
    // Cut off in the middle, and cut off inside the signature.
    refused(&mut r[1], &bad, &good[..good.len() / 2], "Prüfsumme");
    refused(&mut r[1], &bad, &good[..MAGIC.len() + 40], "unvollständig");
    refused(&mut r[1], &bad, b"irgendwas", "kein Schulinventar-Paket");
    // Changed content with a fitting checksum: the signature no longer matches.
    let payload = &good[MAGIC.len() + 96..];
    let mut json = String::new();
    flate2::read::GzDecoder::new(payload).read_to_string(&mut json).unwrap();
    let forged_json = json.replace("Gymnasium am Park", "Gefälschte Schule");
    assert_ne!(json, forged_json);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(forged_json.as_bytes()).unwrap();
    let forged_payload = gz.finish().unwrap();
    let mut forged = MAGIC.to_vec();
    forged.extend_from_slice(&Sha256::digest(&forged_payload));
    forged.extend_from_slice(&good[MAGIC.len() + 32..MAGIC.len() + 96]);
    forged.extend_from_slice(&forged_payload);
    refused(&mut r[1], &bad, &forged, "Signatur");
    // The untouched bundle still imports.
    let (_, rep) = bundle::import(&mut r[1], &file).unwrap();
    assert_eq!(rep.applied, 4);
}

#[test]
fn since_ack_leaves_out_only_what_every_replica_heard_from_holds() {
    let (dir, mut r) = replicas(3);
    let file = |n: &str| dir.path().join(format!("{n}.sibundle"));
    let au = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&au.id, "162437", "Schule")).unwrap();
    let a = r[0].node_id().to_owned();
    assert_eq!(bundle::since_ack(&r[0]).unwrap(), None, "nobody heard from yet");
    bundle::export(&r[0], &Default::default(), &file("a1")).unwrap();
    bundle::import(&mut r[1], &file("a1")).unwrap();
    bundle::import(&mut r[2], &file("a1")).unwrap();
    // c reports back while it holds a's first two operations.
    bundle::export(&r[2], &Default::default(), &file("c1")).unwrap();
    r[0].create(room(&s.id, "A101")).unwrap();
    bundle::export(&r[0], &r[1].version_vector().unwrap(), &file("a2")).unwrap();
    bundle::import(&mut r[1], &file("a2")).unwrap();
    // b reports back with all three.
    bundle::export(&r[1], &Default::default(), &file("b1")).unwrap();
    let (_, rep) = bundle::import(&mut r[0], &file("b1")).unwrap();
    assert_eq!(rep.applied, 0, "nothing new, but the acknowledgement is kept");
    assert_eq!(bundle::since_ack(&r[0]).unwrap(), Some([(a.clone(), 3)].into()));
    bundle::import(&mut r[0], &file("c1")).unwrap();
    let acks = bundle::acknowledged(&r[0]).unwrap();
    assert_eq!(acks.len(), 2);
    assert_eq!(acks[r[1].node_id()], [(a.clone(), 3)].into());
    assert_eq!(acks[r[2].node_id()], [(a.clone(), 2)].into());
    assert_eq!(bundle::since_ack(&r[0]).unwrap(), Some([(a.clone(), 2)].into()), "the smallest of both");
    // Re-reading its own bundle acknowledges nothing.
    bundle::import(&mut r[0], &file("a2")).unwrap();
    assert_eq!(bundle::acknowledged(&r[0]).unwrap().len(), 2);

    r[0].create(device(&s.id, Some("INV-1"))).unwrap();
    let since = bundle::since_ack(&r[0]).unwrap().unwrap();
    let h = bundle::export(&r[0], &since, &file("a3")).unwrap();
    assert_eq!((h.ops, h.ranges[&a]), (2, (3, 4)));
    assert_eq!(h.have, r[0].version_vector().unwrap());
    // c lacks a's third operation and gets it; an empty replica would get a gap and is refused.
    let (_, rep) = bundle::import(&mut r[2], &file("a3")).unwrap();
    assert_eq!(rep.applied, 2);
    let mut empty = Store::open(&dir.path().join("leer.sqlite")).unwrap();
    let err = bundle::import(&mut empty, &file("a3")).unwrap_err().to_string();
    assert!(err.contains("setzt Operationen von Gerät") && err.contains("Nr. 1 bis 2"), "{err}");
    assert_eq!(log_len(&empty), 0);
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[2]).unwrap());
}

#[test]
fn a_bundle_from_a_replica_with_purged_rows_carries_the_purge_and_a_stale_one_does_not_resurrect() {
    let (dir, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    let d = r[0].create(device(&s.id, Some("INV-8"))).unwrap();
    r[0].delete::<DeviceData>(&d.id).unwrap();
    r[0].create(device(&s.id, Some("INV-9"))).unwrap();
    let stale = dir.path().join("alt.sibundle");
    bundle::export(&r[0], &Default::default(), &stale).unwrap();
    r[0].write(None, |w| w.purge_row("device", &d.id)).unwrap();

    // Operations 3 and 4 of the origin are gone: the bundle has a hole there and says why.
    let file = dir.path().join("neu.sibundle");
    let h = bundle::export(&r[0], &Default::default(), &file).unwrap();
    assert_eq!(h.purged.len(), 1);
    bundle::import(&mut r[1], &file).unwrap();
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
    assert!(r[1].is_purged("device", &d.id).unwrap());

    // The bundle written before the purge does not bring the row back, on either replica.
    for store in r.iter_mut() {
        bundle::import(store, &stale).unwrap();
        assert!(store.get::<DeviceData>(&d.id).is_err());
    }
    assert_eq!(digest(&r[0]).unwrap(), digest(&r[1]).unwrap());
}

#[test]
fn a_large_bundle_leaves_its_pages_in_the_database_file_and_the_wal_file_empty() {
    let (dir, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    r[0].write(None, |w| {
        for i in 0..600 {
            w.create(device(&s.id, Some(&format!("INV-{i}"))))?;
        }
        Ok(())
    })
    .unwrap();
    let file = dir.path().join("gross.sibundle");
    assert!(bundle::export(&r[0], &Default::default(), &file).unwrap().ops > schulinventar_sync::PAGE);
    // Something in the WAL beforehand, as on a laptop in use.
    r[1].create(authority()).unwrap();
    let wal = |s: &Store| std::fs::metadata(format!("{}-wal", s.path().display())).unwrap().len();
    assert!(wal(&r[1]) > 0);
    let (_, rep) = bundle::import(&mut r[1], &file).unwrap();
    assert_eq!(rep.applied, 602);
    // The last checkpoint runs on beside the store once the import has returned.
    let auto: i64 = r[1].conn().pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
    assert_eq!(auto, 1000, "the automatic checkpoints handed back at once");
    r[1].settle();
    assert_eq!(wal(&r[1]), 0, "the WAL file emptied");
    let pages: u64 = r[1].conn().pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
    let page: u64 = r[1].conn().pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    assert_eq!(std::fs::metadata(r[1].path()).unwrap().len(), pages * page, "every page in the file");
    let auto: i64 = r[1].conn().pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
    assert_eq!(auto, 1000, "the automatic checkpoints handed back");
    let devices: i64 = r[1].conn().query_row("SELECT count(*) FROM devices", [], |r| r.get(0)).unwrap();
    assert_eq!(devices, 600);
}

#[test]
fn an_import_reports_the_check_then_operations_and_rows_up_to_all_of_them() {
    use schulinventar_core::apply::{ApplyProgress, PROGRESS_EVERY};
    use schulinventar_sync::bundle::ImportStep;
    let (dir, mut r) = replicas(2);
    let a = r[0].create(authority()).unwrap();
    let s = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    let devices = 2 * PROGRESS_EVERY + 100;
    r[0].write(None, |w| {
        for i in 0..devices {
            w.create(device(&s.id, Some(&format!("INV-{i}"))))?;
        }
        Ok(())
    })
    .unwrap();
    let file = dir.path().join("gross.sibundle");
    let ops = bundle::export(&r[0], &Default::default(), &file).unwrap().ops;
    assert_eq!(ops, devices + 2);

    let mut steps = Vec::new();
    let (_, rep) = bundle::import_with_progress(&mut r[1], &file, &mut |p| steps.push(p)).unwrap();
    assert_eq!(rep.applied, ops);
    assert_eq!(steps.first(), Some(&ImportStep::Check));
    let (mut log, mut rows) = (Vec::new(), Vec::new());
    for step in &steps[1..] {
        match *step {
            ImportStep::Apply(ApplyProgress::Log { done, total }) => log.push((done, total)),
            ImportStep::Apply(ApplyProgress::Rows { done, total }) => rows.push((done, total)),
            ImportStep::Check => panic!("one check, first: {steps:?}"),
        }
    }
    let every = PROGRESS_EVERY;
    assert_eq!(log, [(0, ops), (every, ops), (2 * every, ops), (ops, ops)]);
    // One row per operation here (every row was created once).
    assert_eq!(rows, [(0, ops), (every, ops), (2 * every, ops), (ops, ops)]);
    // All operations before the first row.
    let first_row = steps.iter().position(|p| matches!(p, ImportStep::Apply(ApplyProgress::Rows { .. }))).unwrap();
    assert!(steps[first_row..].iter().all(|p| matches!(p, ImportStep::Apply(ApplyProgress::Rows { .. }))));

    // A refused file: the check, nothing after it.
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    let bad = dir.path().join("kaputt.sibundle");
    std::fs::write(&bad, &bytes).unwrap();
    let mut steps = Vec::new();
    assert!(bundle::import_with_progress(&mut r[0], &bad, &mut |p| steps.push(p)).is_err());
    assert_eq!(steps, [ImportStep::Check]);
}
