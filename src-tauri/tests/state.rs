//! The shared store opens (and creates) the database lazily and serves commands from any thread.

use schulinventar_app::AppState;
use schulinventar_core::ListQuery;

#[test]
fn first_use_creates_the_database_and_lists_no_schools() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("neu").join("schulinventar.sqlite");
    let state = AppState::new(db.clone());
    assert!(!db.exists());

    let page = state.with_store(|store| store.list_schools(&ListQuery::default())).unwrap();

    assert!(db.exists(), "the database file is created on first use");
    assert!(page.items.is_empty());
    assert!(page.next.is_none());
}

#[test]
fn store_is_usable_from_another_thread() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(dir.path().join("db.sqlite"));
    let worker = state.clone();
    let count = std::thread::spawn(move || {
        worker.with_store(|store| store.list_schools(&ListQuery::default())).map(|page| page.items.len())
    })
    .join()
    .unwrap()
    .unwrap();
    assert_eq!(count, 0);
}

#[test]
fn the_status_tells_opening_ready_and_failed_without_waiting_for_the_store() {
    use schulinventar_app::OpenState;
    use std::sync::mpsc;

    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(dir.path().join("db.sqlite"));
    let status = state.database_status();
    assert_eq!((status.state, status.step, status.message), (OpenState::Opening, None, None));

    state.warm_up();
    assert_eq!(state.database_status().state, OpenState::Ready);

    // A long job holds the store; the status still answers at once.
    let (started, wait_started) = mpsc::channel();
    let (finish, wait_finish) = mpsc::channel::<()>();
    let worker = state.clone();
    let job = std::thread::spawn(move || {
        worker.with_store(|_| {
            started.send(()).unwrap();
            wait_finish.recv().unwrap();
            Ok(())
        })
    });
    wait_started.recv().unwrap();
    assert_eq!(state.database_status().state, OpenState::Ready);
    finish.send(()).unwrap();
    job.join().unwrap().unwrap();

    // A file that is no database: failed, with the reason, and tried again by the next command.
    let bad = dir.path().join("kaputt.sqlite");
    std::fs::write(&bad, vec![b'x'; 8192]).unwrap();
    let state = AppState::new(bad.clone());
    state.warm_up();
    let status = state.database_status();
    assert_eq!(status.state, OpenState::Failed);
    assert!(status.message.unwrap().contains("keine lesbare SQLite-Datenbank"));
    std::fs::remove_file(&bad).unwrap();
    state.with_store(|_| Ok(())).unwrap();
    assert_eq!(state.database_status().state, OpenState::Ready);
}
