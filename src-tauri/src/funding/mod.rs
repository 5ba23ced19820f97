//! Commands of the Fördermittel page: budgets and findings from `schulinventar_core::funding`,
//! the programme catalogue, invoices (list, detail, entry) and which invoice paid for an item.
//! Each command adapts IPC to one function and runs it on the blocking pool.

pub mod entry;
pub mod ledger;
pub mod types;

use schulinventar_core::funding::{self, Budget, Finding};
use schulinventar_core::{CoreError, ListQuery};
use tauri::State;

pub use types::*;

use crate::commands::blocking;
use crate::state::AppState;

/// German labels of Länder, funding categories and item kinds.
#[tauri::command]
#[specta::specta]
pub fn funding_vocabulary() -> FundingVocabulary {
    ledger::vocabulary()
}

/// The Schulträger, for the invoice form.
#[tauri::command]
#[specta::specta]
pub async fn funding_authorities(state: State<'_, AppState>) -> Result<Vec<AuthorityRef>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::authorities(s.conn()))).await
}

/// The schools of a Schulträger (all schools without one), for the invoice form.
#[tauri::command]
#[specta::specta]
pub async fn funding_schools(
    state: State<'_, AppState>,
    authority_id: Option<String>,
) -> Result<Vec<SchoolRef>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::schools(s.conn(), authority_id.as_deref()))).await
}

/// The programme catalogue, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_programmes(state: State<'_, AppState>) -> Result<Vec<ProgrammeRow>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(ledger::programmes)).await
}

/// Creates a programme (`id` none) or changes one; field errors come back as a validation error.
#[tauri::command]
#[specta::specta]
pub async fn save_programme(
    state: State<'_, AppState>,
    id: Option<String>,
    data: ProgrammeFields,
) -> Result<ProgrammeRow, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| entry::save_programme(s, id.as_deref(), data))).await
}

/// Budgets per programme and Schulträger and per school, optionally of one programme.
#[tauri::command]
#[specta::specta]
pub async fn funding_budgets(
    state: State<'_, AppState>,
    programme_id: Option<String>,
) -> Result<Vec<Budget>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| funding::budgets(s.conn(), programme_id.as_deref(), None))).await
}

/// The funding rules checked against the ledger today.
#[tauri::command]
#[specta::specta]
pub async fn funding_findings(state: State<'_, AppState>) -> Result<Vec<Finding>, CoreError> {
    let state = state.inner().clone();
    let today = chrono::Local::now().date_naive();
    blocking(move || state.with_store(|s| funding::check(s.conn(), today))).await
}

/// Readable names for the records a finding concerns.
#[tauri::command]
#[specta::specta]
pub async fn funding_records(
    state: State<'_, AppState>,
    entity: String,
    ids: Vec<String>,
) -> Result<Vec<RecordRef>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::describe(s.conn(), &entity, &ids))).await
}

/// A gross amount split by the programme's federal and Land shares (rounded down), the rest own.
#[tauri::command]
#[specta::specta]
pub async fn funding_split(
    state: State<'_, AppState>,
    programme_id: Option<String>,
    gross_cents: i64,
) -> Result<MoneySplit, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::split(s, programme_id.as_deref(), gross_cents))).await
}

/// One page of invoices with the programmes of their lines.
#[tauri::command]
#[specta::specta]
pub async fn list_invoices(state: State<'_, AppState>, query: ListQuery) -> Result<InvoicePage, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::invoices(s, &query))).await
}

#[tauri::command]
#[specta::specta]
pub async fn invoice_detail(state: State<'_, AppState>, id: String) -> Result<InvoiceDetail, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::invoice_detail(s, &id))).await
}

/// Saves a new invoice with its lines in one transaction and returns it as the detail shows it.
#[tauri::command]
#[specta::specta]
pub async fn create_invoice(state: State<'_, AppState>, invoice: NewInvoice) -> Result<InvoiceDetail, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| entry::create_invoice(s, invoice))).await
}

/// The items with this inventory number (one per Schulträger that uses it).
#[tauri::command]
#[specta::specta]
pub async fn find_items(state: State<'_, AppState>, inventory_number: String) -> Result<Vec<ItemRef>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::find_items(s.conn(), &inventory_number))).await
}

/// Which invoice line and programme paid for an item (empty: no invoice is linked).
#[tauri::command]
#[specta::specta]
pub async fn item_funding(state: State<'_, AppState>, item_id: String) -> Result<Vec<ItemFunding>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::item_funding(s.conn(), &item_id))).await
}
