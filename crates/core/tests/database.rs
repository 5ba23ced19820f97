//! Opening, migrating, refusing and backing up database files.

mod common;

use common::*;
use schulinventar_core::*;

#[test]
fn a_new_file_gets_the_full_schema_and_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/neu.sqlite");
    let store = Store::open(&path).unwrap();
    assert!(path.exists(), "parent folders created");
    let c = store.conn();
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = c.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    assert_eq!(fk, 1);
    for table in entity::ALL.iter().map(|e| e.table).chain(["change_log", "change_sources", "meta", "search_index"]) {
        let n: i64 = c.query_row("SELECT count(*) FROM sqlite_master WHERE name = ?1", [table], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "table {table}");
    }
    // Every entity table is STRICT.
    let strict: i64 = c
        .query_row("SELECT count(*) FROM pragma_table_list WHERE strict = 1 AND name IN ('schools','devices','rooms','loans','fibre_links','access_points','presentation_hardware','buildings','school_authorities')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(strict, 9);
    // Each entity's column list matches its table.
    for info in entity::ALL {
        let cols: Vec<String> = c
            .prepare(&format!("SELECT name FROM pragma_table_info('{}')", info.table))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<String> = std::iter::once("id")
            .chain(info.columns.iter().copied())
            .chain(["created_at", "updated_at", "deleted_at"])
            .map(String::from)
            .collect();
        assert_eq!(cols, expected, "{}", info.table);
        // Sync writes a new row from its operations, which leave out NULL fields, and takes a
        // column no operation names to be NULL (`apply`): only NOT NULL columns may have a
        // default.
        let nullable_with_default: Vec<String> = c
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{}') WHERE dflt_value IS NOT NULL AND \"notnull\" = 0",
                info.table
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(nullable_with_default.is_empty(), "{}: {nullable_with_default:?}", info.table);
    }
}

#[test]
fn reopening_keeps_data_and_runs_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let mut s = Store::open(&path).unwrap();
    let a = s.create(authority()).unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.get::<SchoolAuthorityData>(&a.id).unwrap().data.name, "Stadt Beispielstadt");
    let backups = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().to_string_lossy().contains(".bak"))
        .count();
    assert_eq!(backups, 0, "no backup when nothing is migrated");
}

/// (bytes of the database as its connections see it, bytes of the file itself): the file only
/// grows when a checkpoint copies pages from the WAL into it.
fn sizes(s: &Store) -> (u64, u64) {
    let pages: u64 = s.conn().pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
    let page: u64 = s.conn().pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    (pages * page, std::fs::metadata(s.path()).unwrap().len())
}

