//! Applying a bundle of the whole municipality demo to an empty laptop, several times: the
//! "apply 100,000 operations" figure of the sync benchmark on its own, quick enough to compare
//! builds run in turn.
//!
//! cargo run --release -p schulinventar-hub --example bundle_apply -- [RUNS] [small|municipality]
//!
//! The bundle is written from a freshly generated demo into the temporary directory when it is
//! not there yet, and kept, so later runs (and other builds) apply the same bytes.

use std::path::PathBuf;
use std::time::Instant;

mod common;
use common::thread_cpu;

use schulinventar_core::apply::ApplyProgress;
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::Store;
use schulinventar_sync::bundle::ImportStep;

fn main() {
    let runs: usize = std::env::args().nth(1).map(|r| r.parse().expect("RUNS: a number")).unwrap_or(3);
    let scale = match std::env::args().nth(2).as_deref() {
        Some("small") => Scale::Small,
        None | Some("municipality") => Scale::Municipality,
        Some(other) => panic!("unknown scale {other}: small or municipality"),
    };
    let file: PathBuf = std::env::temp_dir().join(format!("schulinventar-{scale:?}.sibundle").to_lowercase());
    let dir = tempfile::tempdir().expect("temp dir");
    if !file.exists() {
        let mut store = Store::open(&dir.path().join("dept.sqlite")).expect("store");
        demo::generate(&mut store, scale, 1, &mut |_, _| {}).expect("demo");
        let header = schulinventar_sync::bundle::export(&store, &Default::default(), &file).expect("export");
        println!("wrote {} ({} operations)", file.display(), header.ops);
    }
    let mut times = Vec::new();
    for run in 0..runs {
        let mut laptop = Store::open(&dir.path().join(format!("laptop{run}.sqlite"))).expect("store");
        let (t, cpu) = (Instant::now(), thread_cpu());
        // When the first operation is looked at, the bundle is read and checked; when the first
        // row is written, the operations are logged; when the last row is, the rows are written.
        let (mut checked, mut logged, mut rows) = (None, None, None);
        let (_, report) = schulinventar_sync::bundle::import_with_progress(&mut laptop, &file, &mut |step| {
            let now = Some(t.elapsed().as_secs_f64());
            match step {
                ImportStep::Apply(_) if checked.is_none() => checked = now,
                ImportStep::Apply(ApplyProgress::Rows { done: 0, .. }) => logged = now,
                ImportStep::Apply(ApplyProgress::Rows { done, total }) if done == total => rows = now,
                _ => {}
            }
        })
        .expect("import");
        let (elapsed, cpu) = (t.elapsed().as_secs_f64(), (thread_cpu() - cpu).as_secs_f64());
        let checked = checked.unwrap_or(elapsed);
        let logged = logged.unwrap_or(checked);
        let rows = rows.unwrap_or(logged);
        println!(
            "run {}: {} operations in {elapsed:.2} s (CPU {cpu:.2} s), {:.2} s per 100,000; \
             reading and checking the bundle {checked:.2} s of it, logging the operations {:.2} s, \
             writing the rows {:.2} s, the rest (indexes, search, commit) {:.2} s",
            run + 1,
            report.applied,
            elapsed * 100_000.0 / report.applied as f64,
            logged - checked,
            rows - logged,
            elapsed - rows
        );
        common::settle(&mut laptop);
        times.push(elapsed);
        drop(laptop);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.2} s", times[times.len() / 2]);
}
