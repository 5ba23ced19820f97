//! Convergence: replicas as real database files make random writes through the store and
//! exchange operations along random paths (pairs, repeats, small pages, any order). After a final
//! round of exchanges every replica holds every operation and the same content.

mod common;

use common::*;
use proptest::prelude::*;
use schulinventar_core::*;
use schulinventar_sync::{conflicts, digest, exchange, push};

const N: usize = 4;

#[derive(Debug, Clone)]
enum Act {
    CreateRoom(usize),
    CreateDevice(usize, u8),
    RenameSchool(usize, u8),
    UpdateRoom(usize, usize, u8),
    UpdateDevice(usize, usize, u8, usize),
    DeleteRoom(usize, usize),
    DeleteDevice(usize, usize),
    UndeleteRoom(usize, usize),
    UndeleteDevice(usize, usize),
    Push(usize, usize, usize),
}

fn act() -> impl Strategy<Value = Act> {
    let r = 0..N;
    let k = 0..64usize;
    prop_oneof![
        2 => r.clone().prop_map(Act::CreateRoom),
        3 => (r.clone(), any::<u8>()).prop_map(|(r, v)| Act::CreateDevice(r, v)),
        1 => (r.clone(), any::<u8>()).prop_map(|(r, v)| Act::RenameSchool(r, v)),
        3 => (r.clone(), k.clone(), any::<u8>()).prop_map(|(r, k, v)| Act::UpdateRoom(r, k, v)),
        4 => (r.clone(), k.clone(), any::<u8>(), k.clone()).prop_map(|(r, k, v, x)| Act::UpdateDevice(r, k, v, x)),
        1 => (r.clone(), k.clone()).prop_map(|(r, k)| Act::DeleteRoom(r, k)),
        2 => (r.clone(), k.clone()).prop_map(|(r, k)| Act::DeleteDevice(r, k)),
        1 => (r.clone(), k.clone()).prop_map(|(r, k)| Act::UndeleteRoom(r, k)),
        1 => (r.clone(), k.clone()).prop_map(|(r, k)| Act::UndeleteDevice(r, k)),
        3 => (r.clone(), r, 1..20usize).prop_map(|(a, b, p)| Act::Push(a, b, p)),
    ]
}

