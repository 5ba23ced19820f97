//! The hub in-process on a loopback port, replicas as real SQLite files talking to it through
//! the real HTTP client.

use std::time::{SystemTime, UNIX_EPOCH};

use schulinventar_core::demo::{self, Scale};
use schulinventar_core::*;
use schulinventar_hub::{spawn, HubStorage, SqliteStorage};
use schulinventar_sync::client::{self, ClientError, HubClient};
use schulinventar_sync::protocol::{OpStatus, Role};
use schulinventar_sync::{digest, Op, VersionVector};
mod common;

use common::*;

fn log_len(store: &Store) -> i64 {
    store.conn().query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
}

fn set_notes(store: &mut Store, device_id: &str, notes: &str) {
    let mut d = store.get::<DeviceData>(device_id).unwrap().data;
    d.asset.notes = Some(notes.into());
    store.update(device_id, d).unwrap();
}

fn first_device(store: &Store, skip: i64) -> String {
    store.conn().query_row("SELECT id FROM devices ORDER BY id LIMIT 1 OFFSET ?1", [skip], |r| r.get(0)).unwrap()
}

/// An operation as a foreign replica would send it, timed `ahead_secs` after now.
fn forged(template: &Op, node: &str, seq: i64, ahead_secs: i64) -> Op {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let t = ((now + ahead_secs) as u64) << 32;
    Op { origin_node: node.into(), origin_seq: seq, hlc: format!("{t:016x}-{node}"), ..template.clone() }
}

#[test]
fn two_laptops_converge_through_the_hub_and_a_second_sync_is_a_no_op() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let mut b = s.enrolled("b", Role::Department, &[]);
    demo::generate(&mut a, Scale::Small, 1, &mut |_, _| {}).unwrap();
    let ops = log_len(&a) as usize;
    assert!(ops > 500);

    // Small pages, so that push and pull take many rounds.
    let r = client::sync(&mut a, None, 97).unwrap();
    assert_eq!((r.pushed, r.duplicates, r.rejected, r.pulled), (ops, 0, 0, 0), "{r:?}");
    assert!(r.push_pages >= ops / 97, "{r:?}");
    let r = client::sync(&mut b, None, 97).unwrap();
    assert_eq!((r.pushed, r.pulled, r.pulled_known), (0, ops, 0), "{r:?}");
    assert!(r.pull_pages > 5);
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
    assert_eq!(digest(&a).unwrap(), s.hub_digest());
    // The pull of many pages checkpointed beside its writes, and gave SQLite's automatic
    // checkpoints back when it ended.
    let autocheckpoint: i64 = b.conn().pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
    assert_eq!(autocheckpoint, 1000);

    // Edits on both sides, each to a different device.
    let (d1, d2) = (first_device(&a, 0), first_device(&a, 1));
    set_notes(&mut a, &d1, "Display getauscht");
    set_notes(&mut b, &d2, "Akku schwach");
    let ra = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!((ra.pushed, ra.pulled), (1, 0), "{ra:?}");
    let rb = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!((rb.pushed, rb.pulled), (1, 1), "{rb:?}");
    let ra = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!((ra.pushed, ra.pulled), (0, 1), "{ra:?}");
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
    assert_eq!(b.get::<DeviceData>(&d1).unwrap().data.asset.notes.as_deref(), Some("Display getauscht"));
    assert_eq!(a.get::<DeviceData>(&d2).unwrap().data.asset.notes.as_deref(), Some("Akku schwach"));

    // Nothing left: no pushes, nothing pulled, nothing written.
    let (la, lb) = (log_len(&a), log_len(&b));
    for store in [&mut a, &mut b] {
        let r = client::sync(store, None, 1000).unwrap();
        assert_eq!((r.pushed, r.duplicates, r.pulled, r.push_pages), (0, 0, 0, 0), "{r:?}");
        assert_eq!(client::pending_count(store).unwrap(), 0);
    }
    assert_eq!((log_len(&a), log_len(&b)), (la, lb));
    let status = s.client(&a).status().unwrap();
    assert_eq!(status.ops, ops as i64 + 2);
    // The hub knows how far each device has pulled.
    let status = s.client(&b).status().unwrap();
    assert_eq!((status.device_name.as_str(), status.role), ("b", Role::Department));
    assert_eq!(status.cursor, client::local_status(&b).unwrap().cursor);
    assert_eq!(status.cursor, ops as i64 + 2);
}

