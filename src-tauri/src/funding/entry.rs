//! Write side of the Fördermittel page: a new invoice with its lines (and the items they paid
//! for) in one store transaction, and programmes. Like `ledger`, this belongs in core
//! (`funding::create_invoice`); it lives here until it moves.

use std::collections::HashSet;

use rusqlite::OptionalExtension;
use schulinventar_core::validate::{Ctx, PlaceCache};
use schulinventar_core::{
    CoreError, FieldError, InvoiceData, InvoiceItemData, InvoiceLineData, ItemEntity, ProgrammeData, Store, Validate,
    Writer,
};

use super::ledger;
use super::types::{programme_row, InvoiceDetail, NewInvoice, ProgrammeFields, ProgrammeRow};

/// A form field of line `index` ("lines.0.gross_cents"), as the window names it.
pub fn line_field(index: usize, field: &str) -> String {
    format!("lines.{index}.{field}")
}

fn prefixed(index: usize, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors.into_iter().map(move |e| FieldError { field: line_field(index, &e.field), ..e })
}

/// Field errors of a create, or the error that is not about the input.
fn field_errors<T>(result: Result<T, CoreError>) -> Result<Result<T, Vec<FieldError>>, CoreError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(CoreError::Validation { errors, .. }) => Ok(Err(errors)),
        Err(e) => Err(e),
    }
}

/// The problems of a line whose invoice could not be written: everything but the missing
/// invoice, so the form shows all its problems at once.
fn line_problems(w: &Writer<'_>, mut line: InvoiceLineData) -> Result<Vec<FieldError>, CoreError> {
    line.normalize();
    let places = PlaceCache::default();
    let ctx = Ctx { conn: w.conn()?, today: w.today(), places: &places };
    Ok(line.validate(&ctx, None)?.into_iter().filter(|e| e.field != "invoice_id").collect())
}

/// The item with this inventory number at the Schulträger.
fn item_by_inventory_number(
    w: &Writer<'_>,
    authority_id: &str,
    number: &str,
) -> Result<Option<(ItemEntity, String)>, CoreError> {
    let found: Option<(String, String)> = w
        .conn()?
        .prepare_cached(
            "SELECT entity, row_id FROM inventory_numbers WHERE authority_id = ?1 AND inventory_number = ?2",
        )?
        .query_row([authority_id, number], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.and_then(|(entity, id)| ItemEntity::from_code(&entity).map(|e| (e, id))))
}

fn sum(values: impl Iterator<Item = i64>, field: &str, label: &str) -> Result<i64, FieldError> {
    let mut total: i64 = 0;
    for v in values {
        total = total
            .checked_add(v)
            .ok_or_else(|| FieldError::new(field, "out_of_range", format!("{label} ist unplausibel groß.")))?;
    }
    Ok(total)
}

/// Writes the invoice, its lines (positions 1, 2, … in the order given) and the links to the
/// items named by inventory number in ONE transaction. The invoice's net, VAT and gross are
/// the sums of its lines. Every problem of the invoice and of each line is reported at once
/// (line fields as `lines.N.field`), and then nothing is written.
pub fn create_invoice(store: &mut Store, input: NewInvoice) -> Result<InvoiceDetail, CoreError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if input.lines.is_empty() {
        errors.push(FieldError::new("lines", "required", "Eine Rechnung braucht mindestens eine Position."));
    }
    let totals = [
        sum(input.lines.iter().map(|l| l.net_cents), "net_cents", "Die Nettosumme"),
        sum(input.lines.iter().map(|l| l.vat_cents), "vat_cents", "Die Umsatzsteuer"),
        sum(input.lines.iter().map(|l| l.gross_cents), "gross_cents", "Die Bruttosumme"),
    ];
    let mut total = [0i64; 3];
    for (i, t) in totals.into_iter().enumerate() {
        match t {
            Ok(v) => total[i] = v,
            Err(e) => errors.push(e),
        }
    }
    let invoice = InvoiceData {
        authority_id: input.authority_id.clone(),
        supplier: input.supplier,
        invoice_number: input.invoice_number,
        invoice_date: input.invoice_date,
        paid_on: input.paid_on,
        net_cents: total[0],
        vat_cents: total[1],
        gross_cents: total[2],
        notes: input.notes,
    };
    let authority_id = input.authority_id;
    let lines = input.lines;

    let id = store.write(None, move |w| {
        let invoice_id = match field_errors(w.create(invoice))? {
            Ok(row) => Some(row.id),
            Err(e) => {
                // A wrong total is a wrong line; the line says which.
                errors.extend(e.into_iter().filter(|e| e.code != "gross_mismatch"));
                None
            }
        };
        let authority_known = !errors.iter().any(|e| e.field == "authority_id");
        for (index, line) in lines.into_iter().enumerate() {
            let data = InvoiceLineData {
                invoice_id: invoice_id.clone().unwrap_or_default(),
                position: i64::try_from(index + 1).unwrap_or(i64::MAX),
                description: line.description,
                school_id: line.school_id,
                programme_id: line.programme_id,
                category: line.category,
                net_cents: line.net_cents,
                vat_cents: line.vat_cents,
                gross_cents: line.gross_cents,
                federal_cents: line.federal_cents,
                land_cents: line.land_cents,
                own_cents: line.own_cents,
                third_party_cents: line.third_party_cents,
                notes: None,
            };
            let line_id = match &invoice_id {
                Some(_) => match field_errors(w.create(data))? {
                    Ok(row) => Some(row.id),
                    Err(e) => {
                        errors.extend(prefixed(index, e));
                        None
                    }
                },
                None => {
                    errors.extend(prefixed(index, line_problems(w, data)?));
                    None
                }
            };
            // Inventory numbers: each once, each an item of the invoice's Schulträger.
            let mut seen: HashSet<&str> = HashSet::new();
            for number in line.inventory_numbers.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                if !seen.insert(number) || !authority_known {
                    continue;
                }
                match item_by_inventory_number(w, &authority_id, number)? {
                    None => errors.push(FieldError::new(
                        &line_field(index, "inventory_numbers"),
                        "unknown_inventory_number",
                        format!("Die Inventarnummer „{number}“ ist beim Schulträger nicht erfasst."),
                    )),
                    Some((item_entity, item_id)) => {
                        if let Some(line_id) = &line_id {
                            let link = InvoiceItemData { line_id: line_id.clone(), item_entity, item_id };
                            if let Err(e) = field_errors(w.create(link))? {
                                errors.extend(
                                    e.into_iter()
                                        .map(|e| FieldError { field: line_field(index, "inventory_numbers"), ..e }),
                                );
                            }
                        }
                    }
                }
            }
        }
        match invoice_id {
            // Returning an error drops the transaction: nothing of the invoice is kept.
            Some(id) if errors.is_empty() => Ok(id),
            _ => Err(CoreError::validation(errors)),
        }
    })?;
    ledger::invoice_detail(store, &id)
}

/// Creates a programme (no id) or writes the changed fields of an existing one.
pub fn save_programme(store: &mut Store, id: Option<&str>, data: ProgrammeFields) -> Result<ProgrammeRow, CoreError> {
    let data = ProgrammeData::from(data);
    let row = match id {
        Some(id) => store.update(id, data)?,
        None => store.create(data)?,
    };
    Ok(programme_row(row))
}
