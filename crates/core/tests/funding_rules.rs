//! The funding checks on a worked example: a fictional Schulträger with six schools whose
//! figures are computed by hand below.

mod common;

use common::*;
use schulinventar_core::funding::{budgets, check, Severity};
use schulinventar_core::*;

const BASIS: &str = "programme-digitalpakt-basis";

struct Example {
    _dir: tempfile::TempDir,
    store: Store,
    authority: String,
    schools: Vec<String>,
    invoices: i64,
}

impl Example {
    /// Stadt Musterhausen: S1 Grundschule, S2 Gymnasium, S3 Realschule, S4 Gesamtschule,
    /// S5 Förderschule, S6 Berufskolleg.
    fn new() -> Example {
        let (dir, mut store) = open_temp();
        let a = store.create(SchoolAuthorityData { name: "Stadt Musterhausen".into(), ..authority() }).unwrap();
        let types = [
            ("100001", "Grundschule Am Bach", SchoolType::Primary),
            ("100002", "Gymnasium Mitte", SchoolType::Grammar),
            ("100003", "Realschule Nord", SchoolType::Intermediate),
            ("100004", "Gesamtschule Süd", SchoolType::Comprehensive),
            ("100005", "Förderschule West", SchoolType::SpecialNeeds),
            ("100006", "Berufskolleg Ost", SchoolType::Vocational),
        ];
        let schools = types
            .iter()
            .map(|(n, name, ty)| {
                let mut s = school(&a.id, n, name);
                s.school_type = *ty;
                s.school_type_label = ty.label().into();
                store.create(s).unwrap().id
            })
            .collect();
        Example { _dir: dir, store, authority: a.id, schools, invoices: 0 }
    }

    /// One invoice with one line, split 90 / 10 by the programme's shares.
    fn spend(
        &mut self,
        school: usize,
        category: FundingCategory,
        gross: i64,
        programme: &str,
        date: chrono::NaiveDate,
    ) {
        self.invoices += 1;
        let vat = gross * 19 / 119;
        let inv = self
            .store
            .create(InvoiceData {
                authority_id: self.authority.clone(),
                supplier: "Systemhaus Muster".into(),
                invoice_number: format!("RE-{}", self.invoices),
                invoice_date: date,
                paid_on: None,
                net_cents: gross - vat,
                vat_cents: vat,
                gross_cents: gross,
                notes: None,
            })
            .unwrap();
        let p: Programme = self.store.get(programme).unwrap();
        let (federal, land, own) = split_by_shares(gross, p.data.federal_share_bp, p.data.land_share_bp);
        self.store
            .create(InvoiceLineData {
                invoice_id: inv.id,
                position: 1,
                description: None,
                school_id: Some(self.schools[school].clone()),
                programme_id: Some(programme.into()),
                category,
                net_cents: gross - vat,
                vat_cents: vat,
                gross_cents: gross,
                federal_cents: federal,
                land_cents: land,
                own_cents: own,
                third_party_cents: 0,
                notes: None,
            })
            .unwrap();
    }

    fn allocate(&mut self, school: Option<usize>, amount: i64) {
        self.store
            .create(AllocationData {
                programme_id: BASIS.into(),
                authority_id: self.authority.clone(),
                school_id: school.map(|s| self.schools[s].clone()),
                amount_cents: amount,
                pupils: None,
                per_pupil_cents: None,
                key_note: None,
                notes: None,
            })
            .unwrap();
    }

    fn findings(&self, code: &str) -> Vec<funding::Finding> {
        check(self.store.conn(), date(2025, 6, 1)).unwrap().into_iter().filter(|f| f.code == code).collect()
    }
}

fn worked_example() -> Example {
    use FundingCategory::*;
    let mut e = Example::new();
    let d = date(2023, 5, 2);
    e.allocate(None, 100_000_000); // 1,000,000.00 EUR for the Schulträger
    e.allocate(Some(1), 20_000_000); // of which 200,000.00 EUR for S2
    e.spend(0, Wlan, 10_000_000, BASIS, d); // S1 100,000.00
    e.spend(0, MobileDevices, 2_000_000, BASIS, d); // S1 20,000.00
    e.spend(1, DisplayDevices, 15_000_000, BASIS, d); // S2 150,000.00
    e.spend(1, MobileDevices, 3_000_000, BASIS, d); // S2 30,000.00: over 25,000 EUR
    e.spend(2, Networking, 8_000_000, BASIS, d); // S3 80,000.00
    e.spend(2, MobileDevices, 1_000_000, BASIS, d); // S3 10,000.00
    e.spend(3, Wlan, 5_000_000, BASIS, d); // S4 50,000.00
    e.spend(4, MobileDevices, 500_000, BASIS, d); // S5 5,000.00
    e.spend(5, MobileDevices, 20_000_000, BASIS, d); // S6 200,000.00, vocational: not capped
    e
}

