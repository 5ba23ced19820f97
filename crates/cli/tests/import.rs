//! `schulinventar import`, `reconcile`, `import-history` and `import-profiles`: the command-line
//! contract scripts depend on (flags, JSON field names, exit codes).

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name).to_string_lossy().into_owned()
}

fn cli(dir: &TempDir) -> Command {
    let mut c = Command::cargo_bin("schulinventar").unwrap();
    c.arg("--db").arg(dir.path().join("inventar.sqlite"));
    c.env_remove("SCHULINVENTAR_DB");
    c.env("SCHULINVENTAR_AUTHOR", "pruefer");
    c
}

fn parse(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn with_schools() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(&dir).args(["import", &fixture("schulen_nrw_format.csv"), "--json"]).assert().success();
    let v = parse(&out.get_output().stdout);
    assert_eq!(v["created"], 6);
    dir
}

#[test]
fn import_json_contract_and_exit_codes() {
    let dir = with_schools();
    let file = fixture("geraeteliste_beispielstadt.xlsx");
    // Errors and nothing committed: non-zero exit, the JSON still printed.
    let out = cli(&dir).args(["import", &file, "--entity", "inventory", "--json"]).assert().code(1);
    let v = parse(&out.get_output().stdout);
    for key in ["created", "updated", "unchanged", "errors"] {
        assert!(v[key].is_u64(), "{key} is a number: {v}");
    }
    assert_eq!((v["created"].as_u64(), v["errors"].as_u64()), (Some(500), Some(3)));
    assert_eq!(v["committed"], false);
    let errors = v["error_rows"].as_array().unwrap();
    assert_eq!(errors.len(), 9, "every error of every bad row: 3 + 2 + 4");
    for e in errors {
        for key in ["row", "column", "value", "code", "message"] {
            assert!(!e[key].is_null(), "{key} in {e}");
        }
    }
    assert_eq!(errors[0]["row"], 505);
    assert!(errors.iter().any(|e| e["row"] == 507 && e["value"] == "Toaster" && e["column"] == "Gerätetyp"));
    let by_entity = v["by_entity"].as_object().unwrap();
    assert_eq!(
        by_entity["device"]["created"].as_u64().unwrap()
            + by_entity["presentation_hardware"]["created"].as_u64().unwrap(),
        500
    );
    let stats = parse(&cli(&dir).args(["stats", "--json"]).assert().success().get_output().stdout);
    assert_eq!(stats["devices"], 0, "nothing committed");

    // Dry run with errors: also non-zero, nothing committed.
    cli(&dir).args(["import", &file, "--dry-run"]).assert().code(1).stdout(predicate::str::contains("Probelauf"));

    // --valid-only commits the valid rows: exit 0.
    let errors_xlsx = dir.path().join("fehler.xlsx");
    let out = cli(&dir)
        .args(["import", &file, "--valid-only", "--errors", errors_xlsx.to_str().unwrap(), "--json"])
        .assert()
        .success();
    let v = parse(&out.get_output().stdout);
    assert_eq!((v["created"].as_u64(), v["committed"].as_bool()), (Some(500), Some(true)));
    assert!(std::fs::metadata(&errors_xlsx).unwrap().len() > 1000, "error workbook written");

    // Re-import: nothing changes.
    let out = cli(&dir).args(["import", &file, "--valid-only", "--json"]).assert().success();
    let v = parse(&out.get_output().stdout);
    assert_eq!((v["created"].as_u64(), v["updated"].as_u64(), v["unchanged"].as_u64()), (Some(0), Some(0), Some(500)));

    let history = parse(&cli(&dir).args(["import-history", "--json"]).assert().success().get_output().stdout);
    let runs = history.as_array().unwrap();
    assert_eq!(runs.len(), 3, "schools, devices, devices again");
    assert_eq!(runs[0]["author"], "pruefer");
    assert_eq!(runs[0]["file_name"], "geraeteliste_beispielstadt.xlsx");
    assert_eq!(runs[0]["unchanged"], 500);
    cli(&dir)
        .arg("import-history")
        .assert()
        .success()
        .stdout(predicate::str::contains("geraeteliste_beispielstadt.xlsx"));
}

