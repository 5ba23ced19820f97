//! The funding ledger's records in a real database: the seeded programme catalogue, allocations,
//! measures, invoices whose lines split the money by source and link the items they paid for.

mod common;

use common::*;
use schulinventar_core::*;

#[test]
fn the_programme_catalogue_is_seeded_and_can_be_extended() {
    let (_dir, mut store) = open_temp();
    let basis: Programme = store.get("programme-digitalpakt-basis").unwrap();
    assert_eq!(basis.data.short_name.as_deref(), Some("DigitalPakt Basis"));
    assert_eq!((basis.data.federal_share_bp, basis.data.min_cofinancing_bp, basis.data.earmark_years), (9000, 1000, 5));
    assert_eq!(basis.data.eligible_from, Some(date(2019, 5, 17)));
    assert!(basis.data.categories.contains(&FundingCategory::MobileDevices));
    let page = store.list::<ProgrammeData>(&ListQuery::default()).unwrap();
    let names: Vec<&str> = page.items.iter().filter_map(|p| p.data.short_name.as_deref()).collect();
    for n in [
        "DigitalPakt Basis",
        "Sofortausstattung",
        "Leihgeräte Lehrkräfte",
        "Administration",
        "DigitalPakt 2.0",
        "Gute Schule 2020",
        "Eigenmittel",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    // Hessen's own rule: 25 % co-financing, half Land, half Schulträger.
    let mut hessen = basis.data.clone();
    hessen.name = "DigitalPakt Hessen".into();
    hessen.short_name = None;
    hessen.land = Some(Land::He);
    hessen.federal_share_bp = 7500;
    hessen.land_share_bp = 1250;
    hessen.min_cofinancing_bp = 2500;
    let created = store.create(hessen.clone()).unwrap();
    assert_eq!(store.get::<ProgrammeData>(&created.id).unwrap().data, hessen);
    hessen.land_share_bp = 5000;
    let err = store.create(hessen).unwrap_err();
    assert!(
        matches!(err, CoreError::Validation { ref errors, .. } if errors.iter().any(|e| e.code == "shares_exceed_total")),
        "{err:?}"
    );
}

#[test]
fn invoice_lines_split_exactly_and_link_items() {
    let (_dir, mut store) = open_temp();
    let a = store.create(authority()).unwrap();
    let s = store.create(school(&a.id, "123456", "Gymnasium Nord")).unwrap();
    let inv = store.create(invoice(&a.id, "RE-1")).unwrap();
    let (f, l, o) = split_by_shares(119_000, 9000, 0);
    assert_eq!(f + l + o, 119_000);
    let mut good = invoice_line(&inv.id, 119_000, (f, l, o, 0));
    good.school_id = Some(s.id.clone());
    let ln = store.create(good.clone()).unwrap();

    // A split that does not add up to the gross amount is refused, with the reason.
    let mut bad = good.clone();
    bad.position = 2;
    bad.own_cents += 1;
    match store.create(bad).unwrap_err() {
        CoreError::Validation { errors, .. } => {
            assert_eq!(errors[0].code, "split_mismatch");
            assert!(errors[0].message.contains("1.190,00 €"), "{}", errors[0].message);
        }
        other => panic!("{other:?}"),
    }

    let device = store.create(device(&s.id, Some("INV-7"))).unwrap();
    let link = InvoiceItemData { line_id: ln.id.clone(), item_entity: ItemEntity::Device, item_id: device.id.clone() };
    store.create(link.clone()).unwrap();
    let dup = store.create(link).unwrap_err();
    assert!(matches!(dup, CoreError::Validation { ref errors, .. } if errors[0].code == "duplicate"));
    let ghost = InvoiceItemData { line_id: ln.id.clone(), item_entity: ItemEntity::AccessPoint, item_id: device.id };
    assert!(
        matches!(store.create(ghost).unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "unknown_item")
    );

    // The invoice is still referred to by its line: not deletable.
    assert!(store.delete::<InvoiceData>(&inv.id).is_err());
    // Every write is an operation in the change log.
    let ops: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM change_log WHERE entity IN ('invoice', 'invoice_line', 'invoice_item')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ops, 3);
}