#[test]
fn the_budget_of_the_worked_example_adds_up_by_hand() {
    let e = worked_example();
    let all = budgets(e.store.conn(), Some(BASIS), None).unwrap();
    let total = all.iter().find(|b| b.school_id.is_none()).unwrap();
    // Spent: 445,000.00 (general education) + 200,000.00 (Berufskolleg) = 645,000.00 EUR.
    assert_eq!(total.spent_cents, 64_500_000);
    // 90 % federal = 580,500.00; 10 % own = 64,500.00; remaining = 1,000,000 − 580,500 = 419,500.00.
    assert_eq!((total.federal_cents, total.own_cents, total.land_cents), (58_050_000, 6_450_000, 0));
    assert_eq!(total.allocated_cents, 100_000_000);
    assert_eq!(total.remaining_cents, Some(41_950_000));
    let s2 = all.iter().find(|b| b.school_number.as_deref() == Some("100002")).unwrap();
    // S2: 180,000.00 spent, 162,000.00 federal, 200,000.00 allocated → 38,000.00 remaining.
    assert_eq!(
        (s2.spent_cents, s2.federal_cents, s2.allocated_cents, s2.remaining_cents),
        (18_000_000, 16_200_000, 20_000_000, Some(3_800_000))
    );
    assert_eq!(all.iter().filter(|b| b.school_id.is_some()).count(), 6);
    let per_school: i64 = all.iter().filter(|b| b.school_id.is_some()).map(|b| b.spent_cents).sum();
    assert_eq!(per_school, total.spent_cents, "the schools add up to the Schulträger");
    let without: Vec<_> = all.iter().filter(|b| b.school_id.is_some() && b.allocated_cents == 0).collect();
    assert!(!without.is_empty(), "some schools draw on the Schulträger's budget without a share of their own");
    assert!(without.iter().all(|b| b.remaining_cents.is_none()), "no allocation, so nothing remains or is overdrawn");
}

#[test]
fn mobile_cap_of_the_worked_example() {
    let mut e = worked_example();
    // Mobile at general-education schools: 20,000 + 30,000 + 10,000 + 5,000 = 65,000.00 EUR,
    // 20 % of 445,000.00 = 89,000.00: within the share although S2 is over 25,000 EUR.
    assert!(e.findings("mobile_cap_exceeded").is_empty());
    // 30,000.00 more at S2: mobile 95,000.00 = exactly 20 % of 475,000.00: still allowed.
    e.spend(1, FundingCategory::MobileDevices, 3_000_000, BASIS, date(2023, 6, 1));
    assert!(e.findings("mobile_cap_exceeded").is_empty(), "exactly 20 %");
    // One cent more: 95,000.01 > 20 % of 475,000.01 (95,000.002), and S2 is over 25,000 EUR.
    e.spend(1, FundingCategory::MobileDevices, 1, BASIS, date(2023, 6, 2));
    let f = e.findings("mobile_cap_exceeded");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Violation);
    assert_eq!(f[0].ids, vec![e.schools[1].clone()], "the school over 25,000 EUR");
    assert!(f[0].message.contains("95.000,01 €") && f[0].message.contains("25.000,00 €"), "{}", f[0].message);
    // The Berufskolleg's 200,000.00 EUR of mobile devices never counted.
    assert!(!f[0].message.contains("100006"));
}

