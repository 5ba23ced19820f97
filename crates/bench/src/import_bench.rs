//! The import benchmark: a generated German device CSV imported into a copy of the demo
//! database, next to `sqlite3 .import` of the same file into a bare table; the re-import of the
//! same file (all unchanged), the dry run and a generated XLSX. Each import runs in a child
//! process (`import-child`), so its peak memory (VmHWM) is the import's alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::{AssetFields, AssetStatus, DeviceCategory, DeviceData, Source, Store, UserGroup};
use schulinventar_exchange::import::{run_import, Control, ImportOptions, ImportProgress, Mode};
use schulinventar_exchange::table::{open_table, TableOptions};
use serde_json::{json, Value};

use crate::data::{self, School};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Args, Debug)]
pub struct ImportBenchArgs {
    /// Rows of the generated CSV.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Rows of the generated XLSX (0: no XLSX import).
    #[arg(long, default_value_t = 100_000)]
    xlsx_rows: usize,
    /// Size of the demo database the rows are imported into.
    #[arg(long, default_value = "municipality")]
    scale: Scale,
    /// Keep the generated files and databases here (default: a temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The SQLite command-line shell for the baseline.
    #[arg(long, default_value = "sqlite3")]
    sqlite3: PathBuf,
    /// Also time the parts (about 25 minutes more at 1,000,000 rows): reading the files alone;
    /// the same devices written through the store directly (one transaction; and with a
    /// savepoint per row, as the import does); `sqlite3 .import` into a bare table with the
    /// devices table's indexes; the import without `sqlite_stat4` and with a larger page cache.
    #[arg(long)]
    phases: bool,
}

/// `import-child`: one import, measured inside the child process.
#[derive(Args, Debug)]
pub struct ChildArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long)]
    file: PathBuf,
    #[arg(long)]
    dry_run: bool,
    /// Experiment: page cache of this many MiB instead of the store's 32 MB.
    #[arg(long)]
    cache_mib: Option<i64>,
    /// Experiment: delete the STAT4 samples `PRAGMA optimize` left (statements whose plan may
    /// depend on a bound value are then no longer re-prepared at every new value).
    #[arg(long)]
    drop_stat4: bool,
}

/// Peak resident set size of this process in kB (Linux), from /proc/self/status.
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn child(a: ChildArgs) -> Res<()> {
    let mut store = Store::open(&a.db)?;
    if let Some(mib) = a.cache_mib {
        store.conn().pragma_update(None, "cache_size", -mib * 1024)?;
    }
    if a.drop_stat4 {
        store.conn().execute_batch("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    let options = ImportOptions {
        mode: if a.dry_run { Mode::DryRun } else { Mode::Commit { valid_only: false } },
        ..ImportOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let mut marks: Vec<(u64, f64)> = Vec::new();
    let mut progress = |p: ImportProgress| {
        if p.rows > 0 && p.rows % 100_000 == 0 && marks.last().is_none_or(|m| m.0 != p.rows) {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("    {:>9} rows after {secs:6.1} s", p.rows);
            marks.push((p.rows, secs));
        }
    };
    let report = run_import(&mut store, &a.file, &options, Control { cancel: &cancel, progress: &mut progress })?;
    let secs = started.elapsed().as_secs_f64();
    let first_errors: Vec<String> =
        report.error_rows.iter().take(5).map(|e| format!("Zeile {} {}: {}", e.row, e.column, e.message)).collect();
    let out = json!({
        "secs": secs,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": report.errors,
        "warnings": report.warnings.len(),
        "new_places": report.new_places.len(),
        "committed": report.committed,
        "format": report.file.format,
        "entity": report.entity,
        "first_errors": first_errors,
        "progress": marks,
        "vm_hwm_kb": vm_hwm_kb(),
    });
    println!("{out}");
    Ok(())
}

/// The figures of one child import.
struct Run {
    secs: f64,
    wall: f64,
    v: Value,
}

impl Run {
    fn n(&self, k: &str) -> u64 {
        self.v[k].as_u64().unwrap_or(0)
    }
    fn peak_mb(&self) -> f64 {
        self.n("vm_hwm_kb") as f64 / 1024.0
    }
}

fn run_child(db: &Path, file: &Path, dry_run: bool) -> Res<Run> {
    run_child_with(db, file, if dry_run { &["--dry-run"] } else { &[] })
}

fn run_child_with(db: &Path, file: &Path, extra: &[&str]) -> Res<Run> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("import-child").arg("--db").arg(db).arg("--file").arg(file).args(extra);
    let started = Instant::now();
    let out = cmd.env("SCHULINVENTAR_AUTHOR", "bench").stderr(Stdio::inherit()).output()?;
    let wall = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("import-child failed ({})", out.status).into());
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    let secs = v["secs"].as_f64().unwrap_or(0.0);
    if v["errors"].as_u64().unwrap_or(0) > 0 {
        eprintln!("  ! rows with errors: {}; first: {}", v["errors"], v["first_errors"]);
    }
    Ok(Run { secs, wall, v })
}

