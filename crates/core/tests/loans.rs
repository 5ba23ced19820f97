//! Teacher loans: lend, return, the overdue list, and erasing the holder's name everywhere it
//! was written, on this replica and on one that receives the operations in any order.

mod common;

use common::*;
use schulinventar_core::history::history;
use schulinventar_core::loans::{loans, LoanFilter};
use schulinventar_core::*;

const NAME: &str = "Frau Özdemir-Kaya";

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Operations (change-log rows) of any entity that still mention `text`.
fn log_mentions(store: &Store, text: &str) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM change_log WHERE fields LIKE '%' || ?1 || '%'", [text], |r| r.get(0))
        .unwrap()
}

#[test]
fn lend_return_and_the_rules_of_a_loan() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("LG-1"))).unwrap();

    let err = f.store.lend(&d.id, "  ", None, None).unwrap_err();
    assert_eq!(codes(err), [("holder_name".into(), "required".into())]);

    let loan = f.store.lend(&d.id, NAME, Some(today() + chrono::Days::new(30)), None).unwrap();
    assert_eq!((loan.data.loaned_on, loan.data.holder_name.as_deref()), (today(), Some(NAME)));
    let err = f.store.lend(&d.id, "Herr Weber", None, None).unwrap_err();
    assert_eq!(codes(err), [("device_id".into(), "already_on_loan".into())]);
    let err = f.store.erase_holder(&loan.id).unwrap_err();
    assert_eq!(codes(err), [("holder_name".into(), "erase_open_loan".into())]);

    let open = loans(f.store.conn(), &LoanFilter { open_only: true, ..Default::default() }, today()).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].device_inventory_number.as_deref(), Some("LG-1"));
    assert_eq!((open[0].device_description.as_str(), open[0].school_number.as_str()), ("Dell Latitude 3540", "162437"));
    assert!(!open[0].overdue);

    let back = f.store.return_loan(&loan.id, today()).unwrap();
    assert_eq!(back.data.returned_on, Some(today()));
    assert!(matches!(f.store.return_loan(&loan.id, today()), Err(CoreError::InvalidArgument { .. })));
    assert!(loans(f.store.conn(), &LoanFilter { open_only: true, ..Default::default() }, today()).unwrap().is_empty());
    // The device can be lent again once it is back.
    f.store.lend(&d.id, "Herr Weber", None, None).unwrap();
    let of_device =
        loans(f.store.conn(), &LoanFilter { device_id: Some(d.id.clone()), ..Default::default() }, today()).unwrap();
    let holders: Vec<_> = of_device.iter().map(|l| l.loan.data.holder_name.as_deref()).collect();
    assert_eq!(holders, [Some("Herr Weber"), Some(NAME)], "open loan first, then the closed one");
}

#[test]
fn overdue_loans_are_listed_per_school() {
    let mut f = fixture();
    let other_school = f.store.create(school(&f.authority, "100001", "Grundschule am Park")).unwrap();
    let late = f.store.create(device(&f.school, Some("LG-1"))).unwrap();
    let in_time = f.store.create(device(&f.school, Some("LG-2"))).unwrap();
    let elsewhere = f.store.create(device(&other_school.id, Some("LG-3"))).unwrap();
    let loan = |device_id: &str, due: chrono::NaiveDate| LoanData {
        device_id: device_id.into(),
        holder_name: Some(NAME.into()),
        holder_erased: false,
        loaned_on: date(2025, 1, 10),
        due_on: Some(due),
        returned_on: None,
        notes: None,
    };
    f.store.create(loan(&late.id, date(2025, 7, 31))).unwrap();
    f.store.create(loan(&in_time.id, today() + chrono::Days::new(10))).unwrap();
    f.store.create(loan(&elsewhere.id, date(2025, 3, 1))).unwrap();

    let overdue = LoanFilter { overdue_only: true, ..Default::default() };
    let all = loans(f.store.conn(), &overdue, today()).unwrap();
    let numbers: Vec<_> = all.iter().map(|l| l.device_inventory_number.as_deref().unwrap()).collect();
    assert_eq!(numbers, ["LG-3", "LG-1"], "soonest due first");
    assert!(all.iter().all(|l| l.overdue));
    let here = loans(f.store.conn(), &LoanFilter { school_id: Some(f.school.clone()), ..overdue }, today()).unwrap();
    assert_eq!(here.len(), 1);
    assert_eq!(here[0].loan.data.device_id, late.id);

    // Closed loans come after the open one, the latest return first, whatever their due dates.
    for (returned, due) in [(date(2025, 3, 1), date(2025, 2, 1)), (date(2025, 6, 1), date(2025, 12, 31))] {
        f.store
            .create(LoanData {
                loaned_on: date(2025, 1, 2),
                due_on: Some(due),
                returned_on: Some(returned),
                ..loan(&in_time.id, due)
            })
            .unwrap();
    }
    let of_device =
        loans(f.store.conn(), &LoanFilter { device_id: Some(in_time.id.clone()), ..Default::default() }, today())
            .unwrap();
    let returns: Vec<_> = of_device.iter().map(|l| l.loan.data.returned_on).collect();
    assert_eq!(returns, [None, Some(date(2025, 6, 1)), Some(date(2025, 3, 1))]);
}

