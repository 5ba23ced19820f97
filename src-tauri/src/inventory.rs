//! Commands of the inventory pages: paged lists, create/edit/delete/undo of every inventory
//! entity, the key figures of the dashboard and the school page, loans, the global search and the
//! history of any row. Each adapts IPC to one core function
//! and runs it on the blocking pool; validation and the rules live in the core.

use chrono::NaiveDate;
use schulinventar_core::bulk::{BulkChange, BulkOutcome};
use schulinventar_core::history::{self, HistoryEntry};
use schulinventar_core::kpi::{self, SchoolKpi, SchoolProfile};
use schulinventar_core::loans::{self, LoanFilter, LoanView};
use schulinventar_core::{
    AccessPoint, AccessPointData, Building, BuildingData, CoreError, Device, DeviceData, FibreLink, FibreLinkData,
    InventoryVocabulary, ListQuery, Loan, Page, PresentationHardware, PresentationHardwareData, Room, RoomData, School,
    SchoolData, SearchHit,
};
use tauri::State;

use crate::commands::{blocking, today};
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub fn inventory_vocabulary() -> InventoryVocabulary {
    schulinventar_core::inventory_vocabulary()
}

/// The list, save, delete and restore commands of one entity. `save` creates when `id` is none;
/// `reason` documents a change the rules allow only with one (retiring an earmarked item).
/// `delete` is a soft delete, and `restore` undoes it.
macro_rules! entity_commands {
    ($data:ty, $row:ty, $list:ident, $get:ident, $save:ident, $delete:ident, $restore:ident) => {
        /// One page, filtered and sorted by the database.
        #[tauri::command]
        #[specta::specta]
        pub async fn $list(state: State<'_, AppState>, query: ListQuery) -> Result<Page<$row>, CoreError> {
            let state = state.inner().clone();
            blocking(move || state.with_store(|s| s.list::<$data>(&query))).await
        }

        #[tauri::command]
        #[specta::specta]
        pub async fn $get(state: State<'_, AppState>, id: String) -> Result<$row, CoreError> {
            let state = state.inner().clone();
            blocking(move || state.with_store(|s| s.get::<$data>(&id))).await
        }

        #[tauri::command]
        #[specta::specta]
        pub async fn $save(
            state: State<'_, AppState>,
            id: Option<String>,
            data: $data,
            reason: Option<String>,
        ) -> Result<$row, CoreError> {
            let state = state.inner().clone();
            blocking(move || {
                state.with_store_mut(|s| match (id, reason) {
                    (None, _) => s.create(data),
                    (Some(id), Some(reason)) => s.update_with_reason(&id, data, &reason),
                    (Some(id), None) => s.update(&id, data),
                })
            })
            .await
        }

        #[tauri::command]
        #[specta::specta]
        pub async fn $delete(state: State<'_, AppState>, id: String) -> Result<(), CoreError> {
            let state = state.inner().clone();
            blocking(move || state.with_store_mut(|s| s.delete::<$data>(&id))).await
        }

        #[tauri::command]
        #[specta::specta]
        pub async fn $restore(state: State<'_, AppState>, id: String) -> Result<$row, CoreError> {
            let state = state.inner().clone();
            blocking(move || state.with_store_mut(|s| s.undelete::<$data>(&id))).await
        }
    };
}

entity_commands!(SchoolData, School, list_schools, get_school, save_school, delete_school, restore_school);
entity_commands!(RoomData, Room, list_rooms, get_room, save_room, delete_room, restore_room);
entity_commands!(DeviceData, Device, list_devices, get_device, save_device, delete_device, restore_device);
entity_commands!(
    BuildingData,
    Building,
    list_buildings,
    get_building,
    save_building,
    delete_building,
    restore_building
);
entity_commands!(
    AccessPointData,
    AccessPoint,
    list_access_points,
    get_access_point,
    save_access_point,
    delete_access_point,
    restore_access_point
);
entity_commands!(
    PresentationHardwareData,
    PresentationHardware,
    list_presentation_hardware,
    get_presentation_hardware,
    save_presentation_hardware,
    delete_presentation_hardware,
    restore_presentation_hardware
);
entity_commands!(
    FibreLinkData,
    FibreLink,
    list_fibre_links,
    get_fibre_link,
    save_fibre_link,
    delete_fibre_link,
    restore_fibre_link
);

/// The global search: up to `limit` hits per kind, schools first.
#[tauri::command]
#[specta::specta]
pub async fn global_search(
    state: State<'_, AppState>,
    text: String,
    limit: Option<u32>,
) -> Result<Vec<SearchHit>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| s.search(&text, limit.unwrap_or(8)))).await
}

/// Who changed which field of a row from what to what, when, and from which file.
#[tauri::command]
#[specta::specta]
pub async fn item_history(
    state: State<'_, AppState>,
    entity: String,
    id: String,
) -> Result<Vec<HistoryEntry>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| history::history(s.conn(), &entity, &id))).await
}

/// The key figures of every school: the municipality dashboard.
#[tauri::command]
#[specta::specta]
pub async fn school_kpis(state: State<'_, AppState>) -> Result<Vec<SchoolKpi>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_reader(|conn| kpi::school_kpis(conn, today(), None))).await
}

/// The school page: key figures, devices by category and age, and what is due within `months`
/// (default 6).
#[tauri::command]
#[specta::specta]
pub async fn school_profile(
    state: State<'_, AppState>,
    school_id: String,
    months: Option<u32>,
) -> Result<SchoolProfile, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_reader(|conn| kpi::school_profile(conn, &school_id, today(), months.unwrap_or(6))))
        .await
}

/// Loans with their devices: open or overdue ones, of a school or a device.
#[tauri::command]
#[specta::specta]
pub async fn list_loans(state: State<'_, AppState>, filter: LoanFilter) -> Result<Vec<LoanView>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| loans::loans(s.conn(), &filter, today()))).await
}

/// Hands a device to a person today.
#[tauri::command]
#[specta::specta]
pub async fn lend_device(
    state: State<'_, AppState>,
    device_id: String,
    holder: String,
    due_on: Option<NaiveDate>,
    notes: Option<String>,
) -> Result<Loan, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| s.lend(&device_id, &holder, due_on, notes))).await
}

/// Records the return of a loan on `on`.
#[tauri::command]
#[specta::specta]
pub async fn return_loan(state: State<'_, AppState>, id: String, on: NaiveDate) -> Result<Loan, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| s.return_loan(&id, on))).await
}

/// Erases the holder's name of a returned loan, also from the change log.
#[tauri::command]
#[specta::specta]
pub async fn erase_loan_holder(state: State<'_, AppState>, id: String) -> Result<Loan, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| s.erase_holder(&id))).await
}

/// Sets a status or a room for many devices at once; all or nothing.
#[tauri::command]
#[specta::specta]
pub async fn bulk_update_devices(
    state: State<'_, AppState>,
    ids: Vec<String>,
    change: BulkChange,
    reason: Option<String>,
) -> Result<BulkOutcome, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| s.bulk_update_devices(&ids, &change, reason.as_deref()))).await
}
