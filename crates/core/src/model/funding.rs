//! The funding ledger's entities. Money is in integer cents, shares in basis points (1 % = 100).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FundingCategory, ItemEntity, Land, MeasureStatus, MediaConceptStatus};

/// A funding programme: DigitalPakt Basis, its supplements, DigitalPakt 2.0, a Land programme,
/// or the Schulträger's own funds. Shipped as a catalogue, extended by users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProgrammeData {
    pub name: String,
    pub short_name: Option<String>,
    /// None: the programme applies in every Land.
    pub land: Option<Land>,
    pub eligible_from: Option<NaiveDate>,
    pub eligible_to: Option<NaiveDate>,
    pub application_deadline: Option<NaiveDate>,
    pub binding_deadline: Option<NaiveDate>,
    pub implementation_end: Option<NaiveDate>,
    pub proof_due: Option<NaiveDate>,
    pub federal_share_bp: i64,
    pub land_share_bp: i64,
    pub min_cofinancing_bp: i64,
    pub earmark_years: i64,
    /// Mobile-device cap for general-education schools: share of the Schulträger's investment…
    pub mobile_cap_bp: Option<i64>,
    /// …or amount per school, whichever is more favourable (no pooling between schools).
    pub mobile_cap_per_school_cents: Option<i64>,
    #[serde(default, deserialize_with = "crate::model::vec_from_json_text")]
    #[specta(type = Vec<FundingCategory>)]
    pub categories: Vec<FundingCategory>,
    pub notes: Option<String>,
}

/// A programme's budget for a Schulträger, or one school's share of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AllocationData {
    pub programme_id: String,
    pub authority_id: String,
    pub school_id: Option<String>,
    pub amount_cents: i64,
    /// Formula inputs, kept so the figure can be explained.
    pub pupils: Option<i64>,
    pub per_pupil_cents: Option<i64>,
    pub key_note: Option<String>,
    pub notes: Option<String>,
}

/// A planned measure of a school in one category, from plan through application and approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MeasureData {
    pub programme_id: String,
    pub school_id: String,
    pub category: FundingCategory,
    pub title: String,
    pub planned_cents: i64,
    pub status: MeasureStatus,
    pub applied_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    pub file_number: Option<String>,
    pub approved_cents: Option<i64>,
    pub funding_rate_bp: Option<i64>,
    /// Sachbericht: goals, what was done, deviations (for the Verwendungsnachweis).
    pub narrative: Option<String>,
    pub notes: Option<String>,
}

/// A supplier's invoice to the Schulträger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct InvoiceData {
    pub authority_id: String,
    pub supplier: String,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub notes: Option<String>,
}

/// One line of an invoice, with the money that pays for it split by source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct InvoiceLineData {
    pub invoice_id: String,
    pub position: i64,
    pub description: Option<String>,
    pub school_id: Option<String>,
    pub programme_id: Option<String>,
    pub category: FundingCategory,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
    pub notes: Option<String>,
}

/// An inventory item an invoice line paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct InvoiceItemData {
    pub line_id: String,
    pub item_entity: ItemEntity,
    pub item_id: String,
}

/// A school's Medienkonzept (technical-pedagogical concept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MediaConceptData {
    pub school_id: String,
    pub status: MediaConceptStatus,
    pub adopted_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

/// Splits a gross amount by a programme's shares: the federal and Land parts are rounded down
/// to the cent (funding is never rounded up), the rest is the Schulträger's own share, so the
/// parts always add up to the amount and the co-financing never falls short of its minimum.
pub fn split_by_shares(gross_cents: i64, federal_share_bp: i64, land_share_bp: i64) -> (i64, i64, i64) {
    // Truncation toward zero: a credit note splits like the invoice it corrects.
    let part = |bp: i64| -> i64 { (i128::from(gross_cents) * i128::from(bp) / 10_000) as i64 };
    let federal = part(federal_share_bp);
    let land = part(land_share_bp);
    (federal, land, gross_cents - federal - land)
}

pub type Programme = super::Row<ProgrammeData>;
pub type Allocation = super::Row<AllocationData>;
pub type Measure = super::Row<MeasureData>;
pub type Invoice = super::Row<InvoiceData>;
pub type InvoiceLine = super::Row<InvoiceLineData>;
pub type InvoiceItem = super::Row<InvoiceItemData>;
pub type MediaConcept = super::Row<MediaConceptData>;

#[cfg(test)]
mod tests {
    use super::split_by_shares;

    #[test]
    fn shares_add_up_to_the_amount() {
        assert_eq!(split_by_shares(10_000, 9000, 0), (9000, 0, 1000));
        assert_eq!(split_by_shares(333, 9000, 0), (299, 0, 34), "299.7 rounds down");
        assert_eq!(split_by_shares(2_498_401, 9000, 0), (2_248_560, 0, 249_841));
        assert_eq!(split_by_shares(101, 5000, 2500), (50, 25, 26));
        assert_eq!(split_by_shares(-1000, 9000, 0), (-900, 0, -100), "credit notes split the same way");
        for gross in [0, 1, 7, 99, 12_345, 999_999_999] {
            let (f, l, o) = split_by_shares(gross, 9000, 500);
            assert_eq!(f + l + o, gross);
            assert!(o * 10_000 >= gross * 500, "own share never below its part");
        }
    }
}