#[test]
fn invoices_are_unique_per_supplier_and_add_up() {
    let (_dir, mut store) = open_temp();
    let a = store.create(authority()).unwrap();
    store.create(invoice(&a.id, "RE-1")).unwrap();
    let mut again = invoice(&a.id, "RE-1");
    again.supplier = "BECHTLE GmbH".into();
    assert!(
        matches!(store.create(again).unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "duplicate")
    );
    let mut other_supplier = invoice(&a.id, "RE-1");
    other_supplier.supplier = "Cancom SE".into();
    store.create(other_supplier).unwrap();
    let mut wrong = invoice(&a.id, "RE-2");
    wrong.gross_cents += 1;
    wrong.paid_on = Some(date(2023, 1, 1));
    match store.create(wrong).unwrap_err() {
        CoreError::Validation { errors, .. } => {
            let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
            assert_eq!(codes, vec!["gross_mismatch", "before_invoice"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn allocations_and_measures() {
    let (_dir, mut store) = open_temp();
    let a = store.create(authority()).unwrap();
    let other = store.create(SchoolAuthorityData { name: "Kreis Nachbar".into(), ..authority() }).unwrap();
    let s = store.create(school(&a.id, "123456", "Gymnasium Nord")).unwrap();
    let alloc = AllocationData {
        programme_id: "programme-digitalpakt-basis".into(),
        authority_id: a.id.clone(),
        school_id: None,
        amount_cents: 123_456_700,
        pupils: Some(4567),
        per_pupil_cents: Some(27_033),
        key_note: Some("75 % Schülerzahl, 25 % Schlüsselzuweisung".into()),
        notes: None,
    };
    store.create(alloc.clone()).unwrap();
    let wrong_school = AllocationData { authority_id: other.id.clone(), school_id: Some(s.id.clone()), ..alloc };
    assert!(
        matches!(store.create(wrong_school).unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "school_of_other_authority")
    );

    let mut m = MeasureData {
        programme_id: "programme-digitalpakt-basis".into(),
        school_id: s.id.clone(),
        category: FundingCategory::Wlan,
        title: "WLAN-Ausleuchtung Hauptgebäude".into(),
        planned_cents: 8_000_000,
        status: MeasureStatus::Approved,
        applied_on: Some(date(2020, 3, 1)),
        approved_on: None,
        file_number: Some("48.01-DP-123".into()),
        approved_cents: None,
        funding_rate_bp: Some(9000),
        narrative: None,
        notes: None,
    };
    assert!(
        matches!(store.create(m.clone()).unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "approval_incomplete")
    );
    m.approved_on = Some(date(2020, 6, 1));
    m.approved_cents = Some(7_500_000);
    store.create(m).unwrap();
    // The programme is in use: not deletable.
    assert!(store.delete::<ProgrammeData>("programme-digitalpakt-basis").is_err());
}

#[test]
fn retiring_or_moving_an_earmarked_item_needs_a_reason() {
    let (_dir, mut store) = open_temp();
    let a = store.create(authority()).unwrap();
    let s = store.create(school(&a.id, "123456", "Gymnasium Nord")).unwrap();
    let other = store.create(room(&s.id, None, "B.1.01")).unwrap();
    let dev = store.create(device(&s.id, Some("INV-9"))).unwrap();
    let old = store.create(device(&s.id, Some("INV-10"))).unwrap();
    for (item, date_of_invoice, number) in [(&dev, date(2023, 5, 2), "RE-9"), (&old, date(2015, 5, 2), "RE-10")] {
        let mut i = invoice(&a.id, number);
        i.invoice_date = date_of_invoice;
        i.paid_on = None;
        let inv = store.create(i).unwrap();
        let ln = store.create(invoice_line(&inv.id, 119_000, (107_100, 0, 11_900, 0))).unwrap();
        store
            .create(InvoiceItemData { line_id: ln.id, item_entity: ItemEntity::Device, item_id: item.id.clone() })
            .unwrap();
    }
    // Earmarked until 02.05.2028 (5 years after the invoice).
    let mut retired = dev.data.clone();
    retired.asset.status = AssetStatus::Retired;
    match store.update(&dev.id, retired.clone()).unwrap_err() {
        CoreError::Validation { errors, .. } => {
            assert_eq!((errors[0].field.as_str(), errors[0].code.as_str()), ("status", "earmarked"));
            assert!(
                errors[0].message.contains("02.05.2028") && errors[0].message.contains("DigitalPakt Basis"),
                "{}",
                errors[0].message
            );
        }
        other => panic!("{other:?}"),
    }
    let mut moved = dev.data.clone();
    moved.asset.room_id = Some(other.id.clone());
    assert!(
        matches!(store.update(&dev.id, moved).unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "earmarked")
    );
    // Other changes are free.
    let mut renamed = dev.data.clone();
    renamed.asset.notes = Some("Akku getauscht".into());
    store.update(&dev.id, renamed).unwrap();
    // With a documented reason it is allowed, and the reason is in the change log.
    assert!(store.update_with_reason(&dev.id, retired.clone(), "  ").is_err(), "an empty reason is none");
    store.update_with_reason(&dev.id, retired, "Totalschaden nach Wasserschaden, Versicherungsfall 2024-17").unwrap();
    let reason: String = store
        .conn()
        .query_row("SELECT reason FROM change_log WHERE row_id = ?1 ORDER BY seq DESC LIMIT 1", [&dev.id], |r| r.get(0))
        .unwrap();
    assert!(reason.starts_with("Totalschaden"));
    // The item bought in 2015 is past its five years.
    let mut old_retired = old.data.clone();
    old_retired.asset.status = AssetStatus::Retired;
    store.update(&old.id, old_retired).unwrap();
}
