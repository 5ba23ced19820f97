//! Commands of the Abgleich page: enrolment at the department's hub, sync status and a sync run,
//! the conflict list with its resolution, and USB bundles. Network and database work run on the
//! blocking pool. A sync run and a bundle import work on a store of their own
//! ([`AppState::with_sync_store`]): every other command keeps the shared store while a sync waits
//! for the hub, and SQLite lets the two connections take turns writing. One sync job runs at a
//! time; another one asked for meanwhile fails with the code `busy`.

use std::path::PathBuf;
use std::time::Duration;

use schulinventar_core::apply::ApplyProgress;
use schulinventar_core::CoreError;
use schulinventar_sync::client::{self, ClientError, HubClient, SyncProgress};
use schulinventar_sync::{bundle, conflicts};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use crate::commands::blocking;
use crate::state::AppState;

/// Operations per page of a sync run.
const PAGE: usize = 500;

/// Why a sync command failed: `code` for the page's logic ("unreachable", "not_enrolled", the
/// hub's refusal code, or "core"), `message` in German.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncFailure {
    pub code: String,
    pub message: String,
}

impl From<CoreError> for SyncFailure {
    fn from(e: CoreError) -> Self {
        SyncFailure { code: "core".into(), message: e.to_string() }
    }
}

impl From<ClientError> for SyncFailure {
    fn from(e: ClientError) -> Self {
        let code = match &e {
            ClientError::Unreachable { .. } => "unreachable".to_owned(),
            ClientError::Refused { code, .. } => code.clone(),
            ClientError::NotEnrolled => "not_enrolled".to_owned(),
            ClientError::Core(_) => "core".to_owned(),
        };
        SyncFailure { code, message: e.to_string() }
    }
}

/// What the page shows about this device's sync without asking the hub.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub hub_url: Option<String>,
    /// End of the last sync that went through (RFC 3339).
    pub last_sync: Option<String>,
    /// Changes made here that the hub has not answered yet.
    pub pending: u32,
    /// Open conflicts (as of the last sync or conflict list).
    pub open_conflicts: u32,
}

fn status_of(store: &schulinventar_core::Store) -> Result<SyncStatus, SyncFailure> {
    let local = client::local_status(store)?;
    Ok(SyncStatus {
        enrolled: local.enrolled,
        hub_url: local.hub_url,
        last_sync: local.last_sync,
        pending: local.pending as u32,
        open_conflicts: local.open_conflicts as u32,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| status_of(s))).await
}

/// Whether the enrolled hub answers within two seconds (false when not enrolled).
#[tauri::command]
#[specta::specta]
pub async fn sync_hub_reachable(state: State<'_, AppState>) -> Result<bool, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        let Some(enrolled) = state.with_store_mut(|s| client::enrolment(s).map_err(SyncFailure::from))? else {
            return Ok(false);
        };
        // The store is free again while the hub is asked.
        let two = Duration::from_secs(2);
        Ok(HubClient::with_timeouts(&enrolled.url, None, two, two).health().is_ok())
    })
    .await
}

/// Enrols this device at a hub with the one-time code the department handed out.
#[tauri::command]
#[specta::specta]
pub async fn sync_enroll(
    state: State<'_, AppState>,
    hub_url: String,
    code: String,
    device_name: String,
) -> Result<SyncStatus, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            client::enroll(s, hub_url.trim(), code.trim(), device_name.trim())?;
            status_of(s)
        })
    })
    .await
}

/// A summary of a sync run for the page.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncRun {
    pub pushed: u32,
    pub duplicates: u32,
    pub rejected: u32,
    /// Why the hub refused operations, one line each.
    pub rejected_reasons: Vec<String>,
    pub pulled: u32,
    /// Deleted entries removed for good because the hub purged them.
    pub purged: u32,
    pub conflicts: u32,
    pub clock_warning: Option<String>,
    pub status: SyncStatus,
}

/// How far a sync run has come, for the page's progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum SyncStep {
    /// The hub has answered for `sent` of the `total` changes made here.
    Push { sent: u32, total: u32 },
    /// `received` changes from the hub are stored here; `percent` of the pull is done (absent
    /// when the hub does not tell how much there is).
    Pull { received: u32, percent: Option<u32> },
}

/// A count for the window (saturating: the window shows at most `u32::MAX`).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<SyncProgress> for SyncStep {
    fn from(p: SyncProgress) -> Self {
        match p {
            SyncProgress::Push { sent, total } => SyncStep::Push { sent: count(sent), total: count(total) },
            SyncProgress::Pull { received, .. } => SyncStep::Pull { received: count(received), percent: p.percent() },
        }
    }
}

/// Pushes what the hub lacks and pulls what this device lacks; progress arrives on
/// `on_progress` after every page.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>, on_progress: Channel<SyncStep>) -> Result<SyncRun, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        run_sync(&state, &mut |p| {
            let _ = on_progress.send(p.into());
        })
    })
    .await
}

/// The failure of a sync job asked for while another one runs.
fn busy() -> SyncFailure {
    SyncFailure { code: "busy".into(), message: "Ein Abgleich läuft bereits. Bitte warten, bis er fertig ist.".into() }
}

