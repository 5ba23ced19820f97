//! Benchmarks on generated data. Print figures; assert nothing about time.
//!
//! `cargo run --release -p schulinventar-bench -- --scale land` (store: demo, lists, search)
//! `cargo run --release -p schulinventar-bench -- import --rows 1000000` (import)

mod data;
mod import_bench;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::{DeviceData, ListQuery, SchoolData, Store};

#[derive(Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    store: Args,
}

#[derive(Subcommand)]
enum Command {
    /// Import of a generated device CSV and XLSX, next to `sqlite3 .import`.
    Import(import_bench::ImportBenchArgs),
    /// One import in this process (used by `import` to measure its peak memory).
    #[command(hide = true)]
    ImportChild(import_bench::ChildArgs),
}

#[derive(clap::Args)]
struct Args {
    #[arg(long, default_value = "land")]
    scale: Scale,
    /// Reuse (or keep) the database at this path instead of a temporary one.
    #[arg(long)]
    db: Option<PathBuf>,
    #[arg(long, default_value_t = 300)]
    iterations: usize,
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)].as_secs_f64() * 1e3;
    (at(0.5), at(0.95), at(1.0))
}

fn report(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let (p50, p95, max) = percentiles(samples);
    println!("{name:<58} p50 {p50:>7.2} ms  p95 {p95:>7.2} ms  max {max:>7.2} ms  (n={n})");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Import(a)) => import_bench::run(a),
        Some(Command::ImportChild(a)) => import_bench::child(a),
        None => store_bench(cli.store),
    }
}

/// Demo generation, lists and search.
fn store_bench(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let path = args.db.clone().unwrap_or_else(|| tmp.path().join("bench.sqlite"));
    let fresh = !path.exists();
    let mut store = Store::open(&path)?;
    if fresh {
        let started = Instant::now();
        let mut shown = 0;
        let summary = demo::generate(&mut store, args.scale, 1, &mut |done, total| {
            let pct = done * 100 / total.max(1);
            if pct >= shown + 10 {
                shown = pct;
                eprintln!("  demo {pct:>3} % after {:.0} s", started.elapsed().as_secs_f64());
            }
        })?;
        let secs = started.elapsed().as_secs_f64();
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let size = std::fs::metadata(&path)?.len() as f64 / 1e6;
        println!(
            "demo --scale {:?}: {secs:.1} s, {} schools, {} devices, {} access points; database {size:.0} MB",
            args.scale, summary.schools, summary.devices, summary.access_points
        );
    }

    let schools: Vec<String> = {
        let mut ids = Vec::new();
        let mut q = ListQuery { limit: Some(1000), ..Default::default() };
        loop {
            let page = store.list::<SchoolData>(&q)?;
            ids.extend(page.items.into_iter().map(|s| s.id));
            match page.next {
                Some(n) => q.after = Some(n),
                None => break,
            }
        }
        ids
    };
    let n = args.iterations;

    let mut s = Vec::with_capacity(n);
    for i in 0..n {
        let q = ListQuery {
            school_id: Some(schools[(i * 7919) % schools.len()].clone()),
            status: Some("in_use".into()),
            sort: Some("purchase_date".into()),
            descending: true,
            limit: Some(100),
            ..Default::default()
        };
        let t = Instant::now();
        let page = store.list::<DeviceData>(&q)?;
        s.push(t.elapsed());
        assert!(!page.items.is_empty());
    }
    report("devices: first page, school + status filter, by purchase date", s);

    let mut s = Vec::with_capacity(n);
    for i in 0..n {
        let sort = ["inventory_number", "purchase_date", "warranty_end"][i % 3];
        let q = ListQuery { sort: Some(sort.into()), limit: Some(100), ..Default::default() };
        let t = Instant::now();
        store.list::<DeviceData>(&q)?;
        s.push(t.elapsed());
    }
    report("devices: first page, all schools, sorted", s);

    let mut s = Vec::with_capacity(n);
    let mut q = ListQuery { sort: Some("inventory_number".into()), limit: Some(100), ..Default::default() };
    for _ in 0..n {
        let t = Instant::now();
        let page = store.list::<DeviceData>(&q)?;
        s.push(t.elapsed());
        q.after = page.next;
    }
    report("devices: next pages by keyset cursor", s);

    let terms =
        ["brandstrom", "latitude 3540", "ipad", "000100-00042", "Gauß", "aktiv panel", "thinkpad l14", "Serverraum"];
    let mut s = Vec::with_capacity(n);
    for i in 0..n {
        let term = terms[i % terms.len()];
        let t = Instant::now();
        store.search(term, 20)?;
        s.push(t.elapsed());
    }
    report("global search (20 hits per kind)", s);

    let mut s = Vec::with_capacity(n);
    for i in 0..n {
        let q = ListQuery { search: Some(terms[i % terms.len()].into()), limit: Some(100), ..Default::default() };
        let t = Instant::now();
        store.list::<DeviceData>(&q)?;
        s.push(t.elapsed());
    }
    report("devices: first page filtered by search text", s);

    // The funding rules over the whole ledger (issue target: ≤ 2 s at Land scale), and the
    // budget table. Few runs: each is a pass over every inventory item.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let runs = n.clamp(1, 5);
    let mut s = Vec::with_capacity(runs);
    let mut findings = 0;
    for _ in 0..runs {
        let t = Instant::now();
        findings = schulinventar_core::funding::check(store.conn(), today)?.len();
        s.push(t.elapsed());
    }
    report(&format!("funding check, all rules ({findings} findings)"), s);
    let mut s = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        schulinventar_core::funding::budgets(store.conn(), None, None)?;
        s.push(t.elapsed());
    }
    report("funding budgets, every programme, Schulträger and school", s);
    Ok(())
}
