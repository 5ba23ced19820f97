//! A sync run works on a store of its own: while it waits for the hub, the app's store answers
//! reads and takes writes, and a second sync is refused instead of queued behind the first.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use schulinventar_app::sync::{run_sync, BundleStep, SyncStep};
use schulinventar_app::AppState;
use schulinventar_core::{Land, ListQuery, SchoolAuthorityData};
use schulinventar_sync::client::{self, SyncProgress};

const HUB_NODE: &str = "00000000000000000000000000000abc";

/// Guards against a hang when the feature breaks; no test waits this long when it works.
const GIVE_UP: Duration = Duration::from_secs(60);

/// A hub that answers enrolment and health at once and holds every pull until told to answer
/// (it reports each pull that arrives on `pulls`).
fn holding_hub(pulls: Sender<()>, release: Receiver<()>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let release = Arc::new(Mutex::new(release));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let (pulls, release) = (pulls.clone(), release.clone());
            thread::spawn(move || answer(stream.unwrap(), &pulls, &release));
        }
    });
    url
}

fn answer(mut stream: TcpStream, pulls: &Sender<()>, release: &Mutex<Receiver<()>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let json = if path.starts_with("/v1/enroll") {
        serde_json::json!({"token": "t", "hub_node": HUB_NODE, "device_id": 1, "role": "department", "schools": []})
    } else if path.starts_with("/v1/health") {
        serde_json::json!({"status": "ok", "hub_node": HUB_NODE})
    } else if path.starts_with("/v1/pull") {
        pulls.send(()).unwrap();
        release.lock().unwrap().recv_timeout(GIVE_UP).unwrap();
        serde_json::json!({"ops": [], "next": 0, "more": false})
    } else {
        panic!("unexpected request {request_line}");
    };
    let body = json.to_string();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

fn authority() -> SchoolAuthorityData {
    SchoolAuthorityData { name: "Stadt Beispielstadt".into(), land: Land::Nw, ags: None, authority_number: None }
}

/// Runs `job` on a thread of its own and returns its result, or fails if it does not finish.
fn finishes<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(job()).unwrap());
    rx.recv_timeout(GIVE_UP).expect("the job waited for the running sync")
}

#[test]
fn the_store_serves_commands_while_a_sync_waits_for_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(dir.path().join("db.sqlite"));
    let (pulls_tx, pulls) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let url = holding_hub(pulls_tx, release_rx);
    state.with_store_mut(|s| client::enroll(s, &url, "code", "Laptop").map(|_| ())).unwrap();

    let syncing = state.clone();
    let sync = thread::spawn(move || run_sync(&syncing, &mut |_| {}));
    pulls.recv_timeout(GIVE_UP).expect("the sync asks the hub for operations");

    // The sync now waits for the hub's answer.
    let reader = state.clone();
    let schools = finishes(move || reader.with_store(|s| s.list_schools(&ListQuery::default())).unwrap());
    assert!(schools.items.is_empty());
    let writer = state.clone();
    finishes(move || writer.with_store_mut(|s| s.create(authority())).unwrap());
    let second = state.clone();
    let refused = finishes(move || run_sync(&second, &mut |_| {})).unwrap_err();
    assert_eq!(refused.code, "busy", "{}", refused.message);

    release.send(()).unwrap();
    let run = sync.join().unwrap().unwrap();
    assert_eq!((run.pushed, run.pulled), (0, 0));
    assert_eq!(run.status.pending, 1, "the change made during the sync waits for the next one");
    assert!(run.status.last_sync.is_some());
}

#[test]
fn progress_reaches_the_window_as_counts_and_whole_percent() {
    let push = SyncStep::from(SyncProgress::Push { sent: 500, total: 1_200 });
    assert_eq!(push, SyncStep::Push { sent: 500, total: 1_200 });
    let step = |done, total| SyncStep::from(SyncProgress::Pull { received: 40, done, total });
    assert_eq!(step(333, Some(1_000)), SyncStep::Pull { received: 40, percent: Some(33) });
    assert_eq!(step(1_000, Some(1_000)), SyncStep::Pull { received: 40, percent: Some(100) });
    // Nothing on the hub to cover: done. More than reported (the hub grew): at most all.
    assert_eq!(step(0, Some(0)), SyncStep::Pull { received: 40, percent: Some(100) });
    assert_eq!(step(1_500, Some(1_000)), SyncStep::Pull { received: 40, percent: Some(100) });
    // A hub that does not tell: no percentage.
    assert_eq!(step(10, None), SyncStep::Pull { received: 40, percent: None });
    let json = serde_json::to_value(step(500, Some(1_000))).unwrap();
    assert_eq!(json, serde_json::json!({"stage": "pull", "received": 40, "percent": 50}));
}

#[test]
fn a_bundle_import_reaches_the_window_as_the_check_then_changes_and_entries() {
    use schulinventar_core::apply::ApplyProgress;
    use schulinventar_sync::bundle::ImportStep;
    assert_eq!(BundleStep::from(ImportStep::Check), BundleStep::Check);
    let log = BundleStep::from(ImportStep::Apply(ApplyProgress::Log { done: 1_000, total: 2_102 }));
    assert_eq!(log, BundleStep::Changes { done: 1_000, total: 2_102 });
    let rows = BundleStep::from(ImportStep::Apply(ApplyProgress::Rows { done: 2_000, total: 2_102 }));
    assert_eq!(rows, BundleStep::Entries { done: 2_000, total: 2_102 });
    assert_eq!(serde_json::to_value(BundleStep::Check).unwrap(), serde_json::json!({"stage": "check"}));
    assert_eq!(
        serde_json::to_value(rows).unwrap(),
        serde_json::json!({"stage": "entries", "done": 2_000, "total": 2_102})
    );
}

#[test]
fn a_large_import_answers_before_its_last_checkpoint_which_then_fills_the_database_file() {
    use schulinventar_core::demo::{self, Scale};
    use schulinventar_core::Store;
    use schulinventar_sync::bundle;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schulen.sibundle");
    {
        let mut origin = Store::open(&dir.path().join("origin.sqlite")).unwrap();
        demo::generate(&mut origin, Scale::Small, 1, &mut |_, _| {}).unwrap();
        let header = bundle::export(&origin, &Default::default(), &file).unwrap();
        assert!(header.ops > schulinventar_sync::PAGE, "{} operations: more than a page", header.ops);
    }
    let path = dir.path().join("db.sqlite");
    let state = AppState::new(path.clone());
    let applied =
        state.with_sync_store(|s| bundle::import(s, &file).map(|(_, r)| r.applied)).unwrap().expect("no sync running");
    let devices: i64 =
        state.with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM devices", [], |r| r.get(0))?)).unwrap();
    assert_eq!(devices, 3 * 120, "all devices readable as soon as the import answers");
    assert!(applied > schulinventar_sync::PAGE);
    // The last checkpoint goes on beside; then every page is in the database file.
    let (pages, page): (u64, u64) = state
        .with_store(|s| {
            let c = s.conn();
            Ok((
                c.pragma_query_value(None, "page_count", |r| r.get(0))?,
                c.pragma_query_value(None, "page_size", |r| r.get(0))?,
            ))
        })
        .unwrap();
    let in_file = || std::fs::metadata(&path).unwrap().len();
    let started = std::time::Instant::now();
    while in_file() < pages * page && started.elapsed() < GIVE_UP {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(in_file(), pages * page, "every page copied into the database file");
}
