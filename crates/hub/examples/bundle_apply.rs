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
        // When the first operation is looked at, the bundle is read and checked.
        let mut checked = None;
        let (_, report) = schulinventar_sync::bundle::import_with_progress(&mut laptop, &file, &mut |step| {
            if matches!(step, ImportStep::Apply(_)) && checked.is_none() {
                checked = Some(t.elapsed().as_secs_f64());
            }
        })
        .expect("import");
        let (elapsed, cpu) = (t.elapsed().as_secs_f64(), (thread_cpu() - cpu).as_secs_f64());
        let checked = checked.unwrap_or(elapsed);
        println!(
            "run {}: {} operations in {elapsed:.2} s (CPU {cpu:.2} s), {:.2} s per 100,000; \
             reading and checking the bundle {checked:.2} s of it, applying {:.2} s",
            run + 1,
            report.applied,
            elapsed * 100_000.0 / report.applied as f64,
            elapsed - checked
        );
        common::settle(&mut laptop);
        times.push(elapsed);
        drop(laptop);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.2} s", times[times.len() / 2]);
}
