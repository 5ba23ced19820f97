//! The key figures of the dashboard and the school page, computed from a real database file.

mod common;

use common::*;
use schulinventar_core::kpi::{age_in_years, replacement_due, school_kpis, school_profile, CodeCount};
use schulinventar_core::*;

/// The fixture's school with: three classrooms and a staff room (two covered by WLAN), a display
/// in one classroom, three devices in use and one retired, a live gigabit uplink, and one overdue
/// loan beside a returned one.
fn equipped() -> (Fixture, [String; 3]) {
    let mut f = fixture();
    let s = f.school.clone();
    f.store.create(RoomData { wlan_coverage: None, ..room(&s, None, "A.102") }).unwrap();
    f.store
        .create(RoomData {
            kind: RoomKind::StaffRoom,
            wlan_coverage: Some(WlanCoverage::Partial),
            ..room(&s, None, "L.001")
        })
        .unwrap();
    f.store.create(RoomData { wlan_coverage: Some(WlanCoverage::None), ..room(&s, None, "A.103") }).unwrap();
    f.store.create(presentation(&s, &f.room)).unwrap();

    // Bought 2023, warranty ends in January: due within six months.
    let mut young = device(&s, Some("INV-1"));
    young.asset.warranty_end = Some(date(2027, 1, 15));
    let young = f.store.create(young).unwrap();
    // Bought 2019: a laptop is due after five years, so since 2024.
    let mut old = device(&s, Some("INV-2"));
    old.asset.purchase_date = Some(date(2019, 1, 10));
    old.asset.warranty_end = Some(date(2022, 1, 10));
    let old = f.store.create(old).unwrap();
    let mut unknown = device(&s, Some("INV-3"));
    unknown.category = DeviceCategory::Desktop;
    unknown.asset.purchase_date = None;
    unknown.asset.warranty_end = None;
    let unknown = f.store.create(unknown).unwrap();
    let mut retired = device(&s, Some("INV-4"));
    retired.asset.purchase_date = Some(date(2015, 1, 1));
    retired.asset.status = AssetStatus::Retired;
    f.store.create(retired).unwrap();

    f.store.create(uplink(&s)).unwrap();
    let loan = LoanData {
        device_id: young.id.clone(),
        holder_name: Some("Frau Kaya".into()),
        holder_erased: false,
        loaned_on: date(2026, 1, 5),
        due_on: Some(date(2026, 2, 1)),
        returned_on: None,
        notes: None,
    };
    f.store.create(loan.clone()).unwrap();
    f.store
        .create(LoanData {
            device_id: old.id.clone(),
            due_on: Some(date(2026, 1, 20)),
            returned_on: Some(date(2026, 1, 19)),
            ..loan
        })
        .unwrap();
    (f, [young.id, old.id, unknown.id])
}

const TODAY: (i32, u32, u32) = (2026, 11, 27);

fn today() -> chrono::NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

#[test]
fn key_figures_of_a_school_count_what_is_in_use() {
    let (f, _) = equipped();
    let k = school_kpis(f.store.conn(), today(), Some(&f.school)).unwrap();
    assert_eq!(k.len(), 1);
    let k = &k[0];
    assert_eq!((k.school_number.as_str(), k.pupils), ("162437", Some(800)));
    assert_eq!(k.devices, 3, "the retired device is not counted");
    assert_eq!(k.devices_per_pupil(), Some(3.0 / 800.0));
    assert_eq!((k.classrooms, k.classrooms_with_display), (3, 1));
    assert_eq!(k.display_share(), Some(1.0 / 3.0));
    assert_eq!((k.rooms, k.rooms_with_wlan), (4, 2), "full and partial coverage count, 'none' and unknown do not");
    assert_eq!((k.uplink_technology.as_deref(), k.uplink_down_mbps), (Some("ftth"), Some(1000)));
    assert!(k.gigabit());
    assert_eq!(k.past_replacement_age, 1, "only the 2019 laptop; the retired one from 2015 is not in use");
    assert_eq!(k.overdue_loans, 1, "the open loan past its due date; the returned one is not overdue");
}

#[test]
fn every_school_is_listed_and_a_school_without_pupils_has_no_ratio() {
    let (mut f, _) = equipped();
    let empty =
        f.store.create(SchoolData { pupils: None, ..school(&f.authority, "100001", "Grundschule am Park") }).unwrap();
    let gone = f.store.create(school(&f.authority, "100002", "Geschlossene Schule")).unwrap();
    f.store.delete::<SchoolData>(&gone.id).unwrap();

    let all = school_kpis(f.store.conn(), today(), None).unwrap();
    let numbers: Vec<&str> = all.iter().map(|k| k.school_number.as_str()).collect();
    assert_eq!(numbers, ["100001", "162437"], "ordered by number, the deleted school left out");
    let park = &all[0];
    assert_eq!(park.school_id, empty.id);
    assert_eq!((park.devices, park.rooms, park.devices_per_pupil(), park.display_share()), (0, 0, None, None));
    assert!(!park.gigabit());

    let err = school_kpis(f.store.conn(), today(), Some("no-such-school")).unwrap_err();
    assert!(matches!(err, CoreError::NotFound { .. }), "{err:?}");
}

#[test]
fn the_school_page_shows_devices_by_category_and_age_and_what_is_due() {
    let (f, [young, old, _]) = equipped();
    let p = school_profile(f.store.conn(), &f.school, today(), 6).unwrap();
    assert_eq!(p.kpi.devices, 3);
    let counts = |v: &[CodeCount]| v.iter().map(|c| (c.code.clone(), c.count)).collect::<Vec<_>>();
    assert_eq!(counts(&p.devices_by_category), [("laptop".into(), 2), ("desktop".into(), 1)]);
    assert_eq!(counts(&p.devices_by_age), [("3".into(), 1), ("7".into(), 1), ("unbekannt".into(), 1)]);
    assert_eq!(p.due_until, date(2027, 5, 27));
    // The old laptop (replacement due since 2024) comes before the young one (warranty ends in
    // January); the display (bought 2023, due 2031) is not due.
    let due: Vec<&str> = p.due.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(due, [old.as_str(), young.as_str()]);
    assert_eq!(p.due[0].replacement_due, Some(date(2024, 1, 10)));
    assert_eq!(p.due[0].description, "Dell Latitude 3540");
    assert_eq!(p.due[1].warranty_end, Some(date(2027, 1, 15)));
}

#[test]
fn replacement_age_and_whole_years() {
    assert_eq!(replacement_due("devices", "tablet", date(2020, 2, 29)), Some(date(2025, 2, 28)));
    assert_eq!(replacement_due("devices", "desktop", date(2020, 1, 1)), Some(date(2026, 1, 1)));
    assert_eq!(replacement_due("presentation_hardware", "projector", date(2020, 1, 1)), Some(date(2028, 1, 1)));
    assert_eq!(age_in_years(date(2023, 11, 28), date(2026, 11, 27)), 2, "a day short of three years");
    assert_eq!(age_in_years(date(2023, 11, 27), date(2026, 11, 27)), 3);
    assert_eq!(age_in_years(date(2027, 1, 1), date(2026, 11, 27)), 0, "bought in the future counts as new");
}