/// `sqlite3 DB` with `.import` of the CSV into a bare table of ten TEXT columns (the shell's
/// own CSV reader, `;` as separator, header skipped); returns (seconds, rows in the table).
fn sqlite3_import(sqlite3: &Path, db: &Path, csv: &Path, extra_sql: &str) -> Res<(f64, u64)> {
    use std::io::Write;
    let script = format!(
        "CREATE TABLE bare_devices(inventar_nr TEXT, seriennummer TEXT, schulnummer TEXT, raum TEXT, \
         geraetetyp TEXT, hersteller TEXT, modell TEXT, anschaffungsdatum TEXT, preis TEXT, status TEXT);\n\
         {extra_sql}\n.mode csv\n.separator ;\n.import --skip 1 '{}' bare_devices\n",
        csv.display()
    );
    let started = Instant::now();
    let mut child = Command::new(sqlite3)
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{} cannot be started ({e}); install the Debian package sqlite3", sqlite3.display()))?;
    child.stdin.take().ok_or("no stdin")?.write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(format!("sqlite3 .import failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let count = Command::new(sqlite3).arg(db).arg("SELECT count(*) FROM bare_devices").output()?;
    let rows = String::from_utf8_lossy(&count.stdout).trim().parse().unwrap_or(0);
    Ok((secs, rows))
}

fn sqlite3_version(sqlite3: &Path) -> String {
    Command::new(sqlite3)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap_or("?").to_owned())
        .unwrap_or_else(|_| "?".into())
}

fn fresh_copy(demo: &Path, to: &Path) -> Res<()> {
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", to.display()));
    }
    std::fs::copy(demo, to)?;
    Ok(())
}