#[test]
fn checkpoints_beside_the_writes_copy_every_commit_and_hand_back_the_automatic_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let mut s = Store::open(&path).unwrap();
    let autocheckpoint =
        |s: &Store| s.conn().pragma_query_value(None, "wal_autocheckpoint", |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(autocheckpoint(&s), 1000, "SQLite's default");
    let limit: i64 = s.conn().pragma_query_value(None, "journal_size_limit", |r| r.get(0)).unwrap();
    assert_eq!(limit, 64 << 20, "a WAL file that starts over is cut back to 64 MiB");
    let a = s.create(authority()).unwrap();
    let school = s.create(school(&a.id, "100013", "Schule am Park")).unwrap();
    let write = |s: &mut Store, n: usize| {
        s.write(None, |w| {
            for _ in 0..n {
                w.create(device(&school.id, None))?;
            }
            Ok(())
        })
        .unwrap()
    };
    // Left to SQLite, a small commit stays in the WAL until it has grown to 1,000 pages.
    write(&mut s, 20);
    let (seen, file) = sizes(&s);
    assert!(seen > file, "{seen} bytes seen, {file} in the file");

    s.checkpoint_in_background(true).unwrap();
    assert_eq!(autocheckpoint(&s), 0, "the commits no longer checkpoint themselves");
    s.checkpoint_in_background(true).unwrap();
    for _ in 0..5 {
        write(&mut s, 200);
    }
    let wal = |s: &Store| std::fs::metadata(format!("{}-wal", s.path().display())).unwrap().len();
    assert!(wal(&s) > 1 << 20, "the WAL file holds the writes: {} bytes", wal(&s));
    // Turning it off hands the automatic checkpoints back at once; the checkpoint of the last
    // commit goes on beside, and `settle` waits for it: nothing is left to copy, and the WAL
    // file's space is given back.
    s.checkpoint_in_background(false).unwrap();
    assert_eq!(autocheckpoint(&s), 1000, "handed back before the last checkpoint is done");
    s.settle();
    let (seen, file) = sizes(&s);
    assert_eq!(file, seen, "every committed page copied into the database file");
    assert_eq!(wal(&s), 0, "the WAL file emptied");
    assert_eq!(autocheckpoint(&s), 1000, "handed back");
    s.checkpoint_in_background(false).unwrap();
    assert_eq!(autocheckpoint(&s), 1000);

    // Reads and a write while the last checkpoint still runs, then on and off again: nothing
    // is lost. (A reader or writer at the moment the last run empties the WAL file keeps it
    // from doing so, which is why that is looked at only after the next run.)
    let devices = |s: &Store| s.conn().query_row("SELECT count(*) FROM devices", [], |r| r.get::<_, i64>(0)).unwrap();
    s.checkpoint_in_background(true).unwrap();
    write(&mut s, 300);
    s.checkpoint_in_background(false).unwrap();
    assert_eq!(devices(&s), 20 + 5 * 200 + 300, "everything readable meanwhile");
    write(&mut s, 5);
    s.checkpoint_in_background(true).unwrap();
    s.checkpoint_in_background(false).unwrap();
    s.settle();
    assert_eq!(wal(&s), 0, "the WAL file emptied again");
    assert_eq!(devices(&s), 20 + 5 * 200 + 305);

    // Dropped while on, or while the last checkpoint runs, the store still closes cleanly with
    // everything in the file.
    s.checkpoint_in_background(true).unwrap();
    write(&mut s, 10);
    drop(s);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(devices(&s), 20 + 5 * 200 + 315);
    assert_eq!(autocheckpoint(&s), 1000, "a setting of the connection, not of the file");
    s.checkpoint_in_background(true).unwrap();
    write(&mut s, 400);
    s.checkpoint_in_background(false).unwrap();
    drop(s);
    assert_eq!(
        std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len()),
        0,
        "closed with an empty WAL"
    );
    let s = Store::open(&path).unwrap();
    let (seen, file) = sizes(&s);
    assert_eq!(file, seen, "every page in the database file");
    assert_eq!(devices(&s), 20 + 5 * 200 + 715);
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    Store::open(&path).unwrap().conn().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    match Store::open(&path) {
        Err(CoreError::SchemaTooNew { message, found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert!(message.contains("neueren Version"), "{message}");
        }
        other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn foreign_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("fremd.sqlite");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE kunden(id INTEGER); INSERT INTO kunden VALUES (1);").unwrap();
    }
    assert!(matches!(Store::open(&other), Err(CoreError::InvalidBackup { .. })));
    let c = rusqlite::Connection::open(&other).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "nothing was added to the foreign file");

    let text = dir.path().join("liste.sqlite");
    std::fs::write(&text, "Inventar-Nr.;Modell\n1;Dell\n".repeat(100)).unwrap();
    let err = Store::open(&text).err().expect("text file refused");
    assert!(err.to_string().contains("keine"), "{err}");
}

