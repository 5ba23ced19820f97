//! Lists, keyset pagination, full-text search and counts against a real database file.

mod common;

use std::collections::HashSet;

use common::*;
use schulinventar_core::*;

fn all_pages<T: Entity>(store: &Store, mut q: ListQuery) -> Vec<Row<T>> {
    let mut out = Vec::new();
    loop {
        let page = store.list::<T>(&q).unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => q.after = Some(n),
            None => return out,
        }
    }
}

fn seed_devices(f: &mut Fixture, n: usize) {
    let school = f.school.clone();
    f.store
        .write(None, |w| {
            for i in 0..n {
                let mut d = device(&school, Some(&format!("D-{:04}", (i * 7919) % 10_000)));
                // Every fifth device has no purchase date: NULLs must page correctly too.
                d.asset.purchase_date =
                    if i % 5 == 0 { None } else { Some(date(2018 + (i % 6) as i32, 1 + (i % 12) as u32, 1)) };
                d.asset.warranty_end = None;
                w.create(d)?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn pagination_is_stable_and_complete_in_both_directions_with_nulls() {
    let mut f = fixture();
    seed_devices(&mut f, 230);
    for descending in [false, true] {
        let q = ListQuery { sort: Some("purchase_date".into()), descending, limit: Some(17), ..Default::default() };
        let rows = all_pages::<DeviceData>(&f.store, q);
        assert_eq!(rows.len(), 230);
        let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 230, "no row twice");
        let keys: Vec<_> = rows.iter().map(|r| (r.data.asset.purchase_date, r.id.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "order (purchase_date, id), nulls first ascending");
    }
}

#[test]
fn rows_inserted_between_pages_do_not_shift_the_pages() {
    let mut f = fixture();
    seed_devices(&mut f, 120);
    let mut q = ListQuery { sort: Some("inventory_number".into()), limit: Some(25), ..Default::default() };
    let original: HashSet<String> = all_pages::<DeviceData>(&f.store, q.clone()).into_iter().map(|r| r.id).collect();
    let mut seen = Vec::new();
    let school = f.school.clone();
    let mut round = 0;
    loop {
        let page = f.store.list::<DeviceData>(&q).unwrap();
        seen.extend(page.items.into_iter().map(|r| r.id));
        // Someone adds devices that sort before and after the cursor.
        round += 1;
        f.store.create(device(&school, Some(&format!("A-{round}")))).unwrap();
        f.store.create(device(&school, Some(&format!("Z-{round}")))).unwrap();
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let seen_set: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), seen_set.len(), "no duplicates");
    assert!(original.is_subset(&seen_set), "no original row skipped");
}

#[test]
fn filters_by_school_status_and_room_and_refuses_unknown_sort() {
    let mut f = fixture();
    seed_devices(&mut f, 10);
    let other = f.store.create(school(&f.authority, "100011", "Zweite Schule")).unwrap();
    let mut d = device(&other.id, Some("O-1"));
    d.asset.status = AssetStatus::Retired;
    f.store.create(d).unwrap();

    let by_number =
        all_pages::<DeviceData>(&f.store, ListQuery { school_number: Some("100011".into()), ..Default::default() });
    assert_eq!(by_number.len(), 1);
    let by_status =
        all_pages::<DeviceData>(&f.store, ListQuery { status: Some("retired".into()), ..Default::default() });
    assert_eq!(by_status.len(), 1);
    let mine = all_pages::<DeviceData>(&f.store, ListQuery { school_id: Some(f.school.clone()), ..Default::default() });
    assert_eq!(mine.len(), 10);
    let err =
        f.store.list::<DeviceData>(&ListQuery { sort: Some("id; DROP TABLE devices".into()), ..Default::default() });
    assert!(matches!(err, Err(CoreError::InvalidArgument { .. })));
    let err = f.store.list::<DeviceData>(&ListQuery { after: Some("garbage".into()), ..Default::default() });
    assert!(matches!(err, Err(CoreError::InvalidArgument { .. })));
}

#[test]
fn deleted_rows_are_hidden_unless_asked_for() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("DEL-1"))).unwrap();
    f.store.delete::<DeviceData>(&d.id).unwrap();
    assert!(all_pages::<DeviceData>(&f.store, ListQuery::default()).is_empty());
    assert_eq!(all_pages::<DeviceData>(&f.store, ListQuery { include_deleted: true, ..Default::default() }).len(), 1);
    assert!(f.store.search("DEL-1", 10).unwrap().is_empty(), "deleted rows leave the search index");
    f.store.undelete::<DeviceData>(&d.id).unwrap();
    assert_eq!(f.store.search("DEL-1", 10).unwrap().len(), 1);
}

