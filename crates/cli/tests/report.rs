//! `report` and `export` against a demo database: the files read back with calamine and the
//! csv crate, the Verwendungsnachweis agrees with `funding status`, and wrong calls exit with 2.

use assert_cmd::Command;
use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const BASIS: &str = "programme-digitalpakt-basis";

fn cli(dir: &TempDir) -> Command {
    let mut c = Command::cargo_bin("schulinventar").unwrap();
    c.arg("--db").arg(dir.path().join("inventar.sqlite"));
    c.env_remove("SCHULINVENTAR_DB");
    c
}

fn with_demo() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    cli(&dir).args(["demo", "--scale", "small", "--seed", "5"]).assert().success();
    dir
}

fn out(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

#[test]
fn the_verwendungsnachweis_workbook_agrees_with_funding_status() {
    let dir = with_demo();
    let file = out(&dir, "vn.xlsx");
    cli(&dir)
        .args(["report", "verwendungsnachweis", "--programme", BASIS, "--format", "xlsx", "--out", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("vn.xlsx"));
    let status: Value = serde_json::from_slice(
        &cli(&dir).args(["funding", "status", "--programme", BASIS, "--json"]).assert().success().get_output().stdout,
    )
    .unwrap();
    let budget = status["budgets"].as_array().unwrap().iter().find(|b| b["school_id"].is_null()).unwrap();
    let spent = budget["spent_cents"].as_i64().unwrap() as f64 / 100.0;
    let federal = budget["federal_cents"].as_i64().unwrap() as f64 / 100.0;

    let mut wb: Xlsx<_> = open_workbook(&file).unwrap();
    let statement = wb.worksheet_range("Zahlenmäßiger Nachweis").unwrap();
    let totals = statement.rows().next_back().unwrap();
    assert_eq!(totals[0], Data::String("Summe".into()));
    assert!((totals[2].as_f64().unwrap() - spent).abs() < 0.005, "{:?} vs {spent}", totals[2]);
    assert!((totals[3].as_f64().unwrap() - federal).abs() < 0.005);
    // Every invoice of the list is a row of the Belegliste, and they add up to the same total.
    let list = wb.worksheet_range("Belegliste").unwrap();
    let sum: f64 = list.rows().skip(1).take(list.height() - 2).map(|r| r[7].as_f64().unwrap()).sum();
    assert!((sum - spent).abs() < 0.005, "{sum} vs {spent}");
    assert!(wb.worksheet_range("Inventarliste").unwrap().height() > 1, "items tied to invoices are listed");
}

#[test]
fn inventory_kpi_and_lifecycle_reports_write_workbooks_and_csv_files() {
    let dir = with_demo();
    let school: Value = serde_json::from_slice(
        &cli(&dir).args(["list", "schools", "--json", "--limit", "1"]).assert().success().get_output().stdout,
    )
    .unwrap();
    let number = school[0]["school_number"].as_str().unwrap().to_owned();
    let file = out(&dir, "inventar.xlsx");
    cli(&dir).args(["report", "inventory", "--school", &number, "--format", "xlsx", "--out", &file]).assert().success();
    let mut wb: Xlsx<_> = open_workbook(&file).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Übersicht", "Geräte", "Access Points", "Präsentationstechnik", "Leitungen"]);
    let devices = wb.worksheet_range("Geräte").unwrap();
    assert!(devices.height() > 2);
    assert!(devices.rows().skip(1).take(devices.height() - 2).all(|r| r[0] == Data::String(number.clone())));

    let kpi = out(&dir, "kennzahlen.csv");
    cli(&dir)
        .args(["report", "kpi", "--format", "csv", "--plain", "--out", &kpi])
        .assert()
        .success()
        .stdout(predicate::str::contains("kennzahlen-kennzahlen.csv"));
    let mut reader = csv::Reader::from_path(dir.path().join("kennzahlen-kennzahlen.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Schulnummer");
    assert!(headers.iter().any(|h| h == "Geräte je Schüler"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3, "one row per school of the small demo");
    let social: Vec<i64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(social.windows(2).all(|w| w[0] >= w[1]), "ordered by Sozialindex: {social:?}");

    let life = out(&dir, "lebenszyklus.xlsx");
    cli(&dir).args(["report", "lifecycle", "--months", "24", "--format", "xlsx", "--out", &life]).assert().success();
    let mut wb: Xlsx<_> = open_workbook(&life).unwrap();
    let per_school = wb.worksheet_range("Je Schule").unwrap();
    let items = wb.worksheet_range("Ersatz").unwrap();
    let total = per_school.rows().next_back().unwrap();
    assert_eq!(total[1].as_f64().unwrap() as usize, items.height() - 1, "the summary counts every listed item");
}

#[test]
fn every_report_renders_as_a_pdf_with_its_totals() {
    let dir = with_demo();
    let file = out(&dir, "vn.pdf");
    let assert = cli(&dir)
        .args(["report", "verwendungsnachweis", "--programme", BASIS, "--format", "pdf", "--out", &file])
        .assert()
        .success();
    // Progress on stderr: each piece once, counted up (the small demo's fits one piece, which
    // is not counted), then the numbering.
    let progress = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let pieces: Vec<&str> = progress.lines().filter(|l| l.starts_with("PDF: Teil ")).collect();
    for (k, line) in pieces.iter().enumerate() {
        assert_eq!(*line, format!("PDF: Teil {} von {} gesetzt …", k + 1, pieces.len()));
    }
    assert!(progress.ends_with("PDF: Seiten werden nummeriert …\n"), "{progress}");
    let text = std::process::Command::new("pdftotext").args(["-layout", &file, "-"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let status: Value = serde_json::from_slice(
        &cli(&dir).args(["funding", "status", "--programme", BASIS, "--json"]).assert().success().get_output().stdout,
    )
    .unwrap();
    let budget = status["budgets"].as_array().unwrap().iter().find(|b| b["school_id"].is_null()).unwrap();
    let spent = budget["spent_cents"].as_i64().unwrap();
    let euros = format!("{},{:02} €", group(spent / 100), spent % 100);
    assert!(text.contains("Zahlenmäßiger Nachweis") && text.contains("Belegliste") && text.contains("Erklärungen"));
    assert!(text.contains(&euros), "the total {euros} is in the PDF");
    let list = |entity: &str| -> Vec<Value> {
        let out = cli(&dir).args(["list", entity, "--json"]).assert().success().get_output().stdout.clone();
        serde_json::from_slice::<Value>(&out).unwrap().as_array().unwrap().clone()
    };
    let basis: std::collections::HashSet<String> = list("invoice-lines")
        .iter()
        .filter(|l| l["programme_id"] == BASIS)
        .map(|l| l["invoice_id"].as_str().unwrap().to_owned())
        .collect();
    let numbers: Vec<String> = list("invoices")
        .iter()
        .filter(|i| basis.contains(i["id"].as_str().unwrap()))
        .map(|i| i["invoice_number"].as_str().unwrap().to_owned())
        .collect();
    assert!(!numbers.is_empty());
    for number in &numbers {
        assert!(text.contains(number.as_str()), "invoice {number} of the programme is listed");
    }
    for kind in ["inventory", "kpi", "lifecycle"] {
        let file = out(&dir, &format!("{kind}.pdf"));
        cli(&dir).args(["report", kind, "--format", "pdf", "--out", &file]).assert().success();
        assert!(std::fs::read(&file).unwrap().starts_with(b"%PDF-"), "{kind}");
    }
}

/// 1234567 → "1.234.567"
fn group(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

#[test]
fn exports_filter_and_wrong_calls_exit_with_2() {
    let dir = with_demo();
    let file = out(&dir, "raeume.xlsx");
    cli(&dir)
        .args(["export", "rooms", "--format", "xlsx", "--out", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("Zeilen nach"));
    let mut wb: Xlsx<_> = open_workbook(&file).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Räume"]);
    assert!(wb.worksheet_range("Räume").unwrap().height() > 10);

    for args in [
        vec!["export", "raumschiffe", "--format", "csv", "--out", "x.csv"],
        vec!["export", "rooms", "--format", "pdf", "--out", "x.pdf"],
        vec!["report", "verwendungsnachweis", "--format", "xlsx", "--out", "x.xlsx"],
        vec!["report", "kpi", "--format", "docx", "--out", "x.docx"],
    ] {
        cli(&dir).args(&args).assert().code(2).stderr(predicate::str::starts_with("Fehler"));
    }
    assert!(!dir.path().join("x.csv").exists() && !dir.path().join("x.xlsx").exists());
    // An unknown programme is an error of the data, not of the call.
    cli(&dir)
        .args(["report", "verwendungsnachweis", "--programme", "gibt-es-nicht", "--format", "xlsx", "--out", &file])
        .assert()
        .code(1);
}