#[test]
fn backup_and_restore_round_trip() {
    let mut f = fixture();
    let out = f.dir.path().join("sicherung/inventar-backup.sqlite");
    f.store.create(device(&f.school, Some("B-1"))).unwrap();
    f.store.backup(&out).unwrap();
    assert!(out.exists());

    // Changes after the backup are undone by the restore.
    let later = f.store.create(device(&f.school, Some("B-2"))).unwrap();
    assert_eq!(f.store.stats().unwrap()["devices"], 2);
    let pages = |c: &rusqlite::Connection| c.pragma_query_value(None, "page_count", |r| r.get::<_, u32>(0)).unwrap();
    let (now, backed_up) = (pages(f.store.conn()), pages(&rusqlite::Connection::open(&out).unwrap()));
    let mut steps = Vec::new();
    f.store.restore_with_progress(&out, &mut |step| steps.push(step)).unwrap();
    assert_eq!(f.store.stats().unwrap()["devices"], 1);
    // The check comes first, then the copy of the current state, then the backup's own copy,
    // each counting up to all of its pages.
    assert_eq!(steps[0], RestoreStep::Check);
    let save: Vec<_> = steps
        .iter()
        .filter_map(|s| if let RestoreStep::SaveCurrent { done, total } = s { Some((*done, *total)) } else { None })
        .collect();
    let copy: Vec<_> = steps
        .iter()
        .filter_map(|s| if let RestoreStep::Copy { done, total } = s { Some((*done, *total)) } else { None })
        .collect();
    assert_eq!(save.last(), Some(&(now, now)));
    assert_eq!(copy.last(), Some(&(backed_up, backed_up)));
    assert!(save.windows(2).chain(copy.windows(2)).all(|w| w[0].0 <= w[1].0));
    let first_copy = steps.iter().position(|s| matches!(s, RestoreStep::Copy { .. })).unwrap();
    let last_save = steps.iter().rposition(|s| matches!(s, RestoreStep::SaveCurrent { .. })).unwrap();
    assert!(last_save < first_copy, "the current state is saved before anything is replaced");
    assert_eq!(steps.len(), 1 + save.len() + copy.len());
    assert!(matches!(f.store.get::<DeviceData>(&later.id), Err(CoreError::NotFound { .. })));
    assert_eq!(
        f.store.search("B-1", 5).unwrap().iter().filter(|h| h.entity == "device").count(),
        1,
        "search index restored with the data"
    );
    // The store keeps working after a restore.
    f.store.create(device(&f.school, Some("B-3"))).unwrap();
    // The content before the restore was kept beside the database.
    let safety = std::fs::read_dir(f.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("before-restore"))
        .count();
    assert_eq!(safety, 1);
}

#[test]
fn a_bad_backup_is_refused_before_anything_is_replaced() {
    let mut f = fixture();
    f.store.create(device(&f.school, Some("K-1"))).unwrap();
    let garbage = f.dir.path().join("kaputt.sqlite");
    std::fs::write(&garbage, b"SQLite format 3\0 but then nothing useful").unwrap();
    assert!(matches!(f.store.restore(&garbage), Err(CoreError::InvalidBackup { .. })));
    let missing = f.dir.path().join("gibt-es-nicht.sqlite");
    assert!(matches!(f.store.restore(&missing), Err(CoreError::InvalidBackup { .. })));

    // A truncated copy of a real backup is refused too.
    let good = f.dir.path().join("gut.sqlite");
    f.store.backup(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = f.dir.path().join("abgeschnitten.sqlite");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(f.store.restore(&cut).is_err());

    // A backup from a newer program version is refused.
    let newer = f.dir.path().join("neuer.sqlite");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    assert!(matches!(f.store.restore(&newer), Err(CoreError::InvalidBackup { .. })));

    assert_eq!(f.store.stats().unwrap()["devices"], 1, "nothing replaced");
}

#[test]
fn an_older_database_is_backed_up_then_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alt.sqlite");
    let mut store = Store::open(&path).unwrap();
    let a = store.create(authority()).unwrap();
    drop(store);

    // A future version adds a column; opening the current file with it upgrades the file.
    let next = "ALTER TABLE schools ADD COLUMN website TEXT;";
    let mut migrations = db::MIGRATIONS.to_vec();
    migrations.push(next);
    let conn = db::open_with_migrations(&path, &migrations).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
    let cols: i64 = conn
        .query_row("SELECT count(*) FROM pragma_table_info('schools') WHERE name = 'website'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cols, 1);
    drop(conn);

    // The file as it was before the upgrade is kept, complete and at its old version.
    let backup = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(&format!(".v{SCHEMA_VERSION}-")))
        .expect("backup before migration");
    assert_eq!(db::verify_backup(&backup).unwrap(), SCHEMA_VERSION);
    let old = Store::open(&backup).unwrap();
    assert_eq!(old.get::<SchoolAuthorityData>(&a.id).unwrap().data.name, "Stadt Beispielstadt");

    // This build now refuses the upgraded file.
    assert!(matches!(Store::open(&path), Err(CoreError::SchemaTooNew { .. })));
}