#[test]
fn a_sync_reports_its_progress_page_by_page_up_to_everything() {
    use client::SyncProgress::{Pull, Push};
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let mut b = s.enrolled("b", Role::Department, &[]);
    demo::generate(&mut a, Scale::Small, 1, &mut |_, _| {}).unwrap();
    let ops = log_len(&a) as usize;

    // The push: all pending at first, then one step per page of at most 97.
    let mut steps = Vec::new();
    let r = client::sync_with_progress(&mut a, None, 97, &mut |p| steps.push(p)).unwrap();
    assert_eq!(r.pushed, ops);
    let pushes: Vec<(usize, usize)> =
        steps.iter().filter_map(|p| if let Push { sent, total } = *p { Some((sent, total)) } else { None }).collect();
    assert_eq!(pushes.len(), r.push_pages + 1, "{pushes:?}");
    assert_eq!(pushes.first(), Some(&(0, ops)));
    assert_eq!(pushes.last(), Some(&(ops, ops)));
    assert!(pushes.windows(2).all(|w| w[1].0 > w[0].0 && w[1].0 - w[0].0 <= 97 && w[1].1 == ops), "{pushes:?}");
    // Every push step comes before the first pull step.
    let first_pull = steps.iter().position(|p| matches!(p, Pull { .. })).expect("a pull step");
    assert!(steps[first_pull..].iter().all(|p| matches!(p, Pull { .. })), "{steps:?}");

    // An initial sync: nothing to push; the pulled operations and the hub's sequence count up
    // to everything.
    let mut steps = Vec::new();
    let r = client::sync_with_progress(&mut b, None, 97, &mut |p| steps.push(p)).unwrap();
    assert_eq!(r.pulled, ops);
    let pulls: Vec<(usize, i64, Option<i64>)> = steps
        .iter()
        .map(|p| match *p {
            Pull { received, done, total } => (received, done, total),
            Push { .. } => panic!("nothing was pending: {p:?}"),
        })
        .collect();
    assert!(!pulls.is_empty() && pulls.len() <= r.pull_pages, "{} steps, {} pages", pulls.len(), r.pull_pages);
    assert!(pulls.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 > w[0].1), "{pulls:?}");
    assert!(pulls.iter().all(|&(_, done, total)| total == Some(ops as i64) && done <= ops as i64), "{pulls:?}");
    assert_eq!(pulls.last(), Some(&(ops, ops as i64, Some(ops as i64))));

    // Nothing to do: no steps.
    let mut steps = Vec::new();
    client::sync_with_progress(&mut b, None, 97, &mut |p| steps.push(p)).unwrap();
    assert_eq!(steps, []);

    // Two edits after the pull: one page, all of them, then done (the pulled operations the
    // push cursor moved past are not counted).
    let (d1, d2) = (first_device(&b, 0), first_device(&b, 1));
    set_notes(&mut b, &d1, "Akku getauscht");
    set_notes(&mut b, &d2, "Tastatur fehlt");
    let mut steps = Vec::new();
    client::sync_with_progress(&mut b, None, 97, &mut |p| steps.push(p)).unwrap();
    assert_eq!(steps[..2], [Push { sent: 0, total: 2 }, Push { sent: 2, total: 2 }], "{steps:?}");
}

#[test]
fn a_school_admins_pull_ends_at_everything_although_other_schools_operations_come_after() {
    use client::SyncProgress::Pull;
    let s = Setup::new();
    let (mut dept, _, [_, d2]) = two_schools(&s);
    // The last operations on the hub are school 2's, outside the admin's scope.
    set_notes(&mut dept, &d2, "Schule 2");
    client::sync(&mut dept, None, 1000).unwrap();
    let mut x = s.enrolled("x", Role::Admin, &["100001"]);
    let mut steps = Vec::new();
    let r = client::sync_with_progress(&mut x, None, 1000, &mut |p| steps.push(p)).unwrap();
    assert_eq!(r.pulled, 3, "{r:?}");
    let head = s.client(&dept).status().unwrap().ops;
    match steps.last() {
        Some(&Pull { received, done, total }) => {
            assert_eq!(received, 3);
            assert_eq!(total, Some(head), "the hub's whole sequence");
            assert_eq!(done, head, "a finished pull is complete: {steps:?}");
        }
        other => panic!("the last step is the pull's: {other:?}"),
    }
}

