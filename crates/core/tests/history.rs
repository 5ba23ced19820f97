//! The history of a row as auditors read it: field by field, from what to what, by whom, and
//! from which import file.

mod common;

use common::*;
use schulinventar_core::history::history;
use schulinventar_core::*;
use serde_json::json;

#[test]
fn history_lists_each_change_with_old_and_new_value_author_and_source_file() {
    let mut f = fixture();
    f.store.set_author("a.schmidt");
    let created = f
        .store
        .write(Some(Source { kind: "import", file_name: Some("Geräte 2024.xlsx".into()), sha256: None }), |w| {
            w.create(device(&f.school, Some("INV-1")))
        })
        .unwrap();
    let id = created.id.clone();

    f.store.set_author("b.meyer");
    let mut data = created.data.clone();
    data.asset.status = AssetStatus::InRepair;
    data.asset.notes = Some("Display defekt".into());
    f.store.update(&id, data.clone()).unwrap();
    // Saving unchanged values adds no entry.
    f.store.update(&id, data).unwrap();
    f.store.delete::<DeviceData>(&id).unwrap();

    let h = history(f.store.conn(), "device", &id).unwrap();
    assert_eq!(h.len(), 3, "{h:#?}");

    assert_eq!(h[0].author, "a.schmidt");
    assert_eq!(h[0].source_kind.as_deref(), Some("import"));
    assert_eq!(h[0].file_name.as_deref(), Some("Geräte 2024.xlsx"));
    let inv = h[0].changes.iter().find(|c| c.field == "inventory_number").expect("inventory number set");
    assert_eq!((inv.from.clone(), inv.to.clone()), (json!(null), json!("INV-1")));
    assert!(h[0].changes.iter().all(|c| c.field != "created_at" && c.field != "updated_at"));

    assert_eq!(h[1].author, "b.meyer");
    assert_eq!(h[1].file_name, None);
    let mut fields: Vec<_> = h[1].changes.iter().map(|c| (c.field.as_str(), c.from.clone(), c.to.clone())).collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(
        fields,
        vec![("notes", json!(null), json!("Display defekt")), ("status", json!("in_use"), json!("in_repair"))]
    );

    assert_eq!(h[2].changes.len(), 1);
    assert_eq!(h[2].changes[0].field, "deleted_at");
    assert!(h[2].changes[0].to.is_string());
    assert!(h[0].at <= h[1].at && h[1].at <= h[2].at);
    assert!(h[0].at.ends_with('Z'), "RFC 3339 UTC: {}", h[0].at);
}

#[test]
fn history_of_an_unknown_row_or_kind_is_an_error() {
    let f = fixture();
    let e = history(f.store.conn(), "device", "nope").unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e = history(f.store.conn(), "spaceship", &f.school).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
}