/// One sync run on a store of its own (see the module comment), the work of [`sync_now`].
/// Blocks: call from a blocking thread.
pub fn run_sync(state: &AppState, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncRun, SyncFailure> {
    state
        .with_sync_store(|s| -> Result<_, SyncFailure> {
            let summary = client::sync_with_progress(s, None, PAGE, progress)?;
            Ok(SyncRun {
                pushed: summary.pushed as u32,
                duplicates: summary.duplicates as u32,
                rejected: summary.rejected as u32,
                rejected_reasons: summary
                    .rejected_ops
                    .iter()
                    .map(|r| format!("{} {}: {}", r.entity, r.row_id, r.reason))
                    .collect(),
                pulled: summary.pulled as u32,
                purged: summary.purged as u32,
                conflicts: summary.conflicts as u32,
                clock_warning: summary.clock_warning,
                status: status_of(s)?,
            })
        })?
        .ok_or_else(busy)
}

/// One side of a conflict.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ConflictSide {
    /// The value as JSON text (`null` for a cleared field).
    pub value: String,
    pub author: String,
    pub device: String,
    /// When the change was made (RFC 3339).
    pub at: String,
}

/// A field changed on two devices at once, or a row edited that another device deleted.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ConflictView {
    pub id: String,
    /// `concurrent` or `edit_deleted`.
    pub kind: String,
    pub entity: String,
    pub row_id: String,
    pub field: String,
    /// The value in force.
    pub winner: ConflictSide,
    /// The value that was overwritten.
    pub loser: ConflictSide,
    pub open: bool,
}

fn side(v: &conflicts::Version) -> ConflictSide {
    ConflictSide { value: v.value.to_string(), author: v.author.clone(), device: v.node.clone(), at: v.at.clone() }
}

/// The conflicts of the change log: open ones, or all (`all`).
#[tauri::command]
#[specta::specta]
pub async fn sync_conflicts(state: State<'_, AppState>, all: bool) -> Result<Vec<ConflictView>, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let list = conflicts::list(s)?;
            Ok(list
                .iter()
                .filter(|c| all || c.open)
                .map(|c| ConflictView {
                    id: c.id.clone(),
                    kind: c.kind.clone(),
                    entity: c.entity.clone(),
                    row_id: c.row_id.clone(),
                    field: c.field.clone(),
                    winner: side(&c.winner),
                    loser: side(&c.loser),
                    open: c.open,
                })
                .collect())
        })
    })
    .await
}

/// Which value closes a conflict.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The value in force.
    Winner,
    /// The overwritten value.
    Loser,
}

/// Closes a conflict by writing the chosen value as a new change, which syncs like any other.
#[tauri::command]
#[specta::specta]
pub async fn sync_resolve(state: State<'_, AppState>, id: String, keep: Keep) -> Result<(), SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let conflict = conflicts::find_open(s, &id)?;
            let value = match keep {
                Keep::Winner => conflict.winner.value.clone(),
                Keep::Loser => conflict.loser.value.clone(),
            };
            conflicts::resolve(s, &conflict, value)?;
            Ok(())
        })
    })
    .await
}

/// Resolves a `duplicate` conflict: the hidden row gets `new_value` for the field it shares with
/// another row (validated; it comes back), or with `None` it is discarded and stays deleted.
#[tauri::command]
#[specta::specta]
pub async fn sync_resolve_duplicate(
    state: State<'_, AppState>,
    id: String,
    new_value: Option<String>,
) -> Result<(), SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let conflict = conflicts::find_open(s, &id)?;
            conflicts::resolve_duplicate(s, &conflict, new_value.as_deref())?;
            Ok(())
        })
    })
    .await
}

/// What a bundle holds or brought.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BundleResult {
    /// Operations in the bundle.
    pub operations: u32,
    /// The device that wrote it.
    pub origin: String,
    /// On import: operations new here (the rest were known).
    pub applied: u32,
    pub skipped: u32,
}

/// Writes this device's changes to a signed bundle file (`since_ack`: only what the devices
/// whose bundles were read here have not confirmed).
#[tauri::command]
#[specta::specta]
pub async fn bundle_export(
    state: State<'_, AppState>,
    path: String,
    since_ack: bool,
) -> Result<BundleResult, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let since = if since_ack { bundle::since_ack(s)?.unwrap_or_default() } else { Default::default() };
            let header = bundle::export(s, &since, &PathBuf::from(&path))?;
            Ok(BundleResult { operations: header.ops as u32, origin: header.origin, applied: 0, skipped: 0 })
        })
    })
    .await
}

/// How far a bundle import has come, for the page's progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum BundleStep {
    /// The file is read and checked before anything is written.
    Check,
    /// `done` of the bundle's `total` changes are looked at (the new ones taken in).
    Changes { done: u32, total: u32 },
    /// `done` of the `total` entries the new changes touch are written.
    Entries { done: u32, total: u32 },
}

impl From<bundle::ImportStep> for BundleStep {
    fn from(p: bundle::ImportStep) -> Self {
        match p {
            bundle::ImportStep::Check => BundleStep::Check,
            bundle::ImportStep::Apply(ApplyProgress::Log { done, total }) => {
                BundleStep::Changes { done: count(done), total: count(total) }
            }
            bundle::ImportStep::Apply(ApplyProgress::Rows { done, total }) => {
                BundleStep::Entries { done: count(done), total: count(total) }
            }
        }
    }
}

/// Reads a bundle: everything is checked first, then applied in one transaction (on a store of
/// its own, like a sync run).
#[tauri::command]
#[specta::specta]
pub async fn bundle_import(
    state: State<'_, AppState>,
    path: String,
    on_progress: Channel<BundleStep>,
) -> Result<BundleResult, SyncFailure> {
    let state = state.inner().clone();
    blocking(move || {
        state
            .with_sync_store(|s| -> Result<_, SyncFailure> {
                let (header, report) = bundle::import_with_progress(s, &PathBuf::from(&path), &mut |p| {
                    let _ = on_progress.send(p.into());
                })?;
                Ok(BundleResult {
                    operations: header.ops as u32,
                    origin: header.origin,
                    applied: report.applied as u32,
                    skipped: report.skipped as u32,
                })
            })?
            .ok_or_else(busy)
    })
    .await
}
