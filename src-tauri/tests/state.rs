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
