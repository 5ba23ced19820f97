//! `schulinventar digest`, `conflicts` and `bundle`: two replicas as real database files that
//! only ever meet through bundle files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ed25519_dalek::{Signer, SigningKey};
use predicates::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const MAGIC: &[u8] = b"SCHULINVENTAR-BUNDLE\n";

struct Replicas {
    dir: TempDir,
}

impl Replicas {
    fn new() -> Self {
        Replicas { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.sqlite"))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cli(&self, name: &str) -> Command {
        let mut c = Command::cargo_bin("schulinventar").unwrap();
        c.arg("--db").arg(self.db(name));
        c.env_remove("SCHULINVENTAR_DB");
        c.env("SCHULINVENTAR_AUTHOR", format!("admin.{name}"));
        c
    }

    fn json(&self, name: &str, args: &[&str]) -> Value {
        let out = self.cli(name).args(args).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out)))
    }

    fn digest(&self, name: &str) -> String {
        let out = self.cli(name).arg("digest").assert().success().get_output().stdout.clone();
        let text = String::from_utf8(out).unwrap();
        let d = text.trim().to_owned();
        assert!(d.len() == 64 && d.chars().all(|c| c.is_ascii_hexdigit()), "one hex digest: {text:?}");
        d
    }

    /// Exports from `from` to a file named after it and the step; returns the file and summary.
    fn export(&self, from: &str, file: &str, since_ack: bool) -> (PathBuf, Value) {
        let path = self.file(file);
        let mut args = vec!["bundle", "export", "--out", path.to_str().unwrap(), "--json"];
        if since_ack {
            args.push("--since-ack");
        }
        let v = self.json(from, &args);
        (path, v)
    }

    fn import(&self, into: &str, file: &Path) -> Value {
        self.json(into, &["bundle", "import", file.to_str().unwrap(), "--json"])
    }

    fn log_len(&self, name: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db(name)).unwrap();
        conn.query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
    }

    /// Sets the notes of the device with this inventory number through a spreadsheet import.
    fn set_notes(&self, name: &str, school: &str, inventory_number: &str, notes: &str) {
        let csv = self.file(&format!("notiz-{name}.csv"));
        std::fs::write(&csv, format!("Inventarnummer;Schulnummer;Notiz\n{inventory_number};{school};{notes}\n"))
            .unwrap();
        self.cli(name)
            .args(["import", csv.to_str().unwrap(), "--entity", "devices", "--key", "inventory_number"])
            .args(["--map", "Notiz=notes"])
            .assert()
            .success()
            .stdout(predicate::str::contains("1 geändert"));
    }

    fn device(&self, name: &str, inventory_number: &str) -> Value {
        let list = self.json(name, &["list", "devices", "--search", inventory_number, "--json"]);
        let found: Vec<&Value> =
            list.as_array().unwrap().iter().filter(|d| d["inventory_number"] == inventory_number).collect();
        assert_eq!(found.len(), 1, "{list}");
        found[0].clone()
    }
}

/// Replica `a` with the small demo data set, replica `b` a copy of it made by a bundle.
fn demo_pair() -> (Replicas, usize) {
    let r = Replicas::new();
    r.cli("a").args(["demo", "--scale", "small"]).assert().success();
    let (file, v) = r.export("a", "a-voll.sibundle", false);
    let ops = v["header"]["ops"].as_u64().unwrap() as usize;
    assert!(ops > 500, "{v}");
    let rep = r.import("b", &file);
    assert_eq!((rep["applied"].as_u64(), rep["skipped"].as_u64()), (Some(ops as u64), Some(0)));
    assert_eq!(r.digest("a"), r.digest("b"));
    (r, ops)
}

/// A device of the demo data: its school number and inventory number.
fn some_device(r: &Replicas) -> (String, String) {
    let schools = r.json("a", &["list", "schools", "--json"]);
    let devices = r.json("a", &["list", "devices", "--limit", "1", "--json"]);
    let d = &devices[0];
    let school = schools.as_array().unwrap().iter().find(|s| s["id"] == d["school_id"]).unwrap();
    (school["school_number"].as_str().unwrap().to_owned(), d["inventory_number"].as_str().unwrap().to_owned())
}

