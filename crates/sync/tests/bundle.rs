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
