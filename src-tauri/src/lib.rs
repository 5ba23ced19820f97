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

/// WebKitGTK composites the page through OpenGL by default, which on machines without a GPU
/// (many school laptops, virtual machines) is software OpenGL: scrolling long lists then draws
/// at a few frames per second and the web process needs about 110 MiB more (BENCHMARKS.md,
/// "The window on the municipality demo"). The app's pages are flat lists and forms that gain
/// nothing from compositing, so it paints without it. `SCHULINVENTAR_COMPOSITING=1` keeps
/// WebKit's default; a `WEBKIT_DISABLE_COMPOSITING_MODE` set by the user is left as it is.
/// Called first in `run`, before any thread starts, as changing the environment requires.
fn paint_without_compositing() {
    let wanted = std::env::var_os("SCHULINVENTAR_COMPOSITING");
    let set_by_user = std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some();
    if cfg!(target_os = "linux") && disables_compositing(wanted.as_deref(), set_by_user) {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Whether the app turns compositing off, given `SCHULINVENTAR_COMPOSITING` and whether
/// `WEBKIT_DISABLE_COMPOSITING_MODE` is already set.
fn disables_compositing(wanted: Option<&std::ffi::OsStr>, set_by_user: bool) -> bool {
    !set_by_user && wanted.is_none_or(|v| v != "1")
}

/// Starts the app on the database at `schulinventar_core::default_db_path()`
/// (overridable with the environment variable `SCHULINVENTAR_DB`).
pub fn run() {
    paint_without_compositing();
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

#[cfg(test)]
mod tests {
    use super::disables_compositing;
    use std::ffi::OsStr;

    #[test]
    fn compositing_is_off_unless_asked_for_or_set_by_the_user() {
        assert!(disables_compositing(None, false));
        assert!(disables_compositing(Some(OsStr::new("0")), false));
        assert!(!disables_compositing(Some(OsStr::new("1")), false));
        // The user's own WEBKIT_DISABLE_COMPOSITING_MODE wins either way.
        assert!(!disables_compositing(None, true));
        assert!(!disables_compositing(Some(OsStr::new("0")), true));
    }
}
