//! The committed `ui/src/lib/bindings.ts` must be exactly what the current commands export.
//! Regenerate with `make bindings` (sets `UPDATE_BINDINGS=1` for this test).

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

#[test]
fn bindings_match_commands() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    schulinventar_app::export_bindings(&fresh_path).expect("export TypeScript bindings");
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();

    let committed_path = committed_path();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != fresh {
        let first_difference = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
        panic!(
            "{} is out of date (first difference at line {}). Run `make bindings` and commit the result.",
            committed_path.display(),
            first_difference + 1
        );
    }
}

#[test]
fn bindings_expose_the_commands_the_ui_uses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    schulinventar_app::export_bindings(&path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    for needle in [
        "listSchools",
        "appInfo",
        "\"list_schools\"",
        "\"app_info\"",
        "School",
        "fundingBudgets",
        "fundingFindings",
        "saveInvoice",
        "deleteInvoice",
        "listAllocations",
        "saveMeasure",
        "saveMediaConcept",
        "itemFunding",
        "\"item_funding\"",
        "export type Budget",
        "export type Finding",
        "export type NewInvoice",
    ] {
        assert!(text.contains(needle), "bindings lack {needle}");
    }
}