#[test]
fn human_output_is_german_and_names_rows_and_columns() {
    let dir = with_schools();
    cli(&dir)
        .args(["import", &fixture("accesspoints_cp1252.csv"), "--dry-run"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Kopfzeile: Zeile 1"))
        .stdout(predicate::str::contains("Fehler Zeile 122, Spalte „MAC-Adresse“ („zz:zz:zz:zz:zz:zz“)"))
        .stdout(predicate::str::contains("121 Zeilen: 120 neu, 0 geändert, 0 unverändert, 1 mit Fehlern."))
        .stdout(predicate::str::contains("Neu anzulegen"));
}

#[test]
fn profiles_are_saved_and_reused() {
    let dir = with_schools();
    let file = dir.path().join("farben.csv");
    std::fs::write(&file, "Inv.Nr;Schulnr;Art;Lieblingsfarbe\nF-1;162437;Laptop;blau\n").unwrap();
    let f = file.to_str().unwrap();
    cli(&dir)
        .args(["import", f, "--dry-run", "--map", "Lieblingsfarbe=notes", "--save-profile", "Farbliste", "--json"])
        .assert()
        .success();
    let profiles = parse(&cli(&dir).args(["import-profiles", "--json"]).assert().success().get_output().stdout);
    assert_eq!(profiles[0]["name"], "Farbliste");
    assert_eq!(profiles[0]["columns"]["lieblingsfarbe"], "notes");
    let out = cli(&dir).args(["import", f, "--profile", "Farbliste", "--json"]).assert().success();
    let v = parse(&out.get_output().stdout);
    assert_eq!(v["created"], 1);
    assert_eq!(v["unmapped_columns"].as_array().unwrap().len(), 0);
    let list = parse(&cli(&dir).args(["list", "devices", "--json"]).assert().success().get_output().stdout);
    assert_eq!(list[0]["notes"], "blau");
}

#[test]
fn usage_errors_exit_2_and_bad_files_exit_1() {
    let dir = with_schools();
    cli(&dir)
        .args(["import", &fixture("accesspoints_cp1252.csv"), "--key", "farbe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Unbekannter Schlüssel"));
    cli(&dir)
        .args(["import", &fixture("accesspoints_cp1252.csv"), "--entity", "toaster"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Unbekannte Art"));
    let pdf = dir.path().join("liste.xlsx");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    cli(&dir)
        .args(["import", pdf.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("keine lesbare Tabellendatei"));
}

#[test]
fn reconcile_json_contract_and_report() {
    let dir = with_schools();
    let file = fixture("geraeteliste_beispielstadt.xlsx");
    cli(&dir).args(["import", &file, "--valid-only"]).assert().success();
    let sheet = dir.path().join("pruefung.csv");
    std::fs::write(
        &sheet,
        "Inventar-Nr.;Schulnummer;Gerätetyp;Preis (brutto)\nINV-00001;020374;Beamer;3046,73\nINV-00003;020374;Beamer;1,00\nNEU-1;020374;Laptop;5\n",
    )
    .unwrap();
    let report = dir.path().join("abgleich.xlsx");
    let out = cli(&dir)
        .args(["reconcile", sheet.to_str().unwrap(), "--out", report.to_str().unwrap(), "--json"])
        .assert()
        .success();
    let v = parse(&out.get_output().stdout);
    assert_eq!(v["only_in_sheet"], 1);
    assert_eq!(v["different"], 1);
    assert_eq!(v["identical"], 1);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["only_in_inventory"], 498);
    assert!(report.exists());
    let out = cli(&dir)
        .args([
            "reconcile",
            sheet.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
            "--sheet-schools-only",
            "--json",
        ])
        .assert()
        .success();
    let limited = parse(&out.get_output().stdout);
    let in_school = parse(
        &cli(&dir).args(["list", "devices", "--school", "020374", "--json"]).assert().success().get_output().stdout,
    )
    .as_array()
    .unwrap()
    .len()
        + parse(
            &cli(&dir)
                .args(["list", "presentation-hardware", "--school", "020374", "--json"])
                .assert()
                .success()
                .get_output()
                .stdout,
        )
        .as_array()
        .unwrap()
        .len();
    assert_eq!(limited["only_in_inventory"].as_u64().unwrap() as usize, in_school - 2);
    let stats = parse(&cli(&dir).args(["stats", "--json"]).assert().success().get_output().stdout);
    assert_eq!(
        stats["devices"].as_u64().unwrap() + stats["presentation_hardware"].as_u64().unwrap(),
        500,
        "reconciling changed nothing"
    );
}

#[test]
fn funding_status_and_check_on_the_imported_invoices() {
    let dir = with_schools();
    cli(&dir).args(["import", &fixture("geraeteliste_beispielstadt.xlsx"), "--valid-only"]).assert().success();
    let out = cli(&dir).args(["import", &fixture("rechnungen_digitalpakt.xlsx"), "--json"]).assert().success();
    assert_eq!(parse(&out.get_output().stdout)["created"], 80);
    let status = parse(
        &cli(&dir)
            .args(["funding", "status", "--programme", "programme-digitalpakt-basis", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let budgets = status["budgets"].as_array().unwrap();
    let total = budgets.iter().find(|b| b["school_id"].is_null()).unwrap();
    let per_school: i64 =
        budgets.iter().filter(|b| !b["school_id"].is_null()).map(|b| b["spent_cents"].as_i64().unwrap()).sum();
    assert_eq!(total["spent_cents"].as_i64().unwrap(), per_school, "the schools add up to the Schulträger");
    let parts = ["federal_cents", "land_cents", "own_cents", "third_party_cents"]
        .iter()
        .map(|k| total[k].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(parts, total["spent_cents"].as_i64().unwrap(), "the money sources add up to the cent");

    // The fixture's invoices break rules (dates outside the period, categories, the mobile cap): exit 1.
    let out = cli(&dir).args(["funding", "check", "--json"]).assert().code(1);
    let v = parse(&out.get_output().stdout);
    assert!(v["violations"].as_u64().unwrap() > 0);
    let codes: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    for code in ["invoice_outside_period", "category_not_fundable", "mobile_cap_exceeded", "items_without_invoice"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    cli(&dir).args(["funding", "check"]).assert().code(1).stdout(predicate::str::contains("VERSTOSS"));
    // An empty inventory breaks no rule.
    let empty = tempfile::tempdir().unwrap();
    let out = cli(&empty).args(["funding", "check", "--json"]).assert().success();
    assert_eq!(parse(&out.get_output().stdout)["violations"], 0);
}