#[test]
fn bundles_both_ways_make_the_digests_equal_and_reimport_changes_nothing() {
    let r = Replicas::new();
    r.cli("a").args(["demo", "--scale", "small"]).assert().success();
    let empty = r.digest("b");
    assert_ne!(r.digest("a"), empty);

    // a has never heard from another replica: --since-ack has to carry everything.
    let (full, v) = r.export("a", "a1.sibundle", true);
    assert!(v["since"].is_null(), "{v}");
    let ops = v["header"]["ops"].as_u64().unwrap();
    assert_eq!(v["header"]["ranges"].as_object().unwrap().len(), 1, "only a's operations: {v}");
    let stats = r.json("a", &["stats", "--json"]);
    assert!(ops >= stats["devices"].as_u64().unwrap() + stats["rooms"].as_u64().unwrap(), "{ops} {stats}");
    r.cli("b")
        .args(["bundle", "import", full.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{ops} Änderungen übernommen, 0 bereits vorhanden.")))
        // The progress goes to stderr: the check first, then each phase up to all.
        .stderr(predicate::str::starts_with(format!("Prüfe das Paket {} …\n", full.display())))
        .stderr(predicate::str::contains(format!("Übernehme die Änderungen: 100 % ({ops} von {ops})")))
        .stderr(predicate::str::contains("Schreibe die Einträge: 100 %"));
    assert_eq!(r.digest("a"), r.digest("b"));
    assert_eq!(r.json("a", &["stats", "--json"]), r.json("b", &["stats", "--json"]));

    // Importing the same file again is a no-op: same digest, no new change-log entries.
    let (digest_b, log_b) = (r.digest("b"), r.log_len("b"));
    r.cli("b")
        .args(["bundle", "import", full.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("Nichts Neues: {ops} Änderungen bereits vorhanden")));
    assert_eq!((r.digest("b"), r.log_len("b")), (digest_b, log_b));

    // Different edits on both sides, then bundles both ways.
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "Display getauscht");
    let other = r.json("a", &["list", "devices", "--limit", "2", "--sort", "inventory_number", "--desc", "--json"]);
    let other_inv = other[0]["inventory_number"].as_str().unwrap();
    assert_ne!(other_inv, inv, "two different devices");
    let other_school = r.json("a", &["list", "schools", "--json"]);
    let other_school = other_school.as_array().unwrap().iter().find(|s| s["id"] == other[0]["school_id"]).unwrap();
    r.set_notes("b", other_school["school_number"].as_str().unwrap(), other_inv, "Akku schwach");
    assert_ne!(r.digest("a"), r.digest("b"));

    // b's import of a's bundle told b what a holds: only b's own edit goes back.
    let (from_b, v) = r.export("b", "b1.sibundle", true);
    assert_eq!(v["since"].as_object().unwrap().values().next().and_then(Value::as_u64), Some(ops), "{v}");
    assert_eq!(v["header"]["ops"].as_u64(), Some(1));
    let rep = r.import("a", &from_b);
    assert_eq!((rep["applied"].as_u64(), rep["skipped"].as_u64()), (Some(1), Some(0)));
    // A full export still carries everything.
    let (_, v) = r.export("b", "b-voll.sibundle", false);
    assert_eq!(v["header"]["ops"].as_u64(), Some(ops + 1));
    // a now knows what b holds: --since-ack leaves all of that out.
    let (from_a, v) = r.export("a", "a2.sibundle", true);
    assert_eq!(v["header"]["ops"].as_u64(), Some(1), "only a's new edit: {v}");
    let rep = r.import("b", &from_a);
    assert_eq!((rep["applied"].as_u64(), rep["skipped"].as_u64()), (Some(1), Some(0)));

    assert_eq!(r.digest("a"), r.digest("b"));
    assert_eq!(r.device("b", &inv)["notes"], "Display getauscht");
    assert_eq!(r.device("a", other_inv)["notes"], "Akku schwach");
}

#[test]
fn a_since_ack_bundle_is_refused_where_the_earlier_operations_are_missing() {
    let (r, _) = demo_pair();
    // b's full bundle back to a: a learns what b holds.
    let (from_b, _) = r.export("b", "b1.sibundle", false);
    r.import("a", &from_b);
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "neu");
    let (partial, v) = r.export("a", "a2.sibundle", true);
    assert_eq!(v["header"]["ops"].as_u64(), Some(1), "{v}");
    // A third, empty replica would get a gap in a's sequence: refused, nothing applied.
    r.cli("c")
        .args(["bundle", "import", partial.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("setzt Operationen von Gerät"))
        .stderr(predicate::str::contains("ohne --since-ack"));
    assert_eq!(r.log_len("c"), 0);
    // b holds everything before it and takes it.
    assert_eq!(r.import("b", &partial)["applied"].as_u64(), Some(1));
    assert_eq!(r.digest("a"), r.digest("b"));
}

/// Rewrites a bundle's JSON body and signs it with `key`, with a fitting checksum.
fn resign(good: &[u8], key: &SigningKey, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let payload = &good[MAGIC.len() + 96..];
    let mut json = String::new();
    flate2::read::GzDecoder::new(payload).read_to_string(&mut json).unwrap();
    let mut body: Value = serde_json::from_str(&json).unwrap();
    edit(&mut body);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.to_string().as_bytes()).unwrap();
    let payload = gz.finish().unwrap();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&key.sign(&payload).to_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Replica `a`'s own signing key, read from its database.
fn key_of(r: &Replicas, name: &str) -> SigningKey {
    let conn = rusqlite::Connection::open(r.db(name)).unwrap();
    let hex: String =
        conn.query_row("SELECT value FROM meta WHERE key = 'sync_signing_key'", [], |row| row.get(0)).unwrap();
    let bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    SigningKey::from_bytes(&bytes.try_into().unwrap())
}

#[test]
fn damaged_forged_and_wrong_schema_bundles_are_refused_and_change_nothing() {
    let (r, _) = demo_pair();
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "geprüft");
    let (file, _) = r.export("a", "a2.sibundle", false);
    let good = std::fs::read(&file).unwrap();
    let (digest_b, log_b) = (r.digest("b"), r.log_len("b"));
    let bad = r.file("kaputt.sibundle");

    let mut flipped = good.clone();
    let mid = MAGIC.len() + 96 + (good.len() - MAGIC.len() - 96) / 2;
    flipped[mid] ^= 0x08;
    let mut flipped_sig = good.clone();
    flipped_sig[MAGIC.len() + 40] ^= 0x01;
    let stranger = SigningKey::from_bytes(&[7u8; 32]);
    let own = key_of(&r, "a");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bit flipped in the payload", flipped, "Prüfsumme"),
        ("bit flipped in the signature", flipped_sig, "Signatur"),
        ("cut in half", good[..good.len() / 2].to_vec(), "Prüfsumme"),
        ("cut inside the signature", good[..MAGIC.len() + 50].to_vec(), "unvollständig"),
        ("empty", Vec::new(), "kein Schulinventar-Paket"),
        ("signed by another key", resign(&good, &stranger, |_| {}), "Signatur"),
        (
            "another key claimed as a's",
            resign(&good, &stranger, |b| {
                b["header"]["public_key"] =
                    stranger.verifying_key().as_bytes().iter().map(|x| format!("{x:02x}")).collect::<String>().into();
            }),
            "anderen Schlüssel",
        ),
        ("unknown format", resign(&good, &own, |b| b["header"]["format"] = 2.into()), "unbekannte Format"),
        (
            "operations newer than the header's schema",
            resign(&good, &own, |b| b["ops"][0]["schema_version"] = 99.into()),
            "passen nicht zu seinem Kopf",
        ),
        (
            "an operation left out",
            resign(&good, &own, |b| {
                b["ops"].as_array_mut().unwrap().remove(3);
                b["header"]["ops"] = (b["header"]["ops"].as_u64().unwrap() - 1).into();
            }),
            "passen nicht zu seinem Kopf",
        ),
    ];
    for (what, bytes, expect) in cases {
        std::fs::write(&bad, &bytes).unwrap();
        r.cli("b")
            .args(["bundle", "import", bad.to_str().unwrap()])
            .assert()
            .code(1)
            .stderr(predicate::str::starts_with("Prüfe das Paket "))
            .stderr(predicate::str::contains("\nFehler: "))
            .stderr(predicate::str::contains("Übernehme").not().name("nothing applied"))
            .stderr(predicate::str::contains(expect).name(what));
        assert_eq!((r.digest("b"), r.log_len("b")), (digest_b.clone(), log_b), "{what}: b unchanged");
    }
    // A missing file is refused too.
    r.cli("b").args(["bundle", "import"]).arg(r.file("gibtsnicht.sibundle")).assert().failure();

    // The untouched bundle still imports.
    assert_eq!(r.import("b", &file)["applied"].as_u64(), Some(1));
    assert_eq!(r.digest("a"), r.digest("b"));
}