#[test]
fn a_failed_migration_leaves_the_file_at_its_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alt.sqlite");
    Store::open(&path).unwrap().create(authority()).unwrap();
    let mut migrations = db::MIGRATIONS.to_vec();
    migrations.push("ALTER TABLE schools ADD COLUMN a TEXT; SELECT * FROM gibt_es_nicht;");
    assert!(db::open_with_migrations(&path, &migrations).is_err());
    let store = Store::open(&path).unwrap();
    let cols: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM pragma_table_info('schools') WHERE name = 'a'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cols, 0, "the half-applied migration was rolled back");
    assert_eq!(store.stats().unwrap()["school_authorities"], 1);
}

#[test]
fn an_upgrade_reports_its_backup_and_each_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alt.sqlite");
    // A file written by the version before the last two migrations, with enough rows for the
    // backup to take several steps.
    let older = &db::MIGRATIONS[..db::MIGRATIONS.len() - 2];
    let conn = db::open_with_migrations(&path, older).unwrap();
    conn.execute_batch("CREATE TABLE ballast(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO ballast SELECT randomblob(4000) FROM n;").unwrap();
    drop(conn);

    let mut steps = Vec::new();
    let store = Store::open_with_progress(&path, &mut |step| steps.push(step)).unwrap();
    let version: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);

    let backups: Vec<(u32, u32)> = steps
        .iter()
        .filter_map(|s| match *s {
            OpenStep::Backup { done, total } => Some((done, total)),
            _ => None,
        })
        .collect();
    assert!(backups.len() >= 3, "copied in several steps: {backups:?}");
    assert!(backups.windows(2).all(|w| w[0].0 < w[1].0), "pages copied only grow: {backups:?}");
    let (done, total) = *backups.last().unwrap();
    assert_eq!(done, total, "the last step reports the whole file");
    assert!(total > 3000, "{total} pages");

    let last = SCHEMA_VERSION as u32;
    let migrations: Vec<OpenStep> = steps.iter().copied().filter(|s| matches!(s, OpenStep::Migrate { .. })).collect();
    assert_eq!(
        migrations,
        vec![OpenStep::Migrate { number: last - 1, last }, OpenStep::Migrate { number: last, last }],
        "the two missing migrations, in order, after the backup"
    );
    assert!(matches!(steps.last(), Some(OpenStep::Migrate { .. })));
    drop(store);

    // Opening the upgraded file again has nothing to report.
    let mut again = Vec::new();
    Store::open_with_progress(&path, &mut |step| again.push(step)).unwrap();
    assert_eq!(again, vec![]);
}