#[test]
fn search_folds_umlauts_and_groups_by_kind() {
    let mut f = fixture();
    let mut d = device(&f.school, Some("BR-1"));
    d.asset.notes = Some("Spende des Fördervereins Brändström".into());
    f.store.create(d).unwrap();
    for q in ["brandstrom", "BRÄNDSTRÖM", "Brand", "brändström gymnasium"] {
        let hits = f.store.search(q, 10).unwrap();
        assert!(hits.iter().any(|h| h.entity == "school" && h.title.contains("Elsa-Brändström")), "{q}: {hits:?}");
    }
    let hits = f.store.search("brandstrom", 10).unwrap();
    let kinds: Vec<&str> = hits.iter().map(|h| h.entity.as_str()).collect();
    assert_eq!(kinds, vec!["school", "device"], "grouped by kind, schools first");
    assert!(hits[1].school_id.as_deref() == Some(f.school.as_str()));
    assert!(f.store.search("Fördervereins", 10).unwrap().iter().any(|h| h.entity == "device"));
    assert!(f.store.search("foerderverein", 10).unwrap().is_empty(), "ae/oe spellings are not umlauts");
    assert!(f.store.search("\"*) OR (", 10).unwrap().is_empty(), "hostile query is just text");

    // An edit is searchable at once, and the old text is gone.
    let school = f.store.get::<SchoolData>(&f.school).unwrap();
    f.store.update(&f.school, SchoolData { name: "Gauß-Gymnasium".into(), ..school.data }).unwrap();
    assert!(f.store.search("gauss", 10).unwrap().iter().any(|h| h.entity == "school"));
    assert!(!f.store.search("brandstrom", 10).unwrap().iter().any(|h| h.entity == "school"));
    // List search uses the same index.
    let page = f.store.list::<SchoolData>(&ListQuery { search: Some("gauß".into()), ..Default::default() }).unwrap();
    assert_eq!(page.items.len(), 1);
}

#[test]
fn counts_per_entity_school_and_authority() {
    let mut f = fixture();
    seed_devices(&mut f, 4);
    f.store.create(access_point(&f.school, "00:00:00:00:00:01")).unwrap();
    f.store.create(uplink(&f.school)).unwrap();
    let stats = f.store.stats().unwrap();
    assert_eq!(stats["schools"], 1);
    assert_eq!(stats["devices"], 4);
    assert_eq!(stats["access_points"], 1);
    assert_eq!(stats["fibre_links"], 1);
    assert_eq!(stats["rooms"], 1);
    let c = query::school_counts(f.store.conn(), &f.school).unwrap();
    assert_eq!((c.devices, c.access_points, c.rooms, c.buildings, c.fibre_links), (4, 1, 1, 1, 1));
    let other = f.store.create(school(&f.authority, "100012", "Zweite")).unwrap();
    f.store.create(device(&other.id, Some("Z-1"))).unwrap();
    assert_eq!(query::authority_counts(f.store.conn(), &f.authority).unwrap().devices, 5);
    assert_eq!(query::school_counts(f.store.conn(), &f.school).unwrap().devices, 4);
}

#[test]
fn demo_small_is_deterministic_and_complete() {
    let snapshot = || {
        let (dir, mut store) = open_temp();
        demo::generate(&mut store, demo::Scale::Small, 7, &mut |_, _| {}).unwrap();
        let names: Vec<String> = all_pages::<SchoolData>(&store, ListQuery::default())
            .into_iter()
            .map(|s| format!("{} {} {:?}", s.data.school_number, s.data.name, s.data.pupils))
            .collect();
        let serials: Vec<Option<String>> = all_pages::<DeviceData>(&store, ListQuery::default())
            .into_iter()
            .map(|d| d.data.asset.serial_number)
            .collect();
        (dir, store.stats().unwrap(), names, serials)
    };
    let (_d1, s1, n1, ser1) = snapshot();
    let (_d2, s2, n2, ser2) = snapshot();
    assert_eq!((s1.clone(), n1.clone(), ser1), (s2, n2, ser2));
    assert_eq!(s1["schools"], 3);
    for key in [
        "buildings",
        "rooms",
        "devices",
        "loans",
        "access_points",
        "presentation_hardware",
        "fibre_links",
        "allocations",
        "measures",
        "invoices",
        "invoice_lines",
        "invoice_items",
    ] {
        assert!(s1[key].as_i64().unwrap() > 0, "{key} filled");
    }
    assert!(n1.iter().all(|n| n.split(' ').next().unwrap().len() == 6), "NRW school numbers: {n1:?}");
}

#[test]
fn demo_funding_adds_up_and_the_checks_run() {
    let (_dir, mut store) = open_temp();
    demo::generate(&mut store, demo::Scale::Small, 7, &mut |_, _| {}).unwrap();
    let conn = store.conn();
    let bad: i64 = conn
        .query_row(
            "SELECT count(*) FROM invoices i WHERE gross_cents <> (SELECT sum(gross_cents) FROM invoice_lines l WHERE l.invoice_id = i.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0, "invoice totals are the sums of their lines");
    let findings = schulinventar_core::funding::check(conn, date(2025, 1, 1)).unwrap();
    assert!(
        !findings.iter().any(|f| f.code == "invoice_outside_period" || f.code == "category_not_fundable"),
        "{findings:?}"
    );
    assert!(findings.iter().any(|f| f.code == "deadline_ahead"));
    let budgets = schulinventar_core::funding::budgets(conn, None, None).unwrap();
    assert!(budgets.iter().any(|b| b.allocated_cents > 0 && b.spent_cents > 0 && b.approved_cents > 0));
}
