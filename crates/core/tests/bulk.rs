//! Bulk actions on devices: a new status or a move to another room for many devices in one
//! transaction, all or nothing.

mod common;

use common::*;
use schulinventar_core::bulk::{BulkChange, BulkOutcome};
use schulinventar_core::*;

fn devices(f: &mut Fixture, n: usize) -> Vec<String> {
    (0..n).map(|i| f.store.create(device(&f.school, Some(&format!("INV-{i}")))).unwrap().id).collect()
}

#[test]
fn a_status_and_a_room_are_set_for_every_chosen_device() {
    let mut f = fixture();
    let ids = devices(&mut f, 3);
    let in_repair = BulkChange { status: Some(AssetStatus::InRepair), room_id: None };
    assert_eq!(
        f.store.bulk_update_devices(&ids[..2], &in_repair, None).unwrap(),
        BulkOutcome { changed: 2, unchanged: 0 }
    );
    let status = |f: &Fixture, id: &str| f.store.get::<DeviceData>(id).unwrap().data.asset.status;
    assert_eq!(
        [status(&f, &ids[0]), status(&f, &ids[1]), status(&f, &ids[2])],
        [AssetStatus::InRepair, AssetStatus::InRepair, AssetStatus::InUse]
    );
    // Again: nothing to write.
    let before = log_len(&f.store);
    assert_eq!(
        f.store.bulk_update_devices(&ids[..2], &in_repair, None).unwrap(),
        BulkOutcome { changed: 0, unchanged: 2 }
    );
    assert_eq!(log_len(&f.store), before);

    // The fixture's room lies in its building: a move sets both.
    let moved = BulkChange { status: None, room_id: Some(f.room.clone()) };
    assert_eq!(f.store.bulk_update_devices(&ids, &moved, None).unwrap().changed, 3);
    for id in &ids {
        let d = f.store.get::<DeviceData>(id).unwrap().data;
        assert_eq!(
            (d.asset.room_id.as_deref(), d.asset.building_id.as_deref()),
            (Some(f.room.as_str()), Some(f.building.as_str()))
        );
    }
}

#[test]
fn one_refusal_writes_nothing_and_names_the_device() {
    let mut f = fixture();
    let ids = devices(&mut f, 2);
    let elsewhere = f.store.create(school(&f.authority, "100001", "Grundschule am Park")).unwrap();
    let foreign = f.store.create(device(&elsewhere.id, Some("PARK-1"))).unwrap();
    let chosen = vec![ids[0].clone(), foreign.id.clone(), ids[1].clone()];
    let before = log_len(&f.store);

    let err = f
        .store
        .bulk_update_devices(
            &chosen,
            &BulkChange { status: Some(AssetStatus::InStock), room_id: Some(f.room.clone()) },
            None,
        )
        .unwrap_err();
    let CoreError::Validation { errors, .. } = err else { panic!("{err:?}") };
    let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    assert_eq!(
        fields,
        [("items.1.building_id", "building_of_other_school"), ("items.1.room_id", "room_of_other_school")]
    );
    assert!(errors.iter().all(|e| e.message.starts_with("PARK-1: ")), "{errors:?}");
    assert_eq!(log_len(&f.store), before, "nothing written");
    assert_eq!(f.store.get::<DeviceData>(&ids[0]).unwrap().data.asset.status, AssetStatus::InUse);

    assert!(matches!(
        f.store.bulk_update_devices(&[], &BulkChange::default(), None),
        Err(CoreError::InvalidArgument { .. })
    ));
    assert!(matches!(
        f.store.bulk_update_devices(&ids, &BulkChange::default(), None),
        Err(CoreError::InvalidArgument { .. })
    ));
    let unknown = vec!["no-such-device".to_owned()];
    let change = BulkChange { status: Some(AssetStatus::InStock), room_id: None };
    assert!(matches!(f.store.bulk_update_devices(&unknown, &change, None), Err(CoreError::NotFound { .. })));
}

#[test]
fn retiring_earmarked_devices_in_bulk_needs_a_reason() {
    let mut f = fixture();
    let ids = devices(&mut f, 2);
    let inv = f.store.create(invoice(&f.authority, "RE-1")).unwrap();
    let ln = f.store.create(invoice_line(&inv.id, 119_000, (107_100, 0, 11_900, 0))).unwrap();
    f.store
        .create(InvoiceItemData { line_id: ln.id, item_entity: ItemEntity::Device, item_id: ids[1].clone() })
        .unwrap();

    let retire = BulkChange { status: Some(AssetStatus::Retired), room_id: None };
    let err = f.store.bulk_update_devices(&ids, &retire, None).unwrap_err();
    let CoreError::Validation { errors, .. } = err else { panic!("{err:?}") };
    assert_eq!((errors[0].field.as_str(), errors[0].code.as_str()), ("items.1.status", "earmarked"));
    assert_eq!(f.store.get::<DeviceData>(&ids[0]).unwrap().data.asset.status, AssetStatus::InUse, "all or nothing");

    let reason = "Wasserschaden, Versicherungsfall 2026-3";
    assert_eq!(f.store.bulk_update_devices(&ids, &retire, Some(reason)).unwrap().changed, 2);
    let logged: i64 = f
        .store
        .conn()
        .query_row("SELECT count(*) FROM change_log WHERE entity = 'device' AND reason = ?1", [reason], |r| r.get(0))
        .unwrap();
    assert_eq!(logged, 2, "the reason is recorded with each device's operation");
}