/// The push cursor of `store` and the end of its change log.
fn push_cursor_and_log_end(store: &Store) -> (i64, i64) {
    let cursor = client::get_meta(store, "hub_push_seq").unwrap().map_or(0, |v| v.parse().unwrap());
    (cursor, store.conn().query_row("SELECT max(seq) FROM change_log", [], |r| r.get(0)).unwrap())
}

#[test]
fn operations_from_the_hub_are_looked_through_once_and_later_local_ones_still_go_out() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let mut b = s.enrolled("b", Role::Department, &[]);
    demo::generate(&mut a, Scale::Small, 3, &mut |_, _| {}).unwrap();
    client::sync(&mut a, None, 1000).unwrap();
    let r = client::sync(&mut b, None, 1000).unwrap();
    assert!(r.pulled > 500, "{r:?}");
    // The next sync finds nothing to push among the pulled operations and moves past them.
    let r = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!((r.pushed, r.push_pages, r.pulled), (0, 0, 0), "{r:?}");
    let (cursor, end) = push_cursor_and_log_end(&b);
    assert_eq!(cursor, end);

    // A local edit, and operations carried in by bundle from a laptop that never saw the hub:
    // both come after the cursor and go out.
    let device = first_device(&b, 0);
    set_notes(&mut b, &device, "Lüfter laut");
    let mut c = s.laptop("c");
    let ca = c.create(authority()).unwrap();
    let cs = c.create(school(&ca.id, "199001")).unwrap();
    let file = s.dir.path().join("c.sibundle");
    schulinventar_sync::bundle::export(&c, &VersionVector::new(), &file).unwrap();
    schulinventar_sync::bundle::import(&mut b, &file).unwrap();
    assert_eq!(client::pending_count(&b).unwrap(), 3);
    let r = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected), (3, 0), "{r:?}");
    assert_eq!(push_cursor_and_log_end(&b), (end + 3, end + 3));
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!(r.pulled, 3, "{r:?}");
    assert_eq!(a.get::<SchoolData>(&cs.id).unwrap().data.name, "Schule 199001");
    assert_eq!(a.get::<DeviceData>(&device).unwrap().data.asset.notes.as_deref(), Some("Lüfter laut"));
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
}

#[test]
fn pushing_the_same_page_twice_changes_nothing() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    demo::generate(&mut a, Scale::Small, 2, &mut |_, _| {}).unwrap();
    let page = a.ops_since(&VersionVector::new(), 300).unwrap();
    let c = s.client(&a);
    let first = c.push(&page).unwrap();
    assert!(first.results.iter().all(|r| r.status == OpStatus::Accepted));
    let again = c.push(&page).unwrap();
    assert!(again.results.iter().all(|r| r.status == OpStatus::Duplicate), "{:?}", again.results[0]);
    assert_eq!(c.status().unwrap().ops, 300);
    // The client then sends the rest; the first 300 come back as duplicates.
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!(r.duplicates, 300);
    assert_eq!(r.pushed as i64, log_len(&a) - 300);
}

