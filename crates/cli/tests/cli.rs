//! The `schulinventar` binary against a temporary database file.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn cli(dir: &TempDir) -> Command {
    let mut c = Command::cargo_bin("schulinventar").unwrap();
    c.arg("--db").arg(dir.path().join("inventar.sqlite"));
    c.env_remove("SCHULINVENTAR_DB");
    c
}

fn json(dir: &TempDir, args: &[&str]) -> Value {
    let out = cli(dir).args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out)))
}

fn with_demo() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    cli(&dir)
        .args(["demo", "--scale", "small", "--seed", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Beispieldaten erzeugt"))
        .stderr(predicate::str::contains("100 %"));
    dir
}

#[test]
fn stats_json_is_keyed_by_plural_snake_case() {
    let dir = with_demo();
    let stats = json(&dir, &["stats", "--json"]);
    assert_eq!(stats["schools"], 3);
    for key in [
        "school_authorities",
        "buildings",
        "rooms",
        "devices",
        "loans",
        "access_points",
        "presentation_hardware",
        "fibre_links",
    ] {
        assert!(stats[key].as_i64().unwrap() > 0, "{key}: {stats}");
    }
}

#[test]
fn list_json_uses_binding_field_names_and_filters_by_school() {
    let dir = with_demo();
    let schools = json(&dir, &["list", "schools", "--json"]);
    let schools = schools.as_array().unwrap();
    assert_eq!(schools.len(), 3);
    for s in schools {
        assert!(s["name"].is_string() && s["school_number"].as_str().unwrap().len() == 6, "{s}");
        assert!(s["id"].is_string() && s["created_at"].is_string());
    }
    let stats = json(&dir, &["stats", "--json"]);
    let devices = json(&dir, &["list", "devices", "--json"]);
    assert_eq!(devices.as_array().unwrap().len() as i64, stats["devices"].as_i64().unwrap(), "all pages listed");

    let nr = schools[0]["school_number"].as_str().unwrap();
    let id = schools[0]["id"].as_str().unwrap();
    for entity in ["buildings", "rooms", "devices", "loans", "fibre-links", "access-points", "presentation-hardware"] {
        let rows = json(&dir, &["list", entity, "--school", nr, "--json"]);
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "{entity}");
        if entity != "loans" {
            assert!(rows.iter().all(|r| r["school_id"] == id), "{entity} filtered to the school");
        }
    }
    let limited = json(&dir, &["list", "devices", "--limit", "5", "--sort", "purchase_date", "--desc", "--json"]);
    let dates: Vec<&str> = limited.as_array().unwrap().iter().map(|d| d["purchase_date"].as_str().unwrap()).collect();
    assert_eq!(dates.len(), 5);
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

#[test]
fn search_finds_umlaut_names_without_umlauts() {
    let dir = with_demo();
    let hits = json(&dir, &["search", "brandstrom", "--json"]);
    let hits = hits.as_array().unwrap();
    assert!(hits.iter().any(|h| h["entity"] == "school" && h["title"].as_str().unwrap().contains("Elsa-Brändström")));
    cli(&dir).args(["search", "xyzzy-nichts"]).assert().success().stdout(predicate::str::contains("Keine Treffer"));
}

#[test]
fn errors_are_german_on_stderr_with_nonzero_exit() {
    let dir = with_demo();
    cli(&dir)
        .args(["list", "gadgets"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("Unbekannte Liste „gadgets“"));
    cli(&dir)
        .args(["list", "devices", "--sort", "preis"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("kann nicht sortiert werden"));
    cli(&dir).args(["demo", "--scale", "huge"]).assert().failure().stderr(predicate::str::contains("Unbekannte Größe"));
    cli(&dir).args(["lsit"]).assert().code(2).stderr(predicate::str::contains("Der Aufruf ist ungültig"));
}

#[test]
fn backup_then_restore_brings_the_data_back() {
    let dir = with_demo();
    let backup = dir.path().join("sicherung.sqlite");
    cli(&dir).args(["backup", "--out"]).arg(&backup).assert().success();
    // A second demo run is refused: it would mix two datasets.
    let before = json(&dir, &["stats", "--json"]);
    cli(&dir)
        .args(["demo", "--scale", "small", "--seed", "4"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bereits Daten"));
    assert_eq!(json(&dir, &["stats", "--json"]), before, "nothing half-written");

    // Restoring into another (empty) database brings everything over.
    let other = tempfile::tempdir().unwrap();
    cli(&other)
        .arg("restore")
        .arg(&backup)
        .assert()
        .success()
        .stdout(predicate::str::contains("wiederhergestellt"))
        .stderr(predicate::str::contains("Prüfe die Sicherung"))
        .stderr(predicate::str::contains("Sichere den jetzigen Stand: 100 %"))
        .stderr(predicate::str::contains("Übernehme die Sicherung: 100 %"));
    assert_eq!(json(&other, &["stats", "--json"]), before);
    assert_eq!(json(&other, &["list", "schools", "--json"]), json(&dir, &["list", "schools", "--json"]));

    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, "keine Datenbank").unwrap();
    cli(&dir)
        .arg("restore")
        .arg(&junk)
        .assert()
        .failure()
        .stderr(predicate::str::contains("kann nicht wiederhergestellt werden"))
        .stderr(predicate::str::contains("Sichere den jetzigen Stand").not());
    assert_eq!(json(&dir, &["stats", "--json"]), before);
}

#[test]
fn the_database_path_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.sqlite");
    Command::cargo_bin("schulinventar")
        .unwrap()
        .env("SCHULINVENTAR_DB", &path)
        .args(["demo", "--scale", "small"])
        .assert()
        .success();
    assert!(path.exists());
}

#[test]
fn a_newer_database_is_refused() {
    let dir = with_demo();
    let conn = rusqlite::Connection::open(dir.path().join("inventar.sqlite")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    cli(&dir).args(["stats"]).assert().failure().stderr(predicate::str::contains("neueren Version"));
}