#[test]
fn allocation_cofinancing_period_category_and_links() {
    let mut e = worked_example();
    assert!(e.findings("allocation_exceeded").is_empty());
    assert!(e.findings("cofinancing_too_low").is_empty(), "exactly 10 %");
    // S2 draws more than its 200,000.00 EUR share: 180,000 + 30,000 gross → 189,000 federal, fine;
    // another 20,000.00 gross → 207,000.00 federal > 200,000.00.
    e.spend(1, FundingCategory::DisplayDevices, 2_000_000, BASIS, date(2023, 7, 1));
    e.spend(1, FundingCategory::DisplayDevices, 3_000_000, BASIS, date(2023, 7, 2));
    let f = e.findings("allocation_exceeded");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].school_id.as_deref(), Some(e.schools[1].as_str()));
    assert_eq!(f[0].amount_cents, Some(20_700_000 - 20_000_000));

    // An invoice dated one day after the eligible period, one on its last day.
    e.spend(0, FundingCategory::Wlan, 100, BASIS, date(2024, 5, 17));
    e.spend(0, FundingCategory::Wlan, 100, BASIS, date(2024, 5, 16));
    let f = e.findings("invoice_outside_period");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ids.len(), 1, "only the day after");
    assert_eq!(f[0].count, 1);

    // WLAN is not fundable from the Sofortausstattungsprogramm (mobile devices only).
    e.spend(0, FundingCategory::Wlan, 100, "programme-sofortausstattung", date(2021, 1, 1));
    assert_eq!(e.findings("category_not_fundable").len(), 1);

    // Lines that buy items but link none.
    let f = e.findings("line_without_items");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);

    // A line paid almost entirely by the Bund: co-financing below 10 %.
    let inv = e
        .store
        .create(InvoiceData {
            authority_id: e.authority.clone(),
            supplier: "X".into(),
            invoice_number: "RE-X".into(),
            invoice_date: date(2023, 1, 1),
            paid_on: None,
            net_cents: 1_000_000_000,
            vat_cents: 0,
            gross_cents: 1_000_000_000,
            notes: None,
        })
        .unwrap();
    e.store
        .create(InvoiceLineData {
            invoice_id: inv.id,
            position: 1,
            description: None,
            school_id: Some(e.schools[5].clone()),
            programme_id: Some(BASIS.into()),
            category: FundingCategory::Networking,
            net_cents: 1_000_000_000,
            vat_cents: 0,
            gross_cents: 1_000_000_000,
            federal_cents: 1_000_000_000,
            land_cents: 0,
            own_cents: 0,
            third_party_cents: 0,
            notes: None,
        })
        .unwrap();
    assert_eq!(e.findings("cofinancing_too_low").len(), 1);
}

#[test]
fn deadlines_ahead_with_days_left() {
    let e = worked_example();
    let f = e.findings("deadline_ahead");
    let proof = f
        .iter()
        .find(|x| x.programme_id.as_deref() == Some(BASIS) && x.entity.as_deref() == Some("proof_due"))
        .unwrap();
    assert_eq!(proof.due, Some(date(2025, 12, 31)));
    assert_eq!(proof.days_left, Some(213), "1 June to 31 December 2025");
    assert!(proof.message.contains("31.12.2025") && proof.message.contains("213 Tagen"));
    assert!(f.iter().all(|x| x.severity == Severity::Info));
    // Passed deadlines are not listed.
    assert!(!f.iter().any(|x| x.due.is_some_and(|d| d < date(2025, 6, 1))));
}

#[test]
fn items_without_invoice_are_flagged_per_school() {
    let mut e = worked_example();
    let d1 = e.store.create(device(&e.schools[0], Some("D-1"))).unwrap();
    e.store.create(device(&e.schools[0], Some("D-2"))).unwrap();
    let f = e.findings("items_without_invoice");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].ids.len(), f[0].count), (2, 2));
    assert!(f[0].message.contains("2 Geräte"));
    let line: String = e.store.conn().query_row("SELECT id FROM invoice_lines LIMIT 1", [], |r| r.get(0)).unwrap();
    e.store.create(InvoiceItemData { line_id: line, item_entity: ItemEntity::Device, item_id: d1.id }).unwrap();
    assert_eq!(e.findings("items_without_invoice")[0].ids.len(), 1);
}

#[test]
fn funds_need_a_media_concept() {
    let mut e = worked_example();
    assert_eq!(e.findings("media_concept_missing").len(), 6, "no school has one yet");
    for (i, status) in [MediaConceptStatus::Present, MediaConceptStatus::InProgress].into_iter().enumerate() {
        e.store
            .create(MediaConceptData {
                school_id: e.schools[i].clone(),
                status,
                adopted_on: (status == MediaConceptStatus::Present).then(|| date(2019, 9, 1)),
                notes: None,
            })
            .unwrap();
    }
    let f = e.findings("media_concept_missing");
    assert_eq!(f.len(), 5);
    assert!(!f.iter().any(|x| x.school_id.as_deref() == Some(e.schools[0].as_str())));
    let s2 = f.iter().find(|x| x.school_id.as_deref() == Some(e.schools[1].as_str())).unwrap();
    // S2: 90 % of 180,000.00 EUR.
    assert_eq!(s2.amount_cents, Some(16_200_000));
    assert!(s2.message.contains("in Arbeit"), "{}", s2.message);
    // One concept per school; "present" needs the date it was adopted.
    let dup = e.store.create(MediaConceptData {
        school_id: e.schools[0].clone(),
        status: MediaConceptStatus::Missing,
        adopted_on: None,
        notes: None,
    });
    assert!(matches!(dup.unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].code == "duplicate"));
    let undated = e.store.create(MediaConceptData {
        school_id: e.schools[2].clone(),
        status: MediaConceptStatus::Present,
        adopted_on: None,
        notes: None,
    });
    assert!(
        matches!(undated.unwrap_err(), CoreError::Validation { ref errors, .. } if errors[0].field == "adopted_on")
    );
}