#[test]
fn a_school_admin_reads_and_writes_only_their_school() {
    let s = Setup::new();
    let (mut dept, [s1, s2], [d1, d2]) = two_schools(&s);
    let mut x = s.enrolled("x", Role::Admin, &["100001"]);
    let r = client::sync(&mut x, None, 1000).unwrap();
    // The authority (shared), school 1 and its device; nothing of school 2.
    assert_eq!(r.pulled, 3, "{r:?}");
    assert!(x.get::<SchoolData>(&s1).is_ok() && x.get::<DeviceData>(&d1).is_ok());
    assert!(x.get::<SchoolData>(&s2).is_err() && x.get::<DeviceData>(&d2).is_err());

    // An edit in the admin's own school goes through.
    set_notes(&mut x, &d1, "vom Schul-Admin");
    let r = client::sync(&mut x, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");

    // One push: an edit of school 1 (fine), of school 2's device, moving a device to school 2,
    // and a programme (shared, department only). Only the first is taken.
    let template =
        dept.ops_since(&VersionVector::new(), 10).unwrap().into_iter().find(|o| o.entity == "device").unwrap();
    let node = "00000000000000000000000000000abc";
    let mut ok = forged(&template, node, 1, 2);
    ok.row_id = d1.clone();
    ok.fields = serde_json::from_value(serde_json::json!({"notes": "erlaubt"})).unwrap();
    let mut other = forged(&template, node, 2, 0);
    other.row_id = d2.clone();
    other.fields = serde_json::from_value(serde_json::json!({"notes": "fremd"})).unwrap();
    let mut moved = forged(&template, node, 3, 0);
    moved.row_id = d1.clone();
    moved.fields = serde_json::from_value(serde_json::json!({"school_id": s2})).unwrap();
    let mut programme = forged(&template, node, 4, 0);
    programme.entity = "programme".into();
    programme.row_id = "0190aaaa-0000-7000-8000-000000000001".into();
    let resp = s.client(&x).push(&[ok, other, moved, programme]).unwrap();
    let st: Vec<OpStatus> = resp.results.iter().map(|r| r.status).collect();
    assert_eq!(st, [OpStatus::Accepted, OpStatus::Rejected, OpStatus::Rejected, OpStatus::Rejected]);
    let codes: Vec<Option<&str>> = resp.results.iter().map(|r| r.code.as_deref()).collect();
    assert_eq!(codes, [None, Some("scope"), Some("scope"), Some("read_only")]);
    assert!(resp.results[1].reason.as_deref().unwrap().contains("Schule 100002"), "{:?}", resp.results[1]);
    assert!(resp.results[1].reason.as_deref().unwrap().contains("nur für 100001"), "{:?}", resp.results[1]);

    // The department sees the admin's edits; school 2 is untouched.
    let r = client::sync(&mut dept, None, 1000).unwrap();
    assert_eq!(r.pulled, 2, "{r:?}");
    assert_eq!(dept.get::<DeviceData>(&d1).unwrap().data.asset.notes.as_deref(), Some("erlaubt"));
    assert_eq!(dept.get::<DeviceData>(&d2).unwrap().data.asset.notes, None);
    assert_eq!(dept.get::<DeviceData>(&d1).unwrap().data.asset.school_id, s1);

    // Later edits of school 2 by the department do not reach the admin.
    set_notes(&mut dept, &d2, "nur Schule 2");
    set_notes(&mut dept, &d1, "Schule 1");
    client::sync(&mut dept, None, 1000).unwrap();
    let r = client::sync(&mut x, None, 1000).unwrap();
    assert_eq!(r.pulled, 2, "own ok-op and the department's edit of school 1: {r:?}");
    assert!(x.get::<DeviceData>(&d2).is_err());
}

#[test]
fn an_auditor_reads_everything_and_cannot_push() {
    let s = Setup::new();
    let (dept, _, [_, d2]) = two_schools(&s);
    let mut aud = s.enrolled("aud", Role::Auditor, &[]);
    let r = client::sync(&mut aud, None, 1000).unwrap();
    assert_eq!(r.pulled, 5);
    assert_eq!(digest(&aud).unwrap(), digest(&dept).unwrap());

    set_notes(&mut aud, &d2, "Prüfer");
    let err = client::sync(&mut aud, None, 1000).unwrap_err();
    match err {
        ClientError::Refused { status, code, message } => {
            assert_eq!((status, code.as_str()), (403, "read_only"));
            assert!(message.contains("nur lesen"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(s.client(&aud).status().unwrap().ops, 5);
}

#[test]
fn a_revoked_token_is_refused_and_a_code_works_once() {
    let s = Setup::new();
    let code = s.code(Role::Department, &[]);
    let mut a = s.laptop("a");
    let enrolled = client::enroll(&mut a, &s.hub.url(), &code, "a").unwrap();
    assert!(enrolled.token.starts_with("sit_"));

    let mut b = s.laptop("b");
    match client::enroll(&mut b, &s.hub.url(), &code, "b").unwrap_err() {
        ClientError::Refused { status, code, message } => {
            assert_eq!((status, code.as_str()), (400, "code_used"));
            assert!(message.contains("bereits verwendet"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    assert!(client::enrolment(&b).unwrap().is_none());
    match client::enroll(&mut b, &s.hub.url(), "AAAA-BBBB-CCCC", "b").unwrap_err() {
        ClientError::Refused { code, .. } => assert_eq!(code, "invalid_code"),
        e => panic!("{e:?}"),
    }

    // An expired code is refused.
    let late = s.code(Role::Department, &[]);
    let hub_db = rusqlite::Connection::open(s.dir.path().join("hub/hub.sqlite")).unwrap();
    hub_db.execute("UPDATE hub_enrolments SET expires_at = '2020-01-01T00:00:00Z' WHERE used_at IS NULL", []).unwrap();
    match client::enroll(&mut b, &s.hub.url(), &late, "b").unwrap_err() {
        ClientError::Refused { code, message, .. } => {
            assert_eq!(code, "code_expired");
            assert!(message.contains("abgelaufen"), "{message}");
        }
        e => panic!("{e:?}"),
    }

    // The hub stores only the token's hash.
    let stored: String = hub_db.query_row("SELECT token_hash FROM hub_devices", [], |r| r.get(0)).unwrap();
    assert_ne!(stored, enrolled.token);
    assert_eq!(stored.len(), 64);

    client::sync(&mut a, None, 1000).unwrap();
    let mut storage = SqliteStorage::open(&s.dir.path().join("hub")).unwrap();
    assert!(storage.revoke(enrolled.device_id).unwrap());
    match client::sync(&mut a, None, 1000).unwrap_err() {
        ClientError::Refused { status, code, message } => {
            assert_eq!((status, code.as_str()), (401, "revoked"));
            assert!(message.contains("gesperrt"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    // No token at all.
    match HubClient::new(&s.hub.url(), None).pull(0, 10).unwrap_err() {
        ClientError::Refused { status, .. } => assert_eq!(status, 401),
        e => panic!("{e:?}"),
    }
}

#[test]
fn operations_more_than_a_day_in_the_future_are_refused_with_a_reason() {
    let s = Setup::new();
    let (dept, _, _) = two_schools(&s);
    let template =
        dept.ops_since(&VersionVector::new(), 10).unwrap().into_iter().find(|o| o.entity == "device").unwrap();
    let node = "00000000000000000000000000000def";
    let mut soon = forged(&template, node, 1, 3600);
    soon.fields = serde_json::from_value(serde_json::json!({"notes": "in einer Stunde"})).unwrap();
    let mut later = forged(&template, node, 2, 25 * 3600);
    later.fields = serde_json::from_value(serde_json::json!({"notes": "übermorgen"})).unwrap();
    let resp = s.client(&dept).push(&[soon, later]).unwrap();
    assert_eq!(resp.results[0].status, OpStatus::Accepted);
    assert_eq!(resp.results[1].status, OpStatus::Rejected);
    assert_eq!(resp.results[1].code.as_deref(), Some("future"));
    let reason = resp.results[1].reason.as_deref().unwrap();
    assert!(reason.contains("mehr als 24 Stunden") && reason.contains("Uhr"), "{reason}");
}

#[test]
fn a_laptop_whose_clock_runs_two_days_ahead_gets_its_operations_refused_and_a_warning() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let auth = a.create(authority()).unwrap().id;
    // The laptop saw a timestamp two days ahead (its clock was wrong): its HLC never goes back.
    let ahead =
        forged(&a.ops_since(&VersionVector::new(), 1).unwrap()[0], "00000000000000000000000000000fff", 1, 48 * 3600);
    a.apply_ops(&[ahead], None).unwrap();
    let mut sa = a.get::<SchoolAuthorityData>(&auth).unwrap().data;
    sa.name = "Stadt Zukunft".into();
    a.update(&auth, sa).unwrap();
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected), (1, 2), "{r:?}");
    assert!(r.rejected_ops.iter().all(|o| o.code.as_deref() == Some("future")), "{r:?}");
    assert!(r.clock_warning.as_deref().unwrap().contains("Uhrzeit"), "{r:?}");
}

#[test]
fn a_sync_against_another_hub_is_refused_before_anything_is_sent() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    a.create(authority()).unwrap();
    let other = spawn(&s.dir.path().join("other-hub"), "127.0.0.1:0").unwrap();
    match client::sync(&mut a, Some(&other.url()), 1000).unwrap_err() {
        ClientError::Refused { code, message, .. } => {
            assert_eq!(code, "other_hub");
            assert!(message.contains("anderer Hub"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(client::pending_count(&a).unwrap(), 1);
    // Unreachable: a clear error, nothing changed.
    let port = other.addr.port();
    drop(other);
    match client::sync(&mut a, Some(&format!("http://127.0.0.1:{port}")), 1000).unwrap_err() {
        ClientError::Unreachable { .. } => {}
        e => panic!("{e:?}"),
    }
    let st = client::local_status(&a).unwrap();
    assert_eq!((st.enrolled, st.pending, st.last_sync.is_none()), (true, 1, true), "{st:?}");
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!((r.pushed, client::pending_count(&a).unwrap()), (1, 0));
    let st = client::local_status(&a).unwrap();
    assert_eq!((st.pending, st.cursor, st.last_sync.is_some()), (0, 1, true), "{st:?}");
    assert_eq!(st.hub_url.as_deref(), Some(s.hub.url().as_str()));
    let fresh = s.laptop("fresh");
    assert!(!client::local_status(&fresh).unwrap().enrolled);
}

#[test]
fn concurrent_edits_through_the_hub_show_one_conflict_on_both_laptops_until_resolved() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let mut b = s.enrolled("b", Role::Department, &[]);
    let auth = a.create(authority()).unwrap().id;
    let sch = a.create(school(&auth, "100001")).unwrap().id;
    let dev = a.create(device(&sch, "INV-1")).unwrap().id;
    client::sync(&mut a, None, 1000).unwrap();
    client::sync(&mut b, None, 1000).unwrap();

    // Both edit the same field of the same device before hearing from each other.
    set_notes(&mut a, &dev, "von a");
    set_notes(&mut b, &dev, "von b");
    assert_eq!(client::sync(&mut a, None, 1000).unwrap().conflicts, 0);
    assert_eq!(client::sync(&mut b, None, 1000).unwrap().conflicts, 1);
    assert_eq!(client::sync(&mut a, None, 1000).unwrap().conflicts, 1);
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
    // A sync with nothing to do still reports it.
    let r = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!((r.pushed, r.pulled, r.conflicts), (0, 0, 1));

    // Resolving on a is a normal operation: it closes the conflict on both after a sync.
    let c = schulinventar_sync::conflicts::list(&a).unwrap().into_iter().find(|c| c.open).unwrap();
    schulinventar_sync::conflicts::resolve(&mut a, &c, serde_json::json!("geklärt")).unwrap();
    assert_eq!(client::sync(&mut a, None, 1000).unwrap().conflicts, 0);
    assert_eq!(client::sync(&mut b, None, 1000).unwrap().conflicts, 0);
    assert_eq!(b.get::<DeviceData>(&dev).unwrap().data.asset.notes.as_deref(), Some("geklärt"));
}

#[test]
fn the_same_inventory_number_registered_on_two_laptops_is_a_duplicate_everywhere_until_renumbered() {
    let s = Setup::new();
    let mut a = s.enrolled("a", Role::Department, &[]);
    let mut b = s.enrolled("b", Role::Department, &[]);
    let auth = a.create(authority()).unwrap().id;
    let sch = a.create(school(&auth, "100001")).unwrap().id;
    client::sync(&mut a, None, 1000).unwrap();
    client::sync(&mut b, None, 1000).unwrap();

    // b registers the device first, a a moment later but syncs first.
    let first = b.create(device(&sch, "INV-7")).unwrap().id;
    std::thread::sleep(std::time::Duration::from_millis(5));
    let second = a.create(device(&sch, "INV-7")).unwrap().id;
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected), (1, 0), "{r:?}");
    // The hub accepts b's device too: it holds the number, a's gives way on the hub and on a.
    let r = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!((r.pushed, r.rejected, r.conflicts), (1, 0, 1), "{r:?}");
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert_eq!(r.conflicts, 1, "{r:?}");
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
    assert_eq!(digest(&a).unwrap(), s.hub_digest());
    assert!(a.get::<DeviceData>(&first).unwrap().deleted_at.is_none());
    assert!(a.get::<DeviceData>(&second).unwrap().deleted_at.is_some());
    let c = schulinventar_sync::conflicts::list(&a).unwrap();
    assert_eq!(c, schulinventar_sync::conflicts::list(&b).unwrap());
    assert_eq!((c.len(), c[0].kind.as_str(), c[0].row_id.as_str()), (1, "duplicate", second.as_str()));

    // a renumbers its device: it comes back on every replica.
    schulinventar_sync::conflicts::resolve(&mut a, &c[0], serde_json::json!("INV-8")).unwrap();
    assert_eq!(client::sync(&mut a, None, 1000).unwrap().conflicts, 0);
    assert_eq!(client::sync(&mut b, None, 1000).unwrap().conflicts, 0);
    let back = b.get::<DeviceData>(&second).unwrap();
    assert!(back.deleted_at.is_none());
    assert_eq!(back.data.asset.inventory_number.as_deref(), Some("INV-8"));
    assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
    assert_eq!(digest(&a).unwrap(), s.hub_digest());
}