/// The k-th row (deleted ones included) of a table, if it has any.
fn pick(store: &Store, table: &str, k: usize) -> Option<String> {
    let ids: Vec<String> = {
        let mut stmt = store.conn().prepare(&format!("SELECT id FROM {table} ORDER BY id")).unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    (!ids.is_empty()).then(|| ids[k % ids.len()].clone())
}

fn run(acts: &[Act]) -> Result<(), TestCaseError> {
    let (_dir, mut r) = replicas(N);
    let a = r[0].create(authority()).unwrap();
    let school_row = r[0].create(school(&a.id, "162437", "Gymnasium am Park")).unwrap();
    let school_id = school_row.id.clone();
    for i in 1..N {
        let (x, y) = pair(&mut r, 0, i);
        push(x, y, 100).unwrap();
    }
    let mut counter = 0;
    for act in acts {
        counter += 1;
        // Local writes may be refused by validation (e.g. a room that still has devices); such
        // refusals write nothing and are part of normal use.
        match act.clone() {
            Act::CreateRoom(i) => {
                let _ = r[i].create(room(&school_id, &format!("R{i}-{counter}")));
            }
            Act::CreateDevice(i, v) => {
                // Serial numbers from a small set, so replicas register the same one while apart.
                let mut d = device(&school_id, None);
                d.asset.serial_number = (v % 4 != 0).then(|| format!("SN-{}", v % 5));
                let _ = r[i].create(d);
            }
            Act::RenameSchool(i, v) => {
                let cur = r[i].get::<SchoolData>(&school_id).unwrap().data;
                let _ = r[i].update(&school_id, SchoolData { name: format!("Schule {v}"), ..cur });
            }
            Act::UpdateRoom(i, k, v) => {
                if let Some(id) = pick(&r[i], "rooms", k) {
                    let cur = r[i].get::<RoomData>(&id).unwrap().data;
                    let new = if v % 2 == 0 {
                        RoomData { name: Some(format!("Raum {v}")), ..cur }
                    } else {
                        RoomData { floor: Some(i64::from(v % 5)), notes: Some(format!("Notiz {v}")), ..cur }
                    };
                    let _ = r[i].update(&id, new);
                }
            }
            Act::UpdateDevice(i, k, v, x) => {
                if let Some(id) = pick(&r[i], "devices", k) {
                    let mut cur = r[i].get::<DeviceData>(&id).unwrap().data;
                    match v % 4 {
                        0 => cur.asset.model = Some(format!("Modell {v}")),
                        1 => cur.asset.notes = Some(format!("Gerät {v}")),
                        2 => cur.asset.serial_number = (v % 3 != 0).then(|| format!("SN-{}", v % 5)),
                        _ => cur.asset.room_id = pick(&r[i], "rooms", x),
                    }
                    let _ = r[i].update(&id, cur);
                }
            }
            Act::DeleteRoom(i, k) => {
                if let Some(id) = pick(&r[i], "rooms", k) {
                    let _ = r[i].delete::<RoomData>(&id);
                }
            }
            Act::DeleteDevice(i, k) => {
                if let Some(id) = pick(&r[i], "devices", k) {
                    let _ = r[i].delete::<DeviceData>(&id);
                }
            }
            Act::UndeleteRoom(i, k) => {
                if let Some(id) = pick(&r[i], "rooms", k) {
                    let _ = r[i].undelete::<RoomData>(&id);
                }
            }
            Act::UndeleteDevice(i, k) => {
                if let Some(id) = pick(&r[i], "devices", k) {
                    let _ = r[i].undelete::<DeviceData>(&id);
                }
            }
            Act::Push(x, y, page) => {
                if x != y {
                    let (from, to) = pair(&mut r, x, y);
                    let rep = push(from, to, page).unwrap();
                    prop_assert!(rep.rejected.is_empty(), "rejected: {:?}", rep.rejected);
                }
            }
        }
    }
    // Final rounds: a ring there and back spreads everything everywhere.
    for _ in 0..2 {
        for i in 0..N {
            let (x, y) = pair(&mut r, i, (i + 1) % N);
            let (p, q) = exchange(x, y, 50).unwrap();
            prop_assert!(p.rejected.is_empty() && q.rejected.is_empty());
        }
    }
    let d0 = digest(&r[0]).unwrap();
    let vv0 = r[0].version_vector().unwrap();
    let search0 = search_entries(&r[0]);
    let conflicts0 = conflicts::list(&r[0]).unwrap();
    let total: i64 = vv0.values().sum();
    let hidden = conflicts0.iter().filter(|c| c.kind == "duplicate").count();
    eprintln!("case: {} actions, {total} operations, {} conflicts ({hidden} duplicates)", acts.len(), conflicts0.len());
    for s in &r[1..] {
        prop_assert_eq!(&digest(s).unwrap(), &d0);
        prop_assert_eq!(&s.version_vector().unwrap(), &vv0);
        prop_assert_eq!(log_len(s), total);
        prop_assert_eq!(&search_entries(s), &search0);
        prop_assert_eq!(&conflicts::list(s).unwrap(), &conflicts0);
    }
    // The search index holds exactly the live indexed rows.
    let live: i64 = r[0]
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM schools WHERE deleted_at IS NULL) + (SELECT count(*) FROM rooms WHERE deleted_at IS NULL)
                  + (SELECT count(*) FROM devices WHERE deleted_at IS NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    prop_assert_eq!(search0.len() as i64, live);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge(acts in proptest::collection::vec(act(), 50..250)) {
        run(&acts)?;
    }
}
