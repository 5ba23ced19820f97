//! Commands of the inventory pages: paged lists, create/edit/delete/undo of schools, rooms and
//! devices, the global search and the history of any row. Each adapts IPC to one core function
//! and runs it on the blocking pool; validation and the rules live in the core.

use schulinventar_core::history::{self, HistoryEntry};
use schulinventar_core::ledger::Label;
use schulinventar_core::{
    AssetStatus, CoreError, Device, DeviceCategory, DeviceData, Land, ListQuery, Page, Room, RoomData, RoomKind,
    School, SchoolData, SchoolType, SearchHit, UserGroup, WlanCoverage,
};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::blocking;
use crate::state::AppState;

/// The German labels of the codes the inventory pages show and offer.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InventoryVocabulary {
    pub lands: Vec<Label>,
    pub school_types: Vec<Label>,
    pub room_kinds: Vec<Label>,
    pub wlan_coverages: Vec<Label>,
    pub asset_statuses: Vec<Label>,
    pub device_categories: Vec<Label>,
    pub user_groups: Vec<Label>,
}

macro_rules! labels {
    ($ty:ty) => {
        <$ty>::ALL.iter().map(|v| Label { code: v.code().into(), label: v.label().into() }).collect()
    };
}

#[tauri::command]
#[specta::specta]
pub fn inventory_vocabulary() -> InventoryVocabulary {
    InventoryVocabulary {
        lands: labels!(Land),
        school_types: labels!(SchoolType),
        room_kinds: labels!(RoomKind),
        wlan_coverages: labels!(WlanCoverage),
        asset_statuses: labels!(AssetStatus),
        device_categories: labels!(DeviceCategory),
        user_groups: labels!(UserGroup),
    }
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