fn remove_db(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

fn mb(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}

pub fn run(a: ImportBenchArgs) -> Res<()> {
    let tmp = tempfile::tempdir()?;
    let dir = a.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let demo_db = dir.join(format!("demo-{:?}.sqlite", a.scale).to_lowercase());

    // The demo database every measurement starts from (kept across runs with --dir).
    if !demo_db.exists() {
        let started = Instant::now();
        let mut store = Store::open(&demo_db)?;
        demo::generate(&mut store, a.scale, 1, &mut |_, _| {})?;
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        eprintln!("demo --scale {:?}: {:.1} s", a.scale, started.elapsed().as_secs_f64());
    }
    let schools = {
        let store = Store::open(&demo_db)?;
        let s = data::schools(&store)?;
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        s
    };
    let rooms: usize = schools.iter().map(|s| s.rooms.len()).sum();

    let csv = dir.join(format!("geraete-{}.csv", a.rows));
    let started = Instant::now();
    data::write_csv(&csv, a.rows, &schools)?;
    eprintln!("CSV: {} rows, {:.0} MB, written in {:.1} s", a.rows, mb(&csv), started.elapsed().as_secs_f64());
    let xlsx = dir.join(format!("geraete-{}.xlsx", a.xlsx_rows));
    if a.xlsx_rows > 0 {
        let started = Instant::now();
        data::write_xlsx(&xlsx, a.xlsx_rows, &schools)?;
        eprintln!(
            "XLSX: {} rows, {:.1} MB, written in {:.1} s",
            a.xlsx_rows,
            mb(&xlsx),
            started.elapsed().as_secs_f64()
        );
    }

    // (a) the baseline: sqlite3 .import into a bare table of a fresh copy.
    let db = dir.join("sqlite3-import.sqlite");
    fresh_copy(&demo_db, &db)?;
    eprintln!("sqlite3 .import …");
    let (sqlite_secs, sqlite_rows) = sqlite3_import(&a.sqlite3, &db, &csv, "")?;
    remove_db(&db);

    // (b) the import, (c) the same file again.
    let db = dir.join("import.sqlite");
    fresh_copy(&demo_db, &db)?;
    eprintln!("import (commit) …");
    let commit = run_child(&db, &csv, false)?;
    eprintln!("re-import of the same file …");
    let again = run_child(&db, &csv, false)?;
    let db_size = mb(&db);
    remove_db(&db);

    // (d) the dry run on a fresh copy: everything a commit does, rolled back.
    let db = dir.join("dry-run.sqlite");
    fresh_copy(&demo_db, &db)?;
    eprintln!("dry run …");
    let dry = run_child(&db, &csv, true)?;
    remove_db(&db);

    // (e) the XLSX.
    let xl = if a.xlsx_rows > 0 {
        let db = dir.join("xlsx.sqlite");
        fresh_copy(&demo_db, &db)?;
        eprintln!("XLSX import …");
        let r = run_child(&db, &xlsx, false)?;
        remove_db(&db);
        Some(r)
    } else {
        None
    };

    let phases = if a.phases { Some(phases(&a, &demo_db, &dir, &csv, &schools)?) } else { None };

    println!();
    println!(
        "Import benchmark: {} CSV rows ({:.0} MB) into demo --scale {:?} ({} schools, {rooms} rooms)",
        a.rows,
        mb(&csv),
        a.scale,
        schools.len()
    );
    println!("{:<58} {:>9} {:>11} {:>10}  result", "what", "time", "rows/s", "peak RSS");
    let line = |what: &str, secs: f64, rows: u64, peak: Option<f64>, result: String| {
        let peak = peak.map_or_else(|| "–".to_owned(), |p| format!("{p:.0} MB"));
        println!("{what:<58} {secs:>7.2} s {:>11.0} {peak:>10}  {result}", rows as f64 / secs.max(1e-9));
    };
    line(
        &format!("sqlite3 {} .import, bare table", sqlite3_version(&a.sqlite3)),
        sqlite_secs,
        sqlite_rows,
        None,
        format!("{sqlite_rows} rows"),
    );
    let counts = |r: &Run| {
        format!(
            "{} created, {} updated, {} unchanged, {} errors (process {:.1} s)",
            r.n("created"),
            r.n("updated"),
            r.n("unchanged"),
            r.n("errors"),
            r.wall
        )
    };
    line("run_import CSV, commit", commit.secs, commit.n("rows"), Some(commit.peak_mb()), counts(&commit));
    line("run_import CSV again (all unchanged)", again.secs, again.n("rows"), Some(again.peak_mb()), counts(&again));
    line("run_import CSV, dry run", dry.secs, dry.n("rows"), Some(dry.peak_mb()), counts(&dry));
    if let Some(x) = &xl {
        line(
            &format!("run_import XLSX {} rows, commit", a.xlsx_rows),
            x.secs,
            x.n("rows"),
            Some(x.peak_mb()),
            counts(x),
        );
    }
    if let Some(p) = &phases {
        for (what, secs, rows) in p {
            line(what, *secs, *rows, None, String::new());
        }
    }
    let ratio = commit.secs / sqlite_secs;
    println!("database after the import: {db_size:.0} MB");
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("import / sqlite3 .import = {ratio:.1} ×   (target ≤ 3 ×: {})", verdict(ratio <= 3.0));
    let peak = [&commit, &again, &dry].iter().map(|r| r.peak_mb()).fold(0.0, f64::max);
    println!("peak RSS of the CSV imports = {peak:.0} MB   (target ≤ 500 MB: {})", verdict(peak <= 500.0));
    if let Some(x) = &xl {
        println!(
            "XLSX {} rows = {:.1} s, peak RSS {:.0} MB   (target ≤ 10 s: {})",
            a.xlsx_rows,
            x.secs,
            x.peak_mb(),
            verdict(x.secs <= 10.0)
        );
    }
    for r in [&commit, &again, &dry] {
        if let Some(m) = r.v["progress"].as_array().filter(|m| !m.is_empty()) {
            let marks: Vec<String> = m.iter().map(|p| format!("{:.0}", p[1].as_f64().unwrap_or(0.0))).collect();
            println!("  seconds at every 100,000 rows: {}", marks.join(" "));
        }
    }
    Ok(())
}

/// Where the time goes, without touching the engine: the file read alone, then the same devices
/// written straight through the store (no lookups, no report), once in one go and once with a
/// savepoint per row as the import does.
fn phases(
    a: &ImportBenchArgs,
    demo_db: &Path,
    dir: &Path,
    csv: &Path,
    schools: &[School],
) -> Res<Vec<(String, f64, u64)>> {
    let mut out = Vec::new();
    let xlsx = dir.join(format!("geraete-{}.xlsx", a.xlsx_rows));
    for (what, file) in [("CSV", csv), ("XLSX", xlsx.as_path())] {
        if what == "XLSX" && a.xlsx_rows == 0 {
            continue;
        }
        eprintln!("phase: reading the {what} …");
        let started = Instant::now();
        let table = open_table(file, &TableOptions::default()).map_err(|e| e.message)?;
        let mut n = 0u64;
        for row in table {
            row.map_err(|e| e.message)?;
            n += 1;
        }
        out.push((format!("{what} read into cells only (no database)"), started.elapsed().as_secs_f64(), n));
    }

    for per_row_step in [false, true] {
        let db = dir.join("phase.sqlite");
        fresh_copy(demo_db, &db)?;
        let mut store = Store::open(&db)?;
        eprintln!("phase: store.create, savepoint per row: {per_row_step} …");
        let started = Instant::now();
        let source = Source { kind: "import", file_name: None, sha256: None };
        store.write(Some(source), |w| {
            for i in 0..a.rows {
                let r = data::device_row(i, schools);
                let room = &r.school.rooms[r.room];
                let device = DeviceData {
                    asset: AssetFields {
                        school_id: r.school.id.clone(),
                        building_id: None,
                        room_id: Some(room.0.clone()),
                        inventory_number: Some(r.inventory_number),
                        serial_number: Some(r.serial_number),
                        manufacturer: Some(r.manufacturer.to_owned()),
                        model: Some(r.model.to_owned()),
                        purchase_date: Some(r.purchase_date),
                        price_cents: Some(r.price_cents),
                        warranty_end: None,
                        status: AssetStatus::InUse,
                        notes: None,
                    },
                    category: DeviceCategory::Laptop,
                    user_group: UserGroup::Pupils,
                    os: None,
                };
                if per_row_step {
                    w.attempt(|w| w.create(device))?;
                } else {
                    w.create(device)?;
                }
            }
            Ok(())
        })?;
        let what = if per_row_step {
            "store: create per row, savepoint per row"
        } else {
            "store: create per row, one transaction"
        };
        out.push((what.to_owned(), started.elapsed().as_secs_f64(), a.rows as u64));
        drop(store);
        remove_db(&db);
    }

    // The same bare import, with the indexes the devices table has and the store's page cache:
    // what a row costs SQLite itself once it lands in eight B-trees at random places.
    let db = dir.join("phase.sqlite");
    fresh_copy(demo_db, &db)?;
    eprintln!("phase: sqlite3 .import with indexes …");
    let indexes = "PRAGMA cache_size = -32000;
        CREATE INDEX bare_1 ON bare_devices(schulnummer, anschaffungsdatum);
        CREATE INDEX bare_2 ON bare_devices(schulnummer, inventar_nr);
        CREATE INDEX bare_3 ON bare_devices(inventar_nr);
        CREATE INDEX bare_4 ON bare_devices(anschaffungsdatum);
        CREATE INDEX bare_5 ON bare_devices(raum);
        CREATE UNIQUE INDEX bare_6 ON bare_devices(lower(hersteller), seriennummer);
        CREATE INDEX bare_7 ON bare_devices(seriennummer);";
    let (secs, rows) = sqlite3_import(&a.sqlite3, &db, csv, indexes)?;
    out.push(("sqlite3 .import, bare table + 7 indexes, 32 MB cache".to_owned(), secs, rows));
    remove_db(&db);

    for (what, extra) in [
        ("run_import CSV, commit, without sqlite_stat4", &["--drop-stat4"][..]),
        ("run_import CSV, commit, 512 MiB page cache", &["--cache-mib", "512"][..]),
    ] {
        let db = dir.join("phase.sqlite");
        fresh_copy(demo_db, &db)?;
        eprintln!("phase: {what} …");
        let r = run_child_with(&db, csv, extra)?;
        out.push((format!("{what} (peak {:.0} MB)", r.peak_mb()), r.secs, r.n("rows")));
        remove_db(&db);
    }
    Ok(out)
}
