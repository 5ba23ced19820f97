//! Sync figures over loopback: a department laptop with the demo data pushes everything to a
//! fresh hub, an empty laptop pulls it all (initial sync), then 100 changes travel the same way
//! (incremental sync); then a bundle of everything is written and applied to an empty laptop,
//! and the hub collects 1,000 deleted devices.
//!
//! cargo run --release -p schulinventar-hub --example sync_bench -- [small|municipality]

use std::time::Instant;

mod common;
use common::thread_cpu;

use schulinventar_core::demo::{self, Scale};
use schulinventar_core::{DeviceData, Store};
use schulinventar_hub::{spawn, HubStorage, SqliteStorage};
use schulinventar_sync::client;
use schulinventar_sync::protocol::{Role, PAGE};

fn enrolled(dir: &std::path::Path, url: &str, name: &str) -> Store {
    let mut hub = SqliteStorage::open(&dir.join("hub")).expect("hub storage");
    let code = hub.create_enrolment(Role::Department, &[], 1).expect("code").code;
    let mut store = Store::open(&dir.join(format!("{name}.sqlite"))).expect("store");
    client::enroll(&mut store, url, &code, name).expect("enrol");
    store
}

fn main() {
    let scale = match std::env::args().nth(1).as_deref() {
        None | Some("small") => Scale::Small,
        Some("municipality") => Scale::Municipality,
        Some(other) => panic!("unknown scale {other}: small or municipality"),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = spawn(&dir.path().join("hub"), "127.0.0.1:0").expect("hub");
    let url = hub.url();

    let mut dept = enrolled(dir.path(), &url, "dept");
    let t = Instant::now();
    demo::generate(&mut dept, scale, 1, &mut |_, _| {}).expect("demo");
    let devices: i64 = dept.conn().query_row("SELECT count(*) FROM devices", [], |r| r.get(0)).expect("count");
    let ops: i64 = dept.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).expect("count");
    println!("demo {scale:?}: {devices} devices, {ops} operations in {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let r = client::sync(&mut dept, None, PAGE).expect("push");
    println!(
        "initial push laptop -> hub: {} operations in {} pages, {:.2} s",
        r.pushed,
        r.push_pages,
        t.elapsed().as_secs_f64()
    );

    let mut laptop = enrolled(dir.path(), &url, "laptop");
    let t = Instant::now();
    let r = client::sync(&mut laptop, None, PAGE).expect("pull");
    println!(
        "initial sync hub -> empty laptop: {} operations in {} pages, {:.2} s",
        r.pulled,
        r.pull_pages,
        t.elapsed().as_secs_f64()
    );
    common::settle(&mut laptop);
    assert_eq!(
        schulinventar_sync::digest(&dept).expect("digest"),
        schulinventar_sync::digest(&laptop).expect("digest")
    );
    let size = |suffix: &str| {
        let file = format!("{}{suffix}", laptop.path().display());
        std::fs::metadata(file).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
    };
    println!("laptop after the initial sync: database {:.1} MB, WAL file {:.1} MB", size(""), size("-wal"));

    // 100 changes on the department laptop.
    let ids: Vec<String> = {
        let mut stmt = dept.conn().prepare("SELECT id FROM devices ORDER BY id LIMIT 100").expect("sql");
        let rows = stmt.query_map([], |r| r.get(0)).expect("sql");
        rows.collect::<Result<_, _>>().expect("ids")
    };
    dept.write(None, |w| {
        for id in &ids {
            let mut d = w.get::<DeviceData>(id)?.data;
            d.asset.notes = Some("Inventur 2026 geprüft".into());
            w.update(id, d)?;
        }
        Ok(())
    })
    .expect("edits");
    let t = Instant::now();
    let r = client::sync(&mut dept, None, PAGE).expect("push");
    let push = t.elapsed();
    let t = Instant::now();
    let r2 = client::sync(&mut laptop, None, PAGE).expect("pull");
    println!(
        "incremental: push {} changes {:.0} ms, pull {} changes {:.0} ms",
        r.pushed,
        push.as_secs_f64() * 1000.0,
        r2.pulled,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let r = client::sync(&mut laptop, None, PAGE).expect("no-op");
    assert_eq!((r.pushed, r.pulled), (0, 0));
    println!("sync with nothing to do: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    let t = Instant::now();
    let open = schulinventar_sync::conflicts::list(&laptop).expect("conflicts").len();
    println!("listing all conflicts ({open}), a full scan of the log: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);

    let size: u64 = ["hub.sqlite", "hub.sqlite-wal"]
        .iter()
        .map(|f| std::fs::metadata(dir.path().join("hub").join(f)).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!("hub database: {:.1} MB", size as f64 / 1e6);

    // A USB bundle of everything, and applying it to an empty laptop in one transaction.
    let file = dir.path().join("all.sibundle");
    let t = Instant::now();
    let header = schulinventar_sync::bundle::export(&dept, &Default::default(), &file).expect("export");
    let bytes = std::fs::metadata(&file).expect("bundle").len();
    println!(
        "bundle of everything: {} operations, {:.1} MB, written in {:.2} s",
        header.ops,
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let mut usb = Store::open(&dir.path().join("usb.sqlite")).expect("store");
    let (t, cpu) = (Instant::now(), thread_cpu());
    let (_, report) = schulinventar_sync::bundle::import(&mut usb, &file).expect("import");
    println!(
        "applying the bundle to an empty laptop: {} operations in {:.2} s (CPU {:.2} s)",
        report.applied,
        t.elapsed().as_secs_f64(),
        (thread_cpu() - cpu).as_secs_f64()
    );
    common::settle(&mut usb);

    // Garbage collection: 1,000 devices deleted and acknowledged by both laptops, then purged.
    let gone: Vec<String> = {
        let mut stmt = dept
            .conn()
            .prepare(
                "SELECT id FROM devices d WHERE NOT EXISTS (SELECT 1 FROM loans WHERE device_id = d.id)
                   AND NOT EXISTS (SELECT 1 FROM invoice_items WHERE item_id = d.id) ORDER BY id DESC LIMIT 1000",
            )
            .expect("sql");
        let rows = stmt.query_map([], |r| r.get(0)).expect("sql");
        rows.collect::<Result<_, _>>().expect("ids")
    };
    dept.write(None, |w| gone.iter().try_for_each(|id| w.delete::<DeviceData>(id))).expect("deletes");
    for _ in 0..2 {
        client::sync(&mut dept, None, PAGE).expect("sync");
        client::sync(&mut laptop, None, PAGE).expect("sync");
    }
    let mut storage = SqliteStorage::open(&dir.path().join("hub")).expect("hub storage");
    let t = Instant::now();
    let gc = storage.gc(0, chrono::Utc::now() + chrono::Duration::seconds(1)).expect("gc");
    println!("hub gc: {} rows purged ({} operations) in {:.2} s", gc.purged, gc.ops_removed, t.elapsed().as_secs_f64());
    drop(storage);
    let t = Instant::now();
    let r = client::sync(&mut laptop, None, PAGE).expect("purge");
    println!("laptop applies {} purges in {:.0} ms", r.purged, t.elapsed().as_secs_f64() * 1000.0);
}
