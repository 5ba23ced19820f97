//! Every validation rule returns its field, its stable code and a German message; nothing is
//! written when validation fails.

mod common;

use common::*;
use schulinventar_core::*;

fn expect<T: Entity + Validate + std::fmt::Debug>(store: &mut Store, data: T, field: &str, code: &str) {
    let before = log_len(store);
    let err = store.create(data).unwrap_err();
    if let CoreError::Validation { errors, .. } = &err {
        let e = errors.iter().find(|e| e.field == field && e.code == code);
        let e = e.unwrap_or_else(|| panic!("expected {field}/{code}, got {errors:?}"));
        assert!(!e.message.is_empty() && e.message.ends_with('.'), "German sentence: {}", e.message);
    } else {
        panic!("expected validation error {field}/{code}, got {err:?}");
    }
    assert_eq!(log_len(store), before, "nothing logged for rejected input");
}

#[test]
fn authority_and_school_rules() {
    let mut f = fixture();
    let s = &mut f.store;
    expect(s, SchoolAuthorityData { name: "  ".into(), ..authority() }, "name", "required");
    expect(s, SchoolAuthorityData { ags: Some("5113".into()), ..authority() }, "ags", "invalid_ags");

    let a = f.authority.clone();
    expect(s, school(&a, "62437", "X"), "school_number", "invalid_school_number");
    expect(s, school(&a, "162437", "Doppelt"), "school_number", "duplicate_school_number");
    expect(s, school("nope", "100003", "X"), "authority_id", "unknown_authority");
    expect(
        s,
        SchoolData { land: Land::He, school_number: "4024".into(), ..school(&a, "", "X") },
        "land",
        "land_mismatch",
    );
    expect(s, SchoolData { social_index: Some(10), ..school(&a, "100004", "X") }, "social_index", "out_of_range");
    expect(s, SchoolData { pupils: Some(-1), ..school(&a, "100005", "X") }, "pupils", "out_of_range");
    expect(
        s,
        SchoolData { postcode: Some("4512".into()), ..school(&a, "100006", "X") },
        "postcode",
        "invalid_postcode",
    );
    expect(
        s,
        SchoolData { headcount_date: Some(date(2999, 1, 1)), ..school(&a, "100007", "X") },
        "headcount_date",
        "date_in_future",
    );
    expect(s, SchoolData { name: "x".repeat(400), ..school(&a, "100008", "X") }, "name", "too_long");
    expect(s, SchoolData { name: "Schule\u{0007}".into(), ..school(&a, "100009", "X") }, "name", "control_characters");
}

#[test]
fn place_rules_room_of_another_school() {
    let mut f = fixture();
    let other = f.store.create(school(&f.authority, "100010", "Andere Schule")).unwrap();
    let other_room = f.store.create(room(&other.id, None, "1")).unwrap();
    let other_building = f
        .store
        .create(BuildingData {
            school_id: other.id.clone(),
            name: "Altbau".into(),
            code: None,
            street: None,
            notes: None,
        })
        .unwrap();
    let s = &mut f.store;
    let school_id = f.school.clone();

    let mut d = device(&school_id, None);
    d.asset.room_id = Some(other_room.id.clone());
    expect(s, d, "room_id", "room_of_other_school");
    let mut d = device(&school_id, None);
    d.asset.building_id = Some(other_building.id.clone());
    expect(s, d, "building_id", "building_of_other_school");
    let mut d = device(&school_id, None);
    d.asset.room_id = Some("missing".into());
    expect(s, d, "room_id", "unknown_room");
    let second_building = s
        .create(BuildingData {
            school_id: school_id.clone(),
            name: "Neubau".into(),
            code: None,
            street: None,
            notes: None,
        })
        .unwrap();
    let mut d = device(&school_id, None);
    d.asset.building_id = Some(second_building.id.clone());
    d.asset.room_id = Some(f.room.clone());
    expect(s, d, "room_id", "room_of_other_building");
    expect(s, device("missing", None), "school_id", "unknown_school");
    let mut d = device(&school_id, None);
    d.asset.building_id = Some("missing".into());
    expect(s, d, "building_id", "unknown_building");
    expect(s, room(&school_id, Some(&other_building.id), "9"), "building_id", "building_of_other_school");
    expect(s, RoomData { number: " ".into(), ..room(&school_id, None, "x") }, "number", "required");
    expect(s, RoomData { floor: Some(99), ..room(&school_id, None, "x") }, "floor", "out_of_range");
}

