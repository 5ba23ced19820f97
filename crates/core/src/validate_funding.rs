//! Validation of the funding ledger's records: every problem at once, in German. The rules that
//! look across records (caps, co-financing, deadlines) are findings of the funding checks, not
//! reasons to refuse a write.

use rusqlite::OptionalExtension;

use crate::error::{FieldError, Result};
use crate::model::*;
use crate::validate::{exists, trim, trim_opt, Ctx, Errors, Validate};

const MAX_AMOUNT: i64 = 1_000_000_000_000; // ten billion euros in cents

fn share(e: &mut Errors, field: &str, bp: i64, label: &str) {
    if !(0..=10_000).contains(&bp) {
        e.add(field, "out_of_range", format!("{label} muss zwischen 0 und 100 % liegen."));
    }
}

fn amount(e: &mut Errors, field: &str, cents: i64, label: &str, allow_negative: bool) {
    if cents.abs() > MAX_AMOUNT {
        e.add(field, "out_of_range", format!("{label} ist unplausibel groß."));
    } else if cents < 0 && !allow_negative {
        e.add(field, "negative", format!("{label} darf nicht negativ sein."));
    }
}

fn programme_exists(e: &mut Errors, ctx: &Ctx, field: &str, id: &str) -> Result<()> {
    if !exists(ctx.conn, "programmes", id)? {
        e.add(field, "unknown_programme", "Das Förderprogramm gibt es nicht (mehr).");
    }
    Ok(())
}

impl Validate for ProgrammeData {
    fn normalize(&mut self) {
        trim(&mut self.name);
        trim_opt(&mut self.short_name);
        trim_opt(&mut self.notes);
        self.categories.dedup();
    }
    fn validate(&self, _ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        e.required("name", &self.name, "Der Name");
        e.line("name", Some(&self.name));
        e.line("short_name", self.short_name.as_deref());
        e.note("notes", self.notes.as_deref());
        share(&mut e, "federal_share_bp", self.federal_share_bp, "Der Bundesanteil");
        share(&mut e, "land_share_bp", self.land_share_bp, "Der Landesanteil");
        share(&mut e, "min_cofinancing_bp", self.min_cofinancing_bp, "Der Mindest-Eigenanteil");
        if self.federal_share_bp + self.land_share_bp > 10_000 {
            e.add(
                "land_share_bp",
                "shares_exceed_total",
                "Bundes- und Landesanteil zusammen dürfen 100 % nicht übersteigen.",
            );
        }
        e.range("earmark_years", Some(self.earmark_years), 0, 30, "Die Zweckbindung (Jahre)");
        if let Some(bp) = self.mobile_cap_bp {
            share(&mut e, "mobile_cap_bp", bp, "Die Obergrenze für mobile Endgeräte");
        }
        if let Some(c) = self.mobile_cap_per_school_cents {
            amount(&mut e, "mobile_cap_per_school_cents", c, "Die Obergrenze je Schule", false);
        }
        if let (Some(from), Some(to)) = (self.eligible_from, self.eligible_to) {
            if to < from {
                e.add("eligible_to", "before_start", "Das Ende des Förderzeitraums liegt vor seinem Beginn.");
            }
        }
        Ok(e.0)
    }
}

