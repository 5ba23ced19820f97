//! Commands of the Fördermittel page: budgets and findings (`schulinventar_core::funding`), the
//! records of the ledger (`schulinventar_core::ledger`): programmes, allocations, measures,
//! media concepts, invoices with lines and item links. Each command adapts IPC to one core
//! function and runs it on the blocking pool. Writes answer with the record and the findings
//! that concern it, so the checks run on every write.

use schulinventar_core::funding::{self, Budget, Finding, Touched};
use schulinventar_core::ledger::{
    self, AllocationRow, AuthorityRef, DeletedInvoice, FundingVocabulary, InvoiceDetail, InvoicePage, ItemFunding,
    ItemRef, Listed, MeasureRow, MediaConceptRow, MoneySplit, NewInvoice, RecordRef, SchoolRef,
};
use schulinventar_core::{
    Allocation, AllocationData, CoreError, ListQuery, Measure, MeasureData, MediaConcept, MediaConceptData, Programme,
    ProgrammeData, Store,
};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::{blocking, today};
use crate::state::AppState;

/// A written record and the findings of the checks that concern it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Saved<T> {
    pub record: T,
    pub findings: Vec<Finding>,
}

fn saved<T>(store: &Store, record: T, touched: Touched) -> Result<Saved<T>, CoreError> {
    let findings = funding::check_touched(store.conn(), today(), &touched)?;
    Ok(Saved { record, findings })
}

fn school_authority(store: &Store, school_id: &str) -> Result<Option<String>, CoreError> {
    use rusqlite::OptionalExtension;
    Ok(store
        .conn()
        .query_row("SELECT authority_id FROM schools WHERE id = ?1", [school_id], |r| r.get(0))
        .optional()?)
}

fn invoice_touched(detail: &InvoiceDetail) -> Touched {
    let mut t = Touched {
        authority_ids: vec![detail.invoice.data.authority_id.clone()],
        record_ids: vec![detail.invoice.id.clone()],
        ..Touched::default()
    };
    for l in &detail.lines {
        t.record_ids.push(l.line.id.clone());
        t.record_ids.extend(l.items.iter().map(|i| i.id.clone()));
        t.school_ids.extend(l.line.data.school_id.clone());
        t.programme_ids.extend(l.line.data.programme_id.clone());
    }
    t
}

/// German labels of Länder, funding categories and item kinds.
#[tauri::command]
#[specta::specta]
pub fn funding_vocabulary() -> FundingVocabulary {
    ledger::vocabulary()
}

/// The Schulträger, for the forms.
#[tauri::command]
#[specta::specta]
pub async fn funding_authorities(state: State<'_, AppState>) -> Result<Vec<AuthorityRef>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::authorities(s.conn()))).await
}

/// The schools of a Schulträger (all schools without one), for the forms.
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
pub async fn list_programmes(state: State<'_, AppState>) -> Result<Vec<Programme>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(ledger::programmes)).await
}

/// Creates a programme (`id` none) or changes one; field errors come back as a validation error.
#[tauri::command]
#[specta::specta]
pub async fn save_programme(
    state: State<'_, AppState>,
    id: Option<String>,
    data: ProgrammeData,
) -> Result<Saved<Programme>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let row = match id {
                Some(id) => s.update(&id, data)?,
                None => s.create(data)?,
            };
            let touched = Touched { programme_ids: vec![row.id.clone()], ..Touched::default() };
            saved(s, row, touched)
        })
    })
    .await
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
    blocking(move || state.with_store(|s| funding::check(s.conn(), today()))).await
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

/// Saves a new invoice (`id` none) or changes one, with its lines and item links, in one
/// transaction; answers with the invoice as the detail shows it and the findings about it.
#[tauri::command]
#[specta::specta]
pub async fn save_invoice(
    state: State<'_, AppState>,
    id: Option<String>,
    invoice: NewInvoice,
) -> Result<Saved<InvoiceDetail>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let detail = ledger::save_invoice(s, id.as_deref(), invoice)?;
            let touched = invoice_touched(&detail);
            saved(s, detail, touched)
        })
    })
    .await
}

/// Deletes an invoice with its lines and links; the answer is what `restore_invoice` needs.
#[tauri::command]
#[specta::specta]
pub async fn delete_invoice(state: State<'_, AppState>, id: String) -> Result<DeletedInvoice, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store_mut(|s| ledger::delete_invoice(s, &id))).await
}

/// Undoes `delete_invoice`.
#[tauri::command]
#[specta::specta]
pub async fn restore_invoice(
    state: State<'_, AppState>,
    deleted: DeletedInvoice,
) -> Result<Saved<InvoiceDetail>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let detail = ledger::restore_invoice(s, &deleted)?;
            let touched = invoice_touched(&detail);
            saved(s, detail, touched)
        })
    })
    .await
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