/// Every table's name and definition.
fn table_definitions(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    conn.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Whether running `sql` makes SQLite build a temporary B-tree (`OpenEphemeral`).
fn builds_a_temporary_table(conn: &rusqlite::Connection, sql: &str) -> bool {
    let mut stmt = conn.prepare(&format!("EXPLAIN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let ops: Vec<String> =
        stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get(1)).unwrap().map(Result::unwrap).collect();
    ops.iter().any(|op| op == "OpenEphemeral")
}

#[test]
fn value_lists_in_check_constraints_become_comparisons_that_refuse_what_the_lists_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alt.sqlite");
    let insert_device = "INSERT INTO devices(id, school_id, status, category, user_group, created_at, updated_at)
         VALUES (?1, 's1', ?2, 'laptop', 'pupils', 'x', 'x')";
    // A file from before migration 0011, with rows in tables whose definitions it rewrites.
    let before = db::MIGRATIONS.iter().position(|m| m.contains("writable_schema")).unwrap();
    let conn = db::open_with_migrations(&path, &db::MIGRATIONS[..before]).unwrap();
    conn.execute_batch(
        "INSERT INTO school_authorities(id, name, land, created_at, updated_at) VALUES ('a1', 'Stadt', 'NW', 'x', 'x');
         INSERT INTO schools(id, authority_id, land, school_number, name, school_type_label, school_type, created_at, updated_at)
             VALUES ('s1', 'a1', 'NW', '123456', 'Gymnasium am Park', 'Gymnasium', 'grammar', 'x', 'x');
         INSERT INTO access_points(id, school_id, status, created_at, updated_at) VALUES ('p1', 's1', 'in_use', 'x', 'x');",
    )
    .unwrap();
    conn.execute(insert_device, ["d1", "in_use"]).unwrap();
    assert!(builds_a_temporary_table(&conn, insert_device), "the lists as they were");
    drop(conn);

    let store = Store::open(&path).unwrap();
    let c = store.conn();
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let rows: i64 = c
        .query_row(
            "SELECT (SELECT count(*) FROM schools) + (SELECT count(*) FROM devices) + (SELECT count(*) FROM access_points)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 3, "the rows are kept");
    // No table's definition holds a list of more than two values any more.
    let definitions = table_definitions(c);
    for (table, sql) in &definitions {
        for (at, _) in sql.match_indices(" IN (") {
            let list = &sql[at + 5..at + 5 + sql[at + 5..].find(')').unwrap()];
            assert!(list.matches(',').count() < 2, "{table}: IN ({list})");
        }
    }
    assert!(!builds_a_temporary_table(c, insert_device));
    assert!(!builds_a_temporary_table(c, "UPDATE devices SET status = ?1 WHERE id = ?2"));

    // What the lists allowed is allowed, what they refused is refused, NULL still passes where
    // the column may be empty.
    let refused = |sql: &str| {
        let e = c.execute_batch(sql).unwrap_err().to_string();
        assert!(e.contains("CHECK constraint failed"), "{sql}: {e}");
    };
    c.execute(insert_device, ["d2", "in_repair"]).unwrap();
    assert!(c.execute(insert_device, ["d3", "kaputt"]).unwrap_err().to_string().contains("CHECK constraint failed"));
    assert!(c.execute(insert_device, ["d4", "In_use"]).is_err(), "compared as written, like the list");
    refused("UPDATE devices SET category = 'phone' WHERE id = 'd1'");
    refused("UPDATE devices SET user_group = 'parents' WHERE id = 'd1'");
    c.execute_batch("UPDATE access_points SET wifi_standard = 'wifi6e' WHERE id = 'p1'").unwrap();
    c.execute_batch("UPDATE access_points SET wifi_standard = NULL WHERE id = 'p1'").unwrap();
    refused("UPDATE access_points SET wifi_standard = 'wifi9' WHERE id = 'p1'");
    refused("UPDATE schools SET land = 'XX' WHERE id = 's1'");
    refused("UPDATE schools SET school_type = 'university' WHERE id = 's1'");
    refused("UPDATE school_authorities SET land = 'AT' WHERE id = 'a1'");
    c.execute_batch("UPDATE schools SET land = 'TH', school_type = 'other' WHERE id = 's1'").unwrap();
    drop(store);

    // A new file gets the same definitions as an upgraded one.
    let fresh = Store::open(&dir.path().join("neu.sqlite")).unwrap();
    assert_eq!(table_definitions(fresh.conn()), definitions);
}