#[test]
fn erasing_the_holder_removes_the_name_from_the_row_the_history_and_the_change_log() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("LG-1"))).unwrap();
    let loan = f.store.lend(&d.id, NAME, None, None).unwrap();
    let mut data = loan.data.clone();
    data.notes = Some("Ladegerät fehlt".into());
    f.store.update(&loan.id, data).unwrap();
    f.store.return_loan(&loan.id, today()).unwrap();
    assert_eq!(log_mentions(&f.store, "Kaya"), 1, "the lending operation carries the name");

    let erased = f.store.erase_holder(&loan.id).unwrap();
    assert_eq!((erased.data.holder_name, erased.data.holder_erased), (None, true));
    assert_eq!(log_mentions(&f.store, "Kaya"), 0, "no operation keeps the name");
    let h = history(f.store.conn(), "loan", &loan.id).unwrap();
    assert!(!format!("{h:?}").contains("Kaya"), "{h:#?}");
    assert!(h.iter().any(|e| e.changes.iter().any(|c| c.field == "notes")), "the rest of the history stays");
}

#[test]
fn a_replica_erases_the_name_whatever_order_the_operations_arrive_in() {
    let mut f = fixture();
    let d = f.store.create(device(&f.school, Some("LG-1"))).unwrap();
    let loan = f.store.lend(&d.id, NAME, None, None).unwrap();
    f.store.return_loan(&loan.id, today()).unwrap();
    // The operations as they left this laptop before the erasure (a bundle made earlier).
    let before = f.store.ops_since(&Default::default(), 10_000).unwrap();
    assert!(before.iter().any(|op| op.fields.get("holder_name").and_then(|v| v.as_str()) == Some(NAME)));
    f.store.erase_holder(&loan.id).unwrap();
    let erase = f.store.ops_since(&Default::default(), 10_000).unwrap().pop().unwrap();
    assert_eq!(erase.fields.get("holder_erased"), Some(&serde_json::json!(true)));

    // In order: the stale operations, then the erasure.
    let (_a, mut in_order) = open_temp();
    in_order.apply_ops(&before, None).unwrap();
    assert_eq!(log_mentions(&in_order, "Kaya"), 1);
    in_order.apply_ops(std::slice::from_ref(&erase), None).unwrap();
    // The erasure first, the stale operations later (the older bundle arrives second).
    let (_b, mut reversed) = open_temp();
    reversed.apply_ops(std::slice::from_ref(&erase), None).unwrap();
    reversed.apply_ops(&before, None).unwrap();
    // And the stale operations once more (a re-imported bundle): still nothing.
    reversed.apply_ops(&before, None).unwrap();
    // All in one batch, the erasure listed first.
    let (_c, mut one_batch) = open_temp();
    let all: Vec<_> = std::iter::once(erase.clone()).chain(before.iter().cloned()).collect();
    one_batch.apply_ops(&all, None).unwrap();

    for replica in [&in_order, &reversed, &one_batch] {
        assert_eq!(log_mentions(replica, "Kaya"), 0);
        let row = replica.get::<LoanData>(&loan.id).unwrap();
        assert_eq!((row.data.holder_name, row.data.holder_erased), (None, true));
        assert_eq!(row.data.returned_on, Some(today()));
    }
}