/// Allocations, optionally of one programme and/or Schulträger.
#[tauri::command]
#[specta::specta]
pub async fn list_allocations(
    state: State<'_, AppState>,
    programme_id: Option<String>,
    authority_id: Option<String>,
) -> Result<Listed<AllocationRow>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::allocations(s, programme_id.as_deref(), authority_id.as_deref())))
        .await
}

fn allocation_touched(a: &Allocation) -> Touched {
    Touched {
        authority_ids: vec![a.data.authority_id.clone()],
        school_ids: a.data.school_id.iter().cloned().collect(),
        programme_ids: vec![a.data.programme_id.clone()],
        record_ids: vec![a.id.clone()],
    }
}

/// Creates an allocation (`id` none) or changes one.
#[tauri::command]
#[specta::specta]
pub async fn save_allocation(
    state: State<'_, AppState>,
    id: Option<String>,
    data: AllocationData,
) -> Result<Saved<Allocation>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let row = match id {
                Some(id) => s.update(&id, data)?,
                None => s.create(data)?,
            };
            let touched = allocation_touched(&row);
            saved(s, row, touched)
        })
    })
    .await
}

/// Deletes (`restore` false) or restores an allocation; restoring is the undo of a delete.
#[tauri::command]
#[specta::specta]
pub async fn delete_allocation(
    state: State<'_, AppState>,
    id: String,
    restore: bool,
) -> Result<Saved<Allocation>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            if !restore {
                s.delete::<AllocationData>(&id)?;
            }
            let row = if restore { s.undelete::<AllocationData>(&id)? } else { s.get::<AllocationData>(&id)? };
            let touched = allocation_touched(&row);
            saved(s, row, touched)
        })
    })
    .await
}

/// Measures, optionally of one programme, Schulträger and/or school.
#[tauri::command]
#[specta::specta]
pub async fn list_measures(
    state: State<'_, AppState>,
    programme_id: Option<String>,
    authority_id: Option<String>,
    school_id: Option<String>,
) -> Result<Listed<MeasureRow>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state
            .with_store(|s| ledger::measures(s, programme_id.as_deref(), authority_id.as_deref(), school_id.as_deref()))
    })
    .await
}

fn measure_touched(s: &Store, m: &Measure) -> Result<Touched, CoreError> {
    Ok(Touched {
        authority_ids: school_authority(s, &m.data.school_id)?.into_iter().collect(),
        school_ids: vec![m.data.school_id.clone()],
        programme_ids: vec![m.data.programme_id.clone()],
        record_ids: vec![m.id.clone()],
    })
}

/// Creates a measure (`id` none) or changes one (application, approval, amendment, narrative).
#[tauri::command]
#[specta::specta]
pub async fn save_measure(
    state: State<'_, AppState>,
    id: Option<String>,
    data: MeasureData,
) -> Result<Saved<Measure>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let row = match id {
                Some(id) => s.update(&id, data)?,
                None => s.create(data)?,
            };
            let touched = measure_touched(s, &row)?;
            saved(s, row, touched)
        })
    })
    .await
}

/// Deletes (`restore` false) or restores a measure; restoring is the undo of a delete.
#[tauri::command]
#[specta::specta]
pub async fn delete_measure(
    state: State<'_, AppState>,
    id: String,
    restore: bool,
) -> Result<Saved<Measure>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            if !restore {
                s.delete::<MeasureData>(&id)?;
            }
            let row = if restore { s.undelete::<MeasureData>(&id)? } else { s.get::<MeasureData>(&id)? };
            let touched = measure_touched(s, &row)?;
            saved(s, row, touched)
        })
    })
    .await
}

/// The schools of a Schulträger with their Medienkonzept.
#[tauri::command]
#[specta::specta]
pub async fn list_media_concepts(
    state: State<'_, AppState>,
    authority_id: Option<String>,
) -> Result<Vec<MediaConceptRow>, CoreError> {
    let state = state.inner().clone();
    blocking(move || state.with_store(|s| ledger::media_concepts(s, authority_id.as_deref()))).await
}

/// Records a school's Medienkonzept (status, date adopted).
#[tauri::command]
#[specta::specta]
pub async fn save_media_concept(
    state: State<'_, AppState>,
    data: MediaConceptData,
) -> Result<Saved<MediaConcept>, CoreError> {
    let state = state.inner().clone();
    blocking(move || {
        state.with_store_mut(|s| {
            let row = ledger::save_media_concept(s, data)?;
            let touched = Touched {
                authority_ids: school_authority(s, &row.data.school_id)?.into_iter().collect(),
                school_ids: vec![row.data.school_id.clone()],
                record_ids: vec![row.id.clone()],
                ..Touched::default()
            };
            saved(s, row, touched)
        })
    })
    .await
}
