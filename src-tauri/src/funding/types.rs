//! What the Fördermittel page exchanges with the window. Stored records travel as the core's
//! own types (`Programme`, `Invoice`, `InvoiceLine`, `Budget`, `Finding`); these add the names
//! a person reads next to the ids, and the input of the invoice form.

use chrono::NaiveDate;
use schulinventar_core::{FundingCategory, Invoice, InvoiceLine, ItemEntity, Land, ProgrammeData, Row};
use serde::{Deserialize, Serialize};
use specta::Type;

/// A programme as the window reads and writes it: the fields of the core's `ProgrammeData`.
/// It is mirrored because `ProgrammeData.categories` reads stored JSON text through
/// `deserialize_with`, which specta cannot describe; once core annotates that field with
/// `#[specta(type = Vec<FundingCategory>)]`, `ProgrammeData` can cross IPC itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ProgrammeFields {
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
    /// Shares in basis points (1 % = 100).
    pub federal_share_bp: i64,
    pub land_share_bp: i64,
    pub min_cofinancing_bp: i64,
    pub earmark_years: i64,
    pub mobile_cap_bp: Option<i64>,
    pub mobile_cap_per_school_cents: Option<i64>,
    pub categories: Vec<FundingCategory>,
    pub notes: Option<String>,
}

/// A stored programme.
pub type ProgrammeRow = Row<ProgrammeFields>;

impl From<ProgrammeData> for ProgrammeFields {
    fn from(p: ProgrammeData) -> Self {
        ProgrammeFields {
            name: p.name,
            short_name: p.short_name,
            land: p.land,
            eligible_from: p.eligible_from,
            eligible_to: p.eligible_to,
            application_deadline: p.application_deadline,
            binding_deadline: p.binding_deadline,
            implementation_end: p.implementation_end,
            proof_due: p.proof_due,
            federal_share_bp: p.federal_share_bp,
            land_share_bp: p.land_share_bp,
            min_cofinancing_bp: p.min_cofinancing_bp,
            earmark_years: p.earmark_years,
            mobile_cap_bp: p.mobile_cap_bp,
            mobile_cap_per_school_cents: p.mobile_cap_per_school_cents,
            categories: p.categories,
            notes: p.notes,
        }
    }
}

impl From<ProgrammeFields> for ProgrammeData {
    fn from(p: ProgrammeFields) -> Self {
        ProgrammeData {
            name: p.name,
            short_name: p.short_name,
            land: p.land,
            eligible_from: p.eligible_from,
            eligible_to: p.eligible_to,
            application_deadline: p.application_deadline,
            binding_deadline: p.binding_deadline,
            implementation_end: p.implementation_end,
            proof_due: p.proof_due,
            federal_share_bp: p.federal_share_bp,
            land_share_bp: p.land_share_bp,
            min_cofinancing_bp: p.min_cofinancing_bp,
            earmark_years: p.earmark_years,
            mobile_cap_bp: p.mobile_cap_bp,
            mobile_cap_per_school_cents: p.mobile_cap_per_school_cents,
            categories: p.categories,
            notes: p.notes,
        }
    }
}

/// The stored programme in the window's shape.
pub fn programme_row(p: Row<ProgrammeData>) -> ProgrammeRow {
    Row { id: p.id, data: p.data.into(), created_at: p.created_at, updated_at: p.updated_at, deleted_at: p.deleted_at }
}

/// A value of a closed vocabulary: its stable code and its German label.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Label {
    pub code: String,
    pub label: String,
}

/// A funding category with whether its spending buys inventory items (then a line should link
/// the items it paid for).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CategoryLabel {
    pub code: FundingCategory,
    pub label: String,
    pub buys_items: bool,
}

/// The German labels the page shows for the core's codes.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct FundingVocabulary {
    pub lands: Vec<Label>,
    pub categories: Vec<CategoryLabel>,
    pub item_kinds: Vec<Label>,
}

/// A Schulträger as a choice in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AuthorityRef {
    pub id: String,
    pub name: String,
}

/// A school as a choice in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct SchoolRef {
    pub id: String,
    pub authority_id: String,
    pub school_number: String,
    pub name: String,
}

/// A record a finding concerns, by a name a person recognises.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RecordRef {
    pub id: String,
    /// The entity as in the finding ("invoice_line", "school", "device" …).
    pub entity: String,
    /// What it is called: "Rechnung RE-2021-01 (Bechtle GmbH), Position 1", "100013 Goethe-Gymnasium",
    /// "Gerät INV-000123 · Dell Latitude 5440".
    pub label: String,
    /// Where it is or what it says more (school, description); none when there is nothing more.
    pub detail: Option<String>,
    /// False when the id names no record (any more).
    pub found: bool,
}

/// A gross amount split by source, as `split_by_shares` computes it from a programme's shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
pub struct MoneySplit {
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
}

/// One invoice of the list, with the programmes its lines are paid from.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceSummary {
    pub invoice: Invoice,
    /// Short names of the programmes of its lines, in order, each once.
    pub programmes: Vec<String>,
    pub lines: u32,
}

/// A page of the invoice list.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoicePage {
    pub items: Vec<InvoiceSummary>,
    /// Cursor of the next page; none on the last page.
    pub next: Option<String>,
}

/// An inventory item an invoice line paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ItemRef {
    pub entity: ItemEntity,
    pub id: String,
    /// "Gerät", "Access Point" …
    pub kind: String,
    pub inventory_number: Option<String>,
    /// Manufacturer and model (or the provider of a line), as far as known.
    pub label: String,
    /// "100013 Goethe-Gymnasium"
    pub school: Option<String>,
    /// Retired or deleted items are still shown on their invoice.
    pub retired: bool,
}

/// One line of an invoice with the names of what it refers to and the items it paid for.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceLineDetail {
    pub line: InvoiceLine,
    pub programme: Option<String>,
    pub school: Option<String>,
    pub category: String,
    /// The item links last until the programme's earmarking ends (none: no earmarking).
    pub earmarked_until: Option<NaiveDate>,
    pub items: Vec<ItemRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    pub authority: String,
    pub lines: Vec<InvoiceLineDetail>,
}

/// Which invoice line (and so which programme) paid for an item.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ItemFunding {
    pub item: ItemRef,
    pub invoice_id: String,
    pub invoice_number: String,
    pub supplier: String,
    pub invoice_date: NaiveDate,
    pub line_id: String,
    pub position: i64,
    pub description: Option<String>,
    pub programme_id: Option<String>,
    pub programme: Option<String>,
    pub category: String,
    pub gross_cents: i64,
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
    /// Invoice date plus the programme's earmarking years; none without earmarking.
    pub earmarked_until: Option<NaiveDate>,
}

/// A new invoice as the entry form sends it: amounts already in cents, dates already parsed.
/// The invoice's totals are the sums of its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NewInvoice {
    pub authority_id: String,
    pub supplier: String,
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NewInvoiceLine {
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
    /// Inventory numbers (of the invoice's Schulträger) of the items the line paid for.
    #[serde(default)]
    pub inventory_numbers: Vec<String>,
}