#[test]
fn concurrent_edits_show_a_conflict_that_resolving_closes_on_both_replicas() {
    let (r, _) = demo_pair();
    for name in ["a", "b"] {
        assert_eq!(r.json(name, &["conflicts", "--json"]), Value::Array(vec![]));
        r.cli(name).arg("conflicts").assert().success().stdout("Keine offenen Konflikte.\n");
    }
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "blau");
    std::thread::sleep(std::time::Duration::from_millis(5));
    r.set_notes("b", &school, &inv, "rot");
    let (from_a, _) = r.export("a", "a2.sibundle", true);
    let (from_b, _) = r.export("b", "b2.sibundle", true);
    r.import("b", &from_a);
    r.import("a", &from_b);
    assert_eq!(r.digest("a"), r.digest("b"));

    let ca = r.json("a", &["conflicts", "--json"]);
    assert_eq!(ca, r.json("b", &["conflicts", "--json"]), "both replicas list the same conflict");
    let list = ca.as_array().unwrap();
    assert_eq!(list.len(), 1, "{ca}");
    let c = &list[0];
    let device = r.device("a", &inv);
    assert_eq!(c["kind"], "concurrent");
    assert_eq!(c["entity"], "device");
    assert_eq!(c["row_id"], device["id"]);
    assert_eq!(c["field"], "notes");
    assert_eq!(c["open"], true);
    assert_eq!((&c["winner"]["value"], &c["winner"]["author"]), (&"rot".into(), &"admin.b".into()));
    assert_eq!((&c["loser"]["value"], &c["loser"]["author"]), (&"blau".into(), &"admin.a".into()));
    for side in ["winner", "loser"] {
        for key in ["hlc", "node", "at"] {
            assert!(c[side][key].as_str().is_some_and(|s| !s.is_empty()), "{side}.{key}: {c}");
        }
    }
    assert_eq!(device["notes"], "rot", "the later write holds the field");
    let id = c["id"].as_str().unwrap();
    r.cli("b")
        .arg("conflicts")
        .assert()
        .success()
        .stdout(predicate::str::contains(id))
        .stdout(predicate::str::contains("„rot“ (admin.b"))
        .stdout(predicate::str::contains("„blau“ (admin.a"))
        .stdout(predicate::str::contains("1 offen"));

    // Wrong calls: unknown id, both or neither choice, a value that is not JSON.
    r.cli("a")
        .args(["conflicts", "resolve", "ffffffff", "--keep", "loser"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("keinen Konflikt"));
    r.cli("a").args(["conflicts", "resolve", id]).assert().code(2);
    r.cli("a").args(["conflicts", "resolve", id, "--keep", "loser", "--value", "\"x\""]).assert().code(2);
    r.cli("a").args(["conflicts", "resolve", id, "--value", "nicht json"]).assert().code(2);
    assert_eq!(r.json("a", &["conflicts", "--json"]), ca, "nothing resolved by a wrong call");

    // Resolved on a by keeping the overwritten value (by the first characters of its id).
    r.cli("a")
        .args(["conflicts", "resolve", &id[..6], "--keep", "loser"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gelöst"));
    assert_eq!(r.json("a", &["conflicts", "--json"]), Value::Array(vec![]));
    assert_eq!(r.device("a", &inv)["notes"], "blau");
    assert_eq!(r.json("b", &["conflicts", "--json"]).as_array().unwrap().len(), 1, "b has not heard yet");

    // a's last word from b predates b's import of a's edit: that edit goes again, with the
    // resolution; b skips what it has.
    let (from_a, v) = r.export("a", "a3.sibundle", true);
    assert_eq!(v["header"]["ops"].as_u64(), Some(2), "a's edit and the resolution: {v}");
    let rep = r.import("b", &from_a);
    assert_eq!((rep["applied"].as_u64(), rep["skipped"].as_u64()), (Some(1), Some(1)));
    for name in ["a", "b"] {
        assert_eq!(r.json(name, &["conflicts", "--json"]), Value::Array(vec![]), "{name}");
        r.cli(name).arg("conflicts").assert().success().stdout("Keine offenen Konflikte.\n");
        let all = r.json(name, &["conflicts", "--all", "--json"]);
        assert_eq!(
            (all[0]["id"].as_str(), &all[0]["open"]),
            (Some(id), &Value::Bool(false)),
            "{name}: kept as history"
        );
        assert_eq!(r.device(name, &inv)["notes"], "blau");
    }
    assert_eq!(r.digest("a"), r.digest("b"));
    r.cli("a")
        .args(["conflicts", "resolve", id, "--keep", "winner"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bereits gelöst"));
}

#[test]
fn keeping_the_current_value_also_closes_the_conflict_everywhere() {
    let (r, _) = demo_pair();
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "eins");
    std::thread::sleep(std::time::Duration::from_millis(5));
    r.set_notes("b", &school, &inv, "zwei");
    let (from_a, _) = r.export("a", "a2.sibundle", true);
    r.import("b", &from_a);
    let c = r.json("b", &["conflicts", "--json"]);
    let id = c[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(c[0]["winner"]["value"], "zwei");

    // b keeps its own (winning) value: still a new operation, so a learns of it.
    let log = r.log_len("b");
    r.cli("b").args(["conflicts", "resolve", &id, "--keep", "winner"]).assert().success();
    assert_eq!(r.log_len("b"), log + 1, "the choice is recorded as an operation");
    assert_eq!(r.json("b", &["conflicts", "--json"]), Value::Array(vec![]));
    let (from_b, _) = r.export("b", "b2.sibundle", true);
    r.import("a", &from_b);
    assert_eq!(r.json("a", &["conflicts", "--json"]), Value::Array(vec![]));
    assert_eq!(r.device("a", &inv)["notes"], "zwei");
    assert_eq!(r.digest("a"), r.digest("b"));
}

#[test]
fn a_custom_value_resolves_and_is_validated() {
    let (r, _) = demo_pair();
    let (school, inv) = some_device(&r);
    r.set_notes("a", &school, &inv, "links");
    std::thread::sleep(std::time::Duration::from_millis(5));
    r.set_notes("b", &school, &inv, "rechts");
    let (from_b, _) = r.export("b", "b2.sibundle", true);
    r.import("a", &from_b);
    let c = r.json("a", &["conflicts", "--json"]);
    let id = c[0]["id"].as_str().unwrap().to_owned();
    // notes is text: a number does not fit and changes nothing.
    r.cli("a").args(["conflicts", "resolve", &id, "--value", "42"]).assert().failure();
    assert_eq!(r.json("a", &["conflicts", "--json"]), c);
    r.cli("a").args(["conflicts", "resolve", &id, "--value", "\"Mitte\""]).assert().success();
    assert_eq!(r.device("a", &inv)["notes"], "Mitte");
    assert_eq!(r.json("a", &["conflicts", "--json"]), Value::Array(vec![]));
}

#[test]
fn a_device_registered_on_both_laptops_is_a_duplicate_until_one_is_renumbered_or_discarded() {
    let (r, _) = demo_pair();
    let (school, _) = some_device(&r);
    let register = |name: &str, inv: &str, serial: &str| {
        let csv = r.file(&format!("neu-{name}-{inv}.csv"));
        std::fs::write(
            &csv,
            format!(
                "Inventarnummer;Schulnummer;Kategorie;Nutzergruppe;Status;Seriennummer;Hersteller\n{inv};{school};Laptop;Schüler;im Einsatz;{serial};Dell\n"
            ),
        )
        .unwrap();
        r.cli(name)
            .args(["import", csv.to_str().unwrap(), "--entity", "devices", "--key", "inventory_number"])
            .assert()
            .success()
            .stdout(predicate::str::contains("1 neu"));
    };
    // Both register the same new laptop (same serial number) under different inventory numbers,
    // and another one under the same inventory number.
    register("a", "INV-NEU-1", "SN-DOPPELT");
    register("a", "INV-NEU-2", "SN-A2");
    std::thread::sleep(std::time::Duration::from_millis(5));
    register("b", "INV-NEU-3", "SN-DOPPELT");
    register("b", "INV-NEU-2", "SN-B2");
    let (from_a, _) = r.export("a", "a2.sibundle", true);
    let (from_b, _) = r.export("b", "b2.sibundle", true);
    r.import("b", &from_a);
    r.import("a", &from_b);
    assert_eq!(r.digest("a"), r.digest("b"));

    let list = r.json("a", &["conflicts", "--json"]);
    assert_eq!(list, r.json("b", &["conflicts", "--json"]));
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    let by_field = |f: &str| list.iter().find(|c| c["field"] == f).unwrap().clone();
    let serial = by_field("serial_number");
    let invno = by_field("inventory_number");
    for c in [&serial, &invno] {
        assert_eq!((&c["kind"], &c["open"]), (&Value::from("duplicate"), &Value::Bool(true)));
        assert_eq!(c["winner"]["author"], "admin.a", "a registered first: {c}");
        assert_eq!(c["loser"]["author"], "admin.b");
    }
    // b's laptops are hidden: not listed, not found.
    assert_eq!(r.json("a", &["list", "devices", "--search", "INV-NEU-3", "--json"]), Value::Array(vec![]));
    r.cli("a")
        .arg("conflicts")
        .assert()
        .success()
        .stdout(predicate::str::contains("„SN-DOPPELT“ hat Vorrang (admin.a"))
        .stdout(predicate::str::contains("2 offen"));

    // The same device twice: b discards its copy. The inventory number: b gives its laptop another.
    r.cli("b")
        .args(["conflicts", "resolve", serial["id"].as_str().unwrap(), "--value", "null"])
        .assert()
        .success()
        .stdout(predicate::str::contains("verworfen"));
    r.cli("b")
        .args(["conflicts", "resolve", invno["id"].as_str().unwrap(), "--value", "\"INV-NEU-1\""])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("INV-NEU-1"));
    r.cli("b")
        .args(["conflicts", "resolve", invno["id"].as_str().unwrap(), "--value", "\"INV-NEU-4\""])
        .assert()
        .success()
        .stdout(predicate::str::contains("wieder sichtbar"));
    assert_eq!(r.json("b", &["conflicts", "--json"]), Value::Array(vec![]));
    let (from_b, _) = r.export("b", "b3.sibundle", true);
    r.import("a", &from_b);
    assert_eq!(r.json("a", &["conflicts", "--json"]), Value::Array(vec![]));
    assert_eq!(r.device("a", "INV-NEU-4")["serial_number"], "SN-B2");
    assert_eq!(r.json("a", &["list", "devices", "--search", "INV-NEU-3", "--json"]), Value::Array(vec![]));
    assert_eq!(r.digest("a"), r.digest("b"));
}