impl Validate for AllocationData {
    fn normalize(&mut self) {
        trim(&mut self.programme_id);
        trim(&mut self.authority_id);
        trim_opt(&mut self.school_id);
        trim_opt(&mut self.key_note);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        programme_exists(&mut e, ctx, "programme_id", &self.programme_id)?;
        if !exists(ctx.conn, "school_authorities", &self.authority_id)? {
            e.add("authority_id", "unknown_authority", "Den Schulträger gibt es nicht (mehr).");
        }
        if let Some(school) = &self.school_id {
            let owner: Option<String> = ctx
                .conn
                .prepare_cached("SELECT authority_id FROM schools WHERE id = ?1 AND deleted_at IS NULL")?
                .query_row([school], |r| r.get(0))
                .optional()?;
            match owner {
                None => e.add("school_id", "unknown_school", "Die Schule gibt es nicht (mehr)."),
                Some(a) if a != self.authority_id => {
                    e.add("school_id", "school_of_other_authority", "Die Schule gehört zu einem anderen Schulträger.")
                }
                _ => {}
            }
        }
        amount(&mut e, "amount_cents", self.amount_cents, "Der Betrag", false);
        e.range("pupils", self.pupils, 0, 10_000_000, "Die Schülerzahl");
        if let Some(p) = self.per_pupil_cents {
            amount(&mut e, "per_pupil_cents", p, "Der Betrag je Schüler", false);
        }
        e.line("key_note", self.key_note.as_deref());
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for MeasureData {
    fn normalize(&mut self) {
        trim(&mut self.programme_id);
        trim(&mut self.school_id);
        trim(&mut self.title);
        trim_opt(&mut self.file_number);
        trim_opt(&mut self.narrative);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        programme_exists(&mut e, ctx, "programme_id", &self.programme_id)?;
        if !exists(ctx.conn, "schools", &self.school_id)? {
            e.add("school_id", "unknown_school", "Die Schule gibt es nicht (mehr).");
        }
        e.required("title", &self.title, "Die Bezeichnung der Maßnahme");
        e.line("title", Some(&self.title));
        amount(&mut e, "planned_cents", self.planned_cents, "Der geplante Betrag", false);
        if let Some(a) = self.approved_cents {
            amount(&mut e, "approved_cents", a, "Der bewilligte Betrag", false);
        }
        if let Some(r) = self.funding_rate_bp {
            share(&mut e, "funding_rate_bp", r, "Die Förderquote");
        }
        if matches!(self.status, MeasureStatus::Approved | MeasureStatus::Amended | MeasureStatus::Completed)
            && (self.approved_on.is_none() || self.approved_cents.is_none())
        {
            e.add(
                "approved_cents",
                "approval_incomplete",
                "Eine bewilligte Maßnahme braucht Bewilligungsdatum und bewilligten Betrag.",
            );
        }
        if let (Some(a), Some(b)) = (self.applied_on, self.approved_on) {
            if b < a {
                e.add("approved_on", "before_application", "Die Bewilligung liegt vor dem Antrag.");
            }
        }
        e.line("file_number", self.file_number.as_deref());
        e.note("narrative", self.narrative.as_deref());
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for InvoiceData {
    fn normalize(&mut self) {
        trim(&mut self.authority_id);
        trim(&mut self.supplier);
        trim(&mut self.invoice_number);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        if !exists(ctx.conn, "school_authorities", &self.authority_id)? {
            e.add("authority_id", "unknown_authority", "Den Schulträger gibt es nicht (mehr).");
        }
        e.required("supplier", &self.supplier, "Der Lieferant");
        e.line("supplier", Some(&self.supplier));
        e.required("invoice_number", &self.invoice_number, "Die Rechnungsnummer");
        e.line("invoice_number", Some(&self.invoice_number));
        amount(&mut e, "net_cents", self.net_cents, "Der Nettobetrag", true);
        amount(&mut e, "vat_cents", self.vat_cents, "Die Umsatzsteuer", true);
        amount(&mut e, "gross_cents", self.gross_cents, "Der Bruttobetrag", true);
        if self.net_cents.checked_add(self.vat_cents) != Some(self.gross_cents) {
            e.add(
                "gross_cents",
                "gross_mismatch",
                format!(
                    "Netto {} + Umsatzsteuer {} ergibt nicht den Bruttobetrag {}.",
                    euros(self.net_cents),
                    euros(self.vat_cents),
                    euros(self.gross_cents)
                ),
            );
        }
        if let Some(p) = self.paid_on {
            if p < self.invoice_date {
                e.add("paid_on", "before_invoice", "Die Zahlung liegt vor dem Rechnungsdatum.");
            }
        }
        e.not_future("invoice_date", Some(self.invoice_date), ctx.today, "Das Rechnungsdatum");
        let dup = ctx
            .conn
            .prepare_cached(
                "SELECT 1 FROM invoices WHERE authority_id = ?1 AND lower(supplier) = lower(?2) AND invoice_number = ?3
                   AND deleted_at IS NULL AND id <> ?4",
            )?
            .query_row(
                rusqlite::params![self.authority_id, self.supplier, self.invoice_number, id.unwrap_or("")],
                |_| Ok(()),
            )
            .optional()?;
        if dup.is_some() {
            e.add(
                "invoice_number",
                "duplicate",
                format!("Die Rechnung {} von {} ist schon erfasst.", self.invoice_number, self.supplier),
            );
        }
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

/// `1.234,56 €`
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", c % 100)
}

impl Validate for InvoiceLineData {
    fn normalize(&mut self) {
        trim(&mut self.invoice_id);
        trim_opt(&mut self.description);
        trim_opt(&mut self.school_id);
        trim_opt(&mut self.programme_id);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        if !exists(ctx.conn, "invoices", &self.invoice_id)? {
            e.add("invoice_id", "unknown_invoice", "Die Rechnung gibt es nicht (mehr).");
        }
        if let Some(p) = &self.programme_id {
            programme_exists(&mut e, ctx, "programme_id", p)?;
        }
        if let Some(s) = &self.school_id {
            if !exists(ctx.conn, "schools", s)? {
                e.add("school_id", "unknown_school", "Die Schule gibt es nicht (mehr).");
            }
        }
        e.range("position", Some(self.position), 1, 100_000, "Die Position");
        e.line("description", self.description.as_deref());
        for (field, v, label) in [
            ("net_cents", self.net_cents, "Der Nettobetrag"),
            ("vat_cents", self.vat_cents, "Die Umsatzsteuer"),
            ("gross_cents", self.gross_cents, "Der Bruttobetrag"),
            ("federal_cents", self.federal_cents, "Der Bundesanteil"),
            ("land_cents", self.land_cents, "Der Landesanteil"),
            ("own_cents", self.own_cents, "Der Eigenanteil"),
            ("third_party_cents", self.third_party_cents, "Der Drittmittelanteil"),
        ] {
            amount(&mut e, field, v, label, true);
        }
        if self.net_cents.checked_add(self.vat_cents) != Some(self.gross_cents) {
            e.add("gross_cents", "gross_mismatch", "Netto plus Umsatzsteuer ergibt nicht den Bruttobetrag.");
        }
        let parts = [self.federal_cents, self.land_cents, self.own_cents, self.third_party_cents];
        if parts.iter().try_fold(0i64, |a, b| a.checked_add(*b)) != Some(self.gross_cents) {
            e.add(
                "own_cents",
                "split_mismatch",
                format!(
                    "Bundes-, Landes-, Eigen- und Drittmittelanteil ergeben zusammen nicht den Bruttobetrag {}.",
                    euros(self.gross_cents)
                ),
            );
        }
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for InvoiceItemData {
    fn normalize(&mut self) {
        trim(&mut self.line_id);
        trim(&mut self.item_id);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        if !exists(ctx.conn, "invoice_lines", &self.line_id)? {
            e.add("line_id", "unknown_line", "Die Rechnungsposition gibt es nicht (mehr).");
        }
        if !exists(ctx.conn, self.item_entity.table(), &self.item_id)? {
            e.add(
                "item_id",
                "unknown_item",
                format!("Das verknüpfte {} gibt es nicht (mehr).", self.item_entity.label()),
            );
        }
        let dup = ctx
            .conn
            .prepare_cached(
                "SELECT 1 FROM invoice_items WHERE line_id = ?1 AND item_id = ?2 AND deleted_at IS NULL AND id <> ?3",
            )?
            .query_row(rusqlite::params![self.line_id, self.item_id, id.unwrap_or("")], |_| Ok(()))
            .optional()?;
        if dup.is_some() {
            e.add("item_id", "duplicate", "Das Gerät ist mit dieser Rechnungsposition schon verknüpft.");
        }
        Ok(e.0)
    }
}

impl Validate for MediaConceptData {
    fn normalize(&mut self) {
        trim(&mut self.school_id);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        if !exists(ctx.conn, "schools", &self.school_id)? {
            e.add("school_id", "unknown_school", "Die Schule gibt es nicht (mehr).");
        }
        if self.status == MediaConceptStatus::Present && self.adopted_on.is_none() {
            e.add("adopted_on", "required", "Wann wurde das Medienkonzept beschlossen?");
        }
        e.not_future("adopted_on", self.adopted_on, ctx.today, "Das Beschlussdatum");
        let other = ctx
            .conn
            .prepare_cached("SELECT 1 FROM media_concepts WHERE school_id = ?1 AND deleted_at IS NULL AND id <> ?2")?
            .query_row(rusqlite::params![self.school_id, id.unwrap_or("")], |_| Ok(()))
            .optional()?;
        if other.is_some() {
            e.add("school_id", "duplicate", "Für diese Schule ist schon ein Medienkonzept erfasst.");
        }
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::euros;

    #[test]
    fn euro_amounts_the_german_way() {
        assert_eq!(euros(123_456), "1.234,56 €");
        assert_eq!(euros(5), "0,05 €");
        assert_eq!(euros(-250_000_000), "-2.500.000,00 €");
        assert_eq!(euros(100_000), "1.000,00 €");
    }
}