#[test]
fn asset_rules() {
    let mut f = fixture();
    let sid = f.school.clone();
    let s = &mut f.store;
    let mut d = device(&sid, None);
    d.asset.purchase_date = Some(date(2999, 1, 1));
    d.asset.warranty_end = Some(date(2999, 2, 1));
    expect(s, d, "purchase_date", "date_in_future");
    let mut d = device(&sid, None);
    d.asset.warranty_end = Some(date(2020, 1, 1));
    expect(s, d, "warranty_end", "warranty_before_purchase");
    let mut d = device(&sid, None);
    d.asset.price_cents = Some(-1);
    expect(s, d, "price_cents", "negative");

    let mut d = device(&sid, None);
    d.asset.serial_number = Some("SN-1".into());
    s.create(d.clone()).unwrap();
    d.asset.manufacturer = Some("DELL".into());
    expect(s, d.clone(), "serial_number", "duplicate_serial_number");
    d.asset.manufacturer = Some("Lenovo".into());
    s.create(d).unwrap();

    expect(s, access_point(&sid, "00:11:22:33:44"), "mac_address", "invalid_mac");
    s.create(access_point(&sid, "00:11:22:33:44:55")).unwrap();
    expect(s, access_point(&sid, "0011.2233.4455"), "mac_address", "duplicate_mac");
    let mut ap = access_point(&sid, "00:11:22:33:44:66");
    ap.ssids = vec!["x".repeat(33)];
    expect(s, ap, "ssids", "ssid_too_long");
    let mut p = presentation(&sid, &f.room);
    p.size_inches = Some(0);
    expect(s, p, "size_inches", "out_of_range");
}

#[test]
fn loan_rules() {
    let mut f = fixture();
    let dev = f.store.create(device(&f.school, Some("L-1"))).unwrap();
    let s = &mut f.store;
    let loan = LoanData {
        device_id: dev.id.clone(),
        holder_name: Some("Anna Schmidt".into()),
        holder_erased: false,
        loaned_on: date(2024, 3, 1),
        due_on: Some(date(2024, 2, 1)),
        returned_on: None,
        notes: None,
    };
    expect(s, loan.clone(), "due_on", "before_loan");
    expect(s, LoanData { device_id: "missing".into(), due_on: None, ..loan.clone() }, "device_id", "unknown_device");
    expect(s, LoanData { holder_erased: true, due_on: None, ..loan.clone() }, "holder_name", "erase_open_loan");
    let open = s.create(LoanData { due_on: None, ..loan.clone() }).unwrap();
    expect(s, LoanData { due_on: None, ..loan.clone() }, "device_id", "already_on_loan");

    // Return, then erase the holder's name: allowed, and the name is gone from the row.
    let mut closed = open.data.clone();
    closed.returned_on = Some(date(2024, 6, 30));
    s.update(&open.id, closed.clone()).unwrap();
    closed.holder_name = None;
    closed.holder_erased = true;
    let erased = s.update(&open.id, closed).unwrap();
    assert!(erased.data.holder_name.is_none() && erased.data.holder_erased);
}

#[test]
fn fibre_link_rules() {
    let mut f = fixture();
    let sid = f.school.clone();
    let b1 = f.building.clone();
    let s = &mut f.store;
    let mut u = uplink(&sid);
    u.from_building_id = Some(b1.clone());
    expect(s, u, "from_building_id", "uplink_with_buildings");
    let inter = FibreLinkData {
        link_type: FibreLinkType::InterBuilding,
        fibre_type: Some(FibreType::Os2),
        fibre_count: Some(24),
        length_m: Some(120),
        from_building_id: Some(b1.clone()),
        to_building_id: Some(b1.clone()),
        ..uplink(&sid)
    };
    expect(s, inter.clone(), "to_building_id", "same_building");
    expect(s, FibreLinkData { to_building_id: None, ..inter.clone() }, "to_building_id", "required");
    expect(s, FibreLinkData { down_mbps: Some(0), ..uplink(&sid) }, "down_mbps", "out_of_range");
    expect(s, FibreLinkData { monthly_cost_cents: Some(-100), ..uplink(&sid) }, "monthly_cost_cents", "negative");
    expect(
        s,
        FibreLinkData { from_building_id: Some("verschwunden".into()), ..inter.clone() },
        "from_building_id",
        "unknown_building",
    );
    let mut bad_dates = uplink(&sid);
    bad_dates.contract_end = Some(date(2020, 1, 1));
    expect(s, bad_dates, "contract_end", "before_commissioning");
}

#[test]
fn all_problems_are_reported_at_once() {
    let mut f = fixture();
    let mut d = device(&f.school, None);
    d.asset.price_cents = Some(-1);
    d.asset.purchase_date = Some(date(2999, 1, 1));
    d.asset.room_id = Some("missing".into());
    let got = codes(f.store.create(d).unwrap_err());
    assert_eq!(got.len(), 4, "{got:?}"); // room, price, purchase date, warranty before purchase
}

#[test]
fn errors_serialise_with_code_field_and_german_message() {
    let mut f = fixture();
    let err = f.store.create(access_point(&f.school, "nonsense")).unwrap_err();
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["code"], "validation");
    assert_eq!(json["errors"][0]["field"], "mac_address");
    assert_eq!(json["errors"][0]["code"], "invalid_mac");
    assert_eq!(json["errors"][0]["message"], "„nonsense“ ist keine MAC-Adresse.");
}
