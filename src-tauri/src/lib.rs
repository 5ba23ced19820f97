//! The desktop shell: a Tauri window around the Svelte front end in `ui/`.
//!
//! Commands only adapt IPC to `schulinventar_core` (lists, the funding ledger) and
//! `schulinventar_exchange` (the import); database and file work runs on Tauri's blocking
//! thread pool, never on the main (UI) thread.

mod commands;
pub mod funding;
pub mod import;
pub mod inventory;
pub mod reports;
mod state;
pub mod sync;

use std::path::Path;

pub use commands::AppInfo;
pub use import::ImportState;
pub use state::{AppState, DatabaseStatus, OpenState};

/// The command set and its TypeScript description. `run` uses it to route IPC, the bindings
/// test uses it to export `ui/src/lib/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::database_status,
            inventory::inventory_vocabulary,
            inventory::list_schools,
            inventory::get_school,
            inventory::save_school,
            inventory::delete_school,
            inventory::restore_school,
            inventory::list_rooms,
            inventory::get_room,
            inventory::save_room,
            inventory::delete_room,
            inventory::restore_room,
            inventory::list_devices,
            inventory::get_device,
            inventory::save_device,
            inventory::delete_device,
            inventory::restore_device,
            inventory::list_buildings,
            inventory::get_building,
            inventory::save_building,
            inventory::delete_building,
            inventory::restore_building,
            inventory::list_access_points,
            inventory::get_access_point,
            inventory::save_access_point,
            inventory::delete_access_point,
            inventory::restore_access_point,
            inventory::list_presentation_hardware,
            inventory::get_presentation_hardware,
            inventory::save_presentation_hardware,
            inventory::delete_presentation_hardware,
            inventory::restore_presentation_hardware,
            inventory::list_fibre_links,
            inventory::get_fibre_link,
            inventory::save_fibre_link,
            inventory::delete_fibre_link,
            inventory::restore_fibre_link,
            inventory::school_kpis,
            inventory::school_profile,
            inventory::list_loans,
            inventory::lend_device,
            inventory::return_loan,
            inventory::erase_loan_holder,
            inventory::bulk_update_devices,
            inventory::global_search,
            inventory::item_history,
            import::import_vocabulary,
            import::import_inspect,
            import::import_run,
            import::import_cancel,
            import::import_preview_rows,
            import::import_save_errors,
            import::import_history,
            import::import_profiles,
            import::save_import_profile,
            import::import_reconcile,
            funding::funding_vocabulary,
            funding::funding_authorities,
            funding::funding_schools,
            funding::list_programmes,
            funding::save_programme,
            funding::funding_budgets,
            funding::funding_findings,
            funding::funding_records,
            funding::funding_split,
            funding::list_invoices,
            funding::invoice_detail,
            funding::save_invoice,
            funding::delete_invoice,
            funding::restore_invoice,
            funding::find_items,
            funding::item_funding,
            funding::list_allocations,
            funding::save_allocation,
            funding::delete_allocation,
            funding::list_measures,
            funding::save_measure,
            funding::delete_measure,
            funding::list_media_concepts,
            funding::save_media_concept,
            reports::report_preview,
            reports::report_save,
            reports::export_list,
            sync::sync_status,
            sync::sync_hub_reachable,
            sync::sync_enroll,
            sync::sync_now,
            sync::sync_conflicts,
            sync::sync_resolve,
            sync::sync_resolve_duplicate,
            sync::bundle_export,
            sync::bundle_import,
        ])
        // Counts (pupils, devices) are far below 2^53, so plain numbers are safe in JavaScript.
        .dangerously_cast_bigints_to_number()
        // One type per Rust type: the phase-split export leaves generic results such as
        // `Page<School>` unresolved (`Page_Serialize<T>`).
        .disable_serde_phases()
}

/// Writes the TypeScript bindings of all commands and their types to `path`.
pub fn export_bindings(path: &Path) -> Result<(), specta_typescript::Error> {
    specta_builder().export(
        specta_typescript::Typescript::default()
            .header("// Generated from src-tauri by `make bindings`. Do not edit by hand."),
        path,
    )
}

/// Starts the app on the database at `schulinventar_core::default_db_path()`
/// (overridable with the environment variable `SCHULINVENTAR_DB`).
pub fn run() {
    let builder = specta_builder();
    let state = AppState::new(schulinventar_core::default_db_path());

    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .manage(state.clone())
        .manage(ImportState::default())
        .setup(move |_app| {
            // Open (and on first start create and migrate) the database off the main thread, so
            // the window appears at once; the first command waits for the same lock.
            tauri::async_runtime::spawn_blocking(move || state.warm_up());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("Schulinventar konnte nicht gestartet werden");
}
