//! The funding ledger (names, invoice list and detail, invoice entry and editing, allocations,
//! measures, media concepts) on a real SQLite file filled with the small demo dataset
//! (allocations, measures, invoices with lines split 90/10 and linked items).

use std::cell::RefCell;

use chrono::NaiveDate;
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::funding::{self, Budget};
use schulinventar_core::ledger::{self, NewInvoice, NewInvoiceLine};
use schulinventar_core::{CoreError, FundingCategory, ListQuery, Programme, ProgrammeData, Store};

/// The store behind a RefCell, so that tests read like the app's commands.
struct App(RefCell<Store>);

impl App {
    fn with_store<R>(&self, f: impl FnOnce(&Store) -> Result<R, CoreError>) -> Result<R, CoreError> {
        f(&self.0.borrow())
    }
    fn with_store_mut<R>(&self, f: impl FnOnce(&mut Store) -> Result<R, CoreError>) -> Result<R, CoreError> {
        f(&mut self.0.borrow_mut())
    }
}

mod entry {
    pub use schulinventar_core::ledger::create_invoice;

    use super::*;

    pub fn save_programme(store: &mut Store, id: Option<&str>, data: ProgrammeData) -> Result<Programme, CoreError> {
        match id {
            Some(id) => store.update(id, data),
            None => store.create(data),
        }
    }
}

const BASIS: &str = "programme-digitalpakt-basis";

fn demo_db() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("demo.sqlite")).unwrap();
    demo::generate(&mut store, Scale::Small, 42, &mut |_, _| {}).unwrap();
    (dir, App(RefCell::new(store)))
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn authority_id(store: &Store) -> String {
    store.conn().query_row("SELECT id FROM school_authorities", [], |r| r.get(0)).unwrap()
}

/// The first school by number: (id, number).
fn first_school(store: &Store) -> (String, String) {
    store
        .conn()
        .query_row("SELECT id, school_number FROM schools ORDER BY school_number LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(school: Option<&str>, gross: i64, vat: i64, split: (i64, i64, i64)) -> NewInvoiceLine {
    NewInvoiceLine {
        description: Some("Access Points Neubau".into()),
        school_id: school.map(Into::into),
        programme_id: Some(BASIS.into()),
        category: FundingCategory::Wlan,
        net_cents: gross - vat,
        vat_cents: vat,
        gross_cents: gross,
        federal_cents: split.0,
        land_cents: split.1,
        own_cents: split.2,
        third_party_cents: 0,
        notes: None,
        inventory_numbers: Vec::new(),
    }
}

fn invoice(authority: &str, number: &str, lines: Vec<NewInvoiceLine>) -> NewInvoice {
    NewInvoice {
        authority_id: authority.into(),
        supplier: "Netzwerk Müller GmbH".into(),
        invoice_number: number.into(),
        invoice_date: date(2024, 3, 12),
        paid_on: Some(date(2024, 4, 2)),
        notes: None,
        lines,
    }
}

fn validation_fields(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Validation { errors, .. } => errors.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn basis_row<'a>(budgets: &'a [Budget], school: Option<&str>) -> &'a Budget {
    budgets.iter().find(|b| b.programme_id == BASIS && b.school_id.as_deref() == school).expect("budget row")
}

#[test]
fn a_new_invoice_line_adds_exactly_its_gross_to_the_budget_of_school_and_authority() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        let (school, _) = first_school(store);
        let before = funding::budgets(store.conn(), Some(BASIS), None)?;
        let (authority_before, school_before) =
            (basis_row(&before, None).clone(), basis_row(&before, Some(&school)).clone());
        assert!(authority_before.spent_cents > 0, "the demo spent DigitalPakt money");

        let split = ledger::split(store, Some(BASIS), 1_190_000)?;
        assert_eq!((split.federal_cents, split.land_cents, split.own_cents), (1_071_000, 0, 119_000));
        let detail = entry::create_invoice(
            store,
            invoice(&authority, "WLAN-2024-17", vec![line(Some(&school), 1_190_000, 190_000, (1_071_000, 0, 119_000))]),
        )?;
        assert_eq!(detail.invoice.data.gross_cents, 1_190_000, "the invoice's total is its line's");
        assert_eq!((detail.invoice.data.net_cents, detail.invoice.data.vat_cents), (1_000_000, 190_000));
        assert_eq!(detail.lines.len(), 1);
        assert_eq!(detail.lines[0].line.data.position, 1);
        assert_eq!(detail.lines[0].programme.as_deref(), Some("DigitalPakt Basis"));
        assert_eq!(detail.lines[0].category, "WLAN");
        assert_eq!(detail.lines[0].earmarked_until, Some(date(2029, 3, 12)));

        let after = funding::budgets(store.conn(), Some(BASIS), None)?;
        let (a, s) = (basis_row(&after, None), basis_row(&after, Some(&school)));
        assert_eq!(a.spent_cents - authority_before.spent_cents, 1_190_000);
        assert_eq!(s.spent_cents - school_before.spent_cents, 1_190_000);
        assert_eq!(a.federal_cents - authority_before.federal_cents, 1_071_000);
        assert_eq!(a.own_cents - authority_before.own_cents, 119_000);
        assert_eq!(a.remaining_cents, authority_before.remaining_cents.map(|r| r - 1_071_000));
        assert!(a.remaining_cents.is_some(), "the Schulträger has an allocation");
        assert_eq!(a.allocated_cents, authority_before.allocated_cents);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn a_rejected_invoice_keeps_nothing_and_names_every_problem_by_field() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        let (existing_number, existing_supplier): (String, String) = store
            .conn()
            .query_row("SELECT invoice_number, supplier FROM invoices ORDER BY invoice_number LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let counts = |s: &Store| {
            [
                count(s, "SELECT count(*) FROM invoices"),
                count(s, "SELECT count(*) FROM invoice_lines"),
                count(s, "SELECT count(*) FROM invoice_items"),
                count(s, "SELECT count(*) FROM change_log"),
            ]
        };
        let before = counts(store);

        let mut second = line(None, 50_000, 7_983, (45_000, 0, 5_000));
        second.inventory_numbers = vec!["GIBT-ES-NICHT-1".into()];
        let mut input = invoice(
            &authority,
            &existing_number,
            // Own share one cent short: the parts do not add up to the gross amount.
            vec![line(None, 119_000, 19_000, (107_100, 0, 11_899)), second],
        );
        input.supplier = existing_supplier.to_uppercase();
        let fields = validation_fields(entry::create_invoice(store, input).unwrap_err());
        assert!(fields.contains(&("invoice_number".into(), "duplicate".into())), "{fields:?}");
        assert!(fields.contains(&("lines.0.own_cents".into(), "split_mismatch".into())), "{fields:?}");
        assert!(
            fields.contains(&("lines.1.inventory_numbers".into(), "unknown_inventory_number".into())),
            "{fields:?}"
        );
        assert!(!fields.iter().any(|(f, _)| f == "lines.1.own_cents"), "the second line's split is right: {fields:?}");
        assert_eq!(counts(store), before, "a refused invoice writes nothing, not even a log entry");
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn lines_are_checked_even_when_the_invoice_itself_is_wrong() {
    let (_dir, app) = demo_db();
    let e = app
        .with_store_mut(|store| {
            let mut input =
                invoice("kein-schultraeger", " ", vec![line(Some("keine-schule"), 1000, 100, (900, 0, 100))]);
            input.lines[0].net_cents = 1;
            input.supplier = String::new();
            entry::create_invoice(store, input)
        })
        .unwrap_err();
    let fields = validation_fields(e);
    for expected in [
        ("authority_id", "unknown_authority"),
        ("supplier", "required"),
        ("invoice_number", "required"),
        ("lines.0.school_id", "unknown_school"),
        ("lines.0.gross_cents", "gross_mismatch"),
    ] {
        assert!(fields.contains(&(expected.0.into(), expected.1.into())), "{expected:?} missing in {fields:?}");
    }
    assert!(!fields.iter().any(|(f, _)| f == "lines.0.invoice_id" || f == "gross_cents"), "{fields:?}");

    let none = app.with_store_mut(|store| entry::create_invoice(store, invoice("x", "1", vec![]))).unwrap_err();
    assert!(validation_fields(none).contains(&("lines".into(), "required".into())));
}

#[test]
fn inventory_numbers_link_items_and_item_funding_names_the_invoice_and_programme() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        // A device no invoice paid for yet.
        let (device, number, school): (String, String, String) = store
            .conn()
            .query_row(
                "SELECT d.id, d.inventory_number, d.school_id FROM devices d
                 WHERE d.inventory_number IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM invoice_items x WHERE x.item_id = d.id)
                 ORDER BY d.inventory_number LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert!(ledger::item_funding(store.conn(), &device)?.is_empty(), "not paid by any invoice yet");

        let mut l = line(Some(&school), 59_900, 9_564, (53_910, 0, 5_990));
        l.category = FundingCategory::MobileDevices;
        l.inventory_numbers = vec![format!(" {number} "), number.clone()];
        let detail = entry::create_invoice(store, invoice(&authority, "NB-7781", vec![l]))?;
        let items = &detail.lines[0].items;
        assert_eq!(items.len(), 1, "a number given twice links once");
        assert_eq!(
            (items[0].id.as_str(), items[0].inventory_number.as_deref()),
            (device.as_str(), Some(number.as_str()))
        );
        assert_eq!(items[0].kind, "Gerät");

        let found = ledger::find_items(store.conn(), &number)?;
        assert_eq!(found.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), vec![device.as_str()]);

        let paid = ledger::item_funding(store.conn(), &device)?;
        assert_eq!(paid.len(), 1);
        let p = &paid[0];
        assert_eq!(p.invoice_number, "NB-7781");
        assert_eq!(p.supplier, "Netzwerk Müller GmbH");
        assert_eq!(p.position, 1);
        assert_eq!(p.programme_id.as_deref(), Some(BASIS));
        assert_eq!(p.programme.as_deref(), Some("DigitalPakt Basis"));
        assert_eq!(p.category, "Mobile Endgeräte");
        assert_eq!((p.gross_cents, p.federal_cents, p.own_cents), (59_900, 53_910, 5_990));
        assert_eq!(p.earmarked_until, Some(date(2029, 3, 12)));
        assert_eq!(p.line_id, detail.lines[0].line.id);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn a_demo_item_shows_the_demo_invoice_that_paid_for_it() {
    let (_dir, app) = demo_db();
    app.with_store(|store| {
        let (item, line, number): (String, String, String) = store
            .conn()
            .query_row(
                "SELECT x.item_id, x.line_id, i.invoice_number FROM invoice_items x
                 JOIN invoice_lines l ON l.id = x.line_id JOIN invoices i ON i.id = l.invoice_id
                 ORDER BY x.id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let paid = ledger::item_funding(store.conn(), &item)?;
        assert_eq!(paid.len(), 1);
        assert_eq!((paid[0].line_id.as_str(), paid[0].invoice_number.as_str()), (line.as_str(), number.as_str()));
        assert!(paid[0].programme.is_some());
        assert_eq!(paid[0].federal_cents + paid[0].own_cents, paid[0].gross_cents);

        assert!(matches!(ledger::item_funding(store.conn(), "gibt-es-nicht"), Err(CoreError::NotFound { .. })));
        assert!(ledger::find_items(store.conn(), "GIBT-ES-NICHT")?.is_empty());
        assert!(matches!(ledger::find_items(store.conn(), "  "), Err(CoreError::Validation { .. })));
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn every_record_a_finding_lists_resolves_to_a_readable_name() {
    let (_dir, app) = demo_db();
    app.with_store(|store| {
        let findings = funding::check(store.conn(), date(2026, 1, 1))?;
        assert!(findings.iter().any(|f| !f.ids.is_empty()), "the demo has findings with records");
        let mut resolved = 0;
        for f in findings.iter().filter(|f| !f.ids.is_empty()) {
            let entity = f.entity.as_deref().expect("a finding with ids names their entity");
            let names = ledger::describe(store.conn(), entity, &f.ids)?;
            assert_eq!(names.iter().map(|r| &r.id).collect::<Vec<_>>(), f.ids.iter().collect::<Vec<_>>(), "same order");
            for r in &names {
                assert!(r.found, "{entity} {} not found", r.id);
                assert_ne!(r.label, r.id, "a name, not the id");
                assert!(!r.label.trim().is_empty());
            }
            if entity == "device" {
                assert!(names[0].label.starts_with("Gerät "), "{}", names[0].label);
                assert!(names[0].detail.is_some(), "devices name their school");
            }
            resolved += names.len();
        }
        assert!(resolved > 10);

        let line: String = store.conn().query_row("SELECT id FROM invoice_lines LIMIT 1", [], |r| r.get(0)).unwrap();
        let names = ledger::describe(store.conn(), "invoice_line", &[line, "weg".into()])?;
        assert!(
            names[0].label.starts_with("Rechnung RE-") && names[0].label.ends_with(", Position 1"),
            "{}",
            names[0].label
        );
        assert!(!names[1].found, "an unknown id is reported, not dropped");
        assert!(ledger::describe(store.conn(), "device", &vec!["x".to_owned(); ledger::MAX_RECORDS + 1]).is_err());
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn the_invoice_list_pages_through_all_invoices_with_their_programmes() {
    let (_dir, app) = demo_db();
    app.with_store(|store| {
        let total = count(store, "SELECT count(*) FROM invoices WHERE deleted_at IS NULL");
        let mut query =
            ListQuery { sort: Some("invoice_date".into()), descending: true, limit: Some(10), ..ListQuery::default() };
        let mut seen = Vec::new();
        loop {
            let page = ledger::invoices(store, &query)?;
            assert!(page.items.len() <= 10);
            for s in &page.items {
                assert_eq!(s.lines, 1, "demo invoices have one line each");
                assert_eq!(s.programmes.len(), 1);
                assert!(
                    ["DigitalPakt Basis", "Sofortausstattung", "Leihgeräte Lehrkräfte"]
                        .contains(&s.programmes[0].as_str()),
                    "{:?}",
                    s.programmes
                );
            }
            seen.extend(page.items.into_iter().map(|s| (s.invoice.data.invoice_date, s.invoice.id)));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, total);
        assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");

        let detail = ledger::invoice_detail(store, &seen[0].1)?;
        let gross: i64 = detail.lines.iter().map(|l| l.line.data.gross_cents).sum();
        assert_eq!(gross, detail.invoice.data.gross_cents);
        assert_eq!(detail.authority, "Stadt Beispielstadt");
        let l = &detail.lines[0];
        assert!(l.school.is_some() && !l.items.is_empty() && l.items.len() <= 12);
        assert!(l.items.iter().all(|i| i.inventory_number.is_some() && i.school == l.school));
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn programmes_are_listed_split_and_saved_with_field_errors() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let catalogue = ledger::programmes(store)?;
        assert!(catalogue.len() >= 7, "the seeded catalogue");
        assert!(catalogue.windows(2).all(|w| w[0].data.name <= w[1].data.name), "by name");
        let basis = catalogue.iter().find(|p| p.id == BASIS).unwrap();
        assert_eq!((basis.data.federal_share_bp, basis.data.earmark_years), (9000, 5));

        let s = ledger::split(store, Some(BASIS), 333)?;
        assert_eq!((s.federal_cents, s.land_cents, s.own_cents, s.third_party_cents), (299, 0, 34, 0));
        let s = ledger::split(store, Some("programme-gute-schule-2020"), 12_345)?;
        assert_eq!((s.federal_cents, s.land_cents, s.own_cents), (0, 12_345, 0));
        let s = ledger::split(store, None, 12_345)?;
        assert_eq!(s.own_cents, 12_345);
        assert!(matches!(ledger::split(store, Some("gibt-es-nicht"), 1), Err(CoreError::NotFound { .. })));

        let mut data = basis.data.clone();
        data.name = "Medienoffensive Beispielstadt".into();
        data.short_name = Some("Medienoffensive".into());
        data.federal_share_bp = 9500;
        data.land_share_bp = 1000;
        data.eligible_to = Some(date(2018, 1, 1));
        let fields = validation_fields(entry::save_programme(store, None, data.clone()).unwrap_err());
        assert!(fields.contains(&("land_share_bp".into(), "shares_exceed_total".into())), "{fields:?}");
        assert!(fields.contains(&("eligible_to".into(), "before_start".into())), "{fields:?}");

        data.land_share_bp = 0;
        data.eligible_to = None;
        let created = entry::save_programme(store, None, data.clone())?;
        data.earmark_years = 7;
        let updated = entry::save_programme(store, Some(&created.id), data)?;
        assert_eq!(updated.id, created.id);
        let again = ledger::programmes(store)?;
        let p = again.iter().find(|p| p.id == created.id).unwrap();
        assert_eq!((p.data.earmark_years, p.data.federal_share_bp), (7, 9500));
        assert_eq!(again.len(), catalogue.len() + 1);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn vocabulary_and_form_choices_come_from_the_core() {
    let v = ledger::vocabulary();
    assert!(v.lands.iter().any(|l| l.code == "NW" && l.label == "Nordrhein-Westfalen"));
    let mobile = v.categories.iter().find(|c| c.code == FundingCategory::MobileDevices).unwrap();
    assert!(mobile.buys_items && mobile.label == "Mobile Endgeräte");
    assert!(v.item_kinds.iter().any(|k| k.code == "access_point" && k.label == "Access Point"));

    let (_dir, app) = demo_db();
    app.with_store(|store| {
        let authorities = ledger::authorities(store.conn())?;
        assert_eq!(authorities.len(), 1);
        let schools = ledger::schools(store.conn(), Some(&authorities[0].id))?;
        assert_eq!(schools.len(), 3);
        assert!(schools.windows(2).all(|w| w[0].school_number < w[1].school_number));
        assert!(ledger::schools(store.conn(), Some("kein-traeger"))?.is_empty());
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

/// Devices of a school that no invoice paid for yet: (id, inventory number).
fn unpaid_devices(store: &Store, school: &str, n: usize) -> Vec<(String, String)> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT d.id, d.inventory_number FROM devices d
             WHERE d.school_id = ?1 AND d.inventory_number IS NOT NULL AND d.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM invoice_items x WHERE x.item_id = d.id AND x.deleted_at IS NULL)
             ORDER BY d.inventory_number LIMIT ?2",
        )
        .unwrap();
    let rows = stmt.query_map(rusqlite::params![school, n as i64], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn an_invoice_is_edited_lines_changed_added_and_removed_and_items_relinked() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        let (school, _) = first_school(store);
        let devices = unpaid_devices(store, &school, 3);
        assert_eq!(devices.len(), 3);
        let mut first = line(Some(&school), 119_000, 19_000, (107_100, 0, 11_900));
        first.category = FundingCategory::MobileDevices;
        first.inventory_numbers = vec![devices[0].1.clone(), devices[1].1.clone()];
        let second = line(Some(&school), 23_800, 3_800, (21_420, 0, 2_380));
        let created = ledger::create_invoice(store, invoice(&authority, "ED-1", vec![first.clone(), second]))?;
        assert_eq!(created.invoice.data.gross_cents, 142_800);
        let (first_id, second_id) = (created.lines[0].line.id.clone(), created.lines[1].line.id.clone());
        let budget_before = funding::budgets(store.conn(), Some(BASIS), Some(&school))?;

        // Line 1: other amount and items 1 and 2 instead of 0 and 1; line 2 removed; a new line 2.
        let mut changed = first;
        changed.gross_cents = 238_000;
        changed.vat_cents = 38_000;
        changed.net_cents = 200_000;
        changed.federal_cents = 214_200;
        changed.own_cents = 23_800;
        changed.inventory_numbers = vec![devices[1].1.clone(), devices[2].1.clone()];
        let mut third = line(None, 11_900, 1_900, (0, 0, 11_900));
        third.programme_id = None;
        third.category = FundingCategory::Networking;
        third.description = Some("Patchkabel".into());
        let mut input = invoice(&authority, "ED-1", vec![changed, third]);
        input.paid_on = Some(date(2024, 5, 1));
        let edited = ledger::save_invoice(store, Some(&created.invoice.id), input)?;
        assert_eq!(edited.invoice.id, created.invoice.id);
        assert_eq!(edited.invoice.data.gross_cents, 249_900, "totals follow the lines");
        assert_eq!(edited.invoice.data.paid_on, Some(date(2024, 5, 1)));
        assert_eq!(edited.lines.len(), 2);
        assert_eq!(edited.lines[0].line.id, first_id, "line 1 is changed in place");
        assert_eq!(edited.lines[1].line.id, second_id, "lines are matched by position");
        assert_eq!(edited.lines[1].line.data.description.as_deref(), Some("Patchkabel"));
        assert_eq!(edited.lines[1].line.data.programme_id, None);
        let mut linked: Vec<&str> = edited.lines[0].items.iter().map(|i| i.id.as_str()).collect();
        linked.sort_unstable();
        let mut want = vec![devices[1].0.as_str(), devices[2].0.as_str()];
        want.sort_unstable();
        assert_eq!(linked, want);
        assert!(ledger::item_funding(store.conn(), &devices[0].0)?.is_empty(), "item 0 unlinked");

        let budget_after = funding::budgets(store.conn(), Some(BASIS), Some(&school))?;
        assert_eq!(budget_after[0].spent_cents - budget_before[0].spent_cents, 238_000 - 142_800);

        // Fewer lines than stored: the rest are deleted, with their links.
        let mut only_first = invoice(&authority, "ED-1", vec![]);
        only_first.lines.push({
            let mut l = line(Some(&school), 238_000, 38_000, (214_200, 0, 23_800));
            l.category = FundingCategory::MobileDevices;
            l.inventory_numbers = vec![devices[1].1.clone(), devices[2].1.clone()];
            l
        });
        only_first.paid_on = Some(date(2024, 5, 1));
        let shorter = ledger::save_invoice(store, Some(&created.invoice.id), only_first)?;
        assert_eq!(shorter.lines.len(), 1);
        assert_eq!(shorter.invoice.data.gross_cents, 238_000);
        assert_eq!(
            count(store, &format!("SELECT deleted_at IS NOT NULL FROM invoice_lines WHERE id = '{second_id}'")),
            1
        );

        // Saving the same again writes nothing.
        let log = count(store, "SELECT count(*) FROM change_log");
        let detail = ledger::invoice_detail(store, &created.invoice.id)?;
        let same = NewInvoice {
            authority_id: authority.clone(),
            supplier: detail.invoice.data.supplier.clone(),
            invoice_number: detail.invoice.data.invoice_number.clone(),
            invoice_date: detail.invoice.data.invoice_date,
            paid_on: detail.invoice.data.paid_on,
            notes: None,
            lines: detail
                .lines
                .iter()
                .map(|l| NewInvoiceLine {
                    description: l.line.data.description.clone(),
                    school_id: l.line.data.school_id.clone(),
                    programme_id: l.line.data.programme_id.clone(),
                    category: l.line.data.category,
                    net_cents: l.line.data.net_cents,
                    vat_cents: l.line.data.vat_cents,
                    gross_cents: l.line.data.gross_cents,
                    federal_cents: l.line.data.federal_cents,
                    land_cents: l.line.data.land_cents,
                    own_cents: l.line.data.own_cents,
                    third_party_cents: l.line.data.third_party_cents,
                    notes: None,
                    inventory_numbers: l.items.iter().filter_map(|i| i.inventory_number.clone()).collect(),
                })
                .collect(),
        };
        ledger::save_invoice(store, Some(&created.invoice.id), same.clone())?;
        assert_eq!(count(store, "SELECT count(*) FROM change_log"), log, "unchanged input, no operation");

        // A wrong edit keeps the stored invoice as it was.
        let mut wrong = same;
        wrong.lines[0].own_cents += 1;
        let fields = validation_fields(ledger::save_invoice(store, Some(&created.invoice.id), wrong).unwrap_err());
        assert!(fields.contains(&("lines.0.own_cents".into(), "split_mismatch".into())), "{fields:?}");
        assert_eq!(ledger::invoice_detail(store, &created.invoice.id)?, detail);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn a_deleted_invoice_leaves_the_budget_and_is_restored_exactly() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let id: String = store
            .conn()
            .query_row(
                "SELECT i.id FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
                 JOIN invoice_items x ON x.line_id = l.id ORDER BY i.id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let before = ledger::invoice_detail(store, &id)?;
        let gross = before.invoice.data.gross_cents;
        let budgets = |s: &Store| funding::budgets(s.conn(), None, None).unwrap();
        let spent = |b: &[Budget]| b.iter().filter(|b| b.school_id.is_none()).map(|b| b.spent_cents).sum::<i64>();
        let spent_before = spent(&budgets(store));

        let deleted = ledger::delete_invoice(store, &id)?;
        assert_eq!(deleted.line_ids.len(), before.lines.len());
        assert_eq!(deleted.link_ids.len(), before.lines.iter().map(|l| l.items.len()).sum::<usize>());
        assert_eq!(spent(&budgets(store)), spent_before - gross);
        let item = &before.lines[0].items[0].id;
        assert!(ledger::item_funding(store.conn(), item)?.is_empty());
        assert!(matches!(ledger::delete_invoice(store, &id), Err(CoreError::NotFound { .. })), "deleted once");
        let page = ledger::invoices(store, &ListQuery { limit: Some(1000), ..ListQuery::default() })?;
        assert!(page.items.iter().all(|s| s.invoice.id != id), "gone from the list");

        let restored = ledger::restore_invoice(store, &deleted)?;
        assert_eq!(restored.lines.len(), before.lines.len());
        assert_eq!(restored.invoice.data, before.invoice.data);
        assert_eq!(
            restored.lines.iter().map(|l| l.items.len()).collect::<Vec<_>>(),
            before.lines.iter().map(|l| l.items.len()).collect::<Vec<_>>()
        );
        assert_eq!(spent(&budgets(store)), spent_before);
        assert_eq!(ledger::item_funding(store.conn(), item)?.len(), 1);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn allocations_measures_and_media_concepts_are_listed_with_names_and_filters() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        let all = ledger::allocations(store, None, None)?;
        assert!(!all.more && !all.items.is_empty());
        assert_eq!(all.items.len() as i64, count(store, "SELECT count(*) FROM allocations WHERE deleted_at IS NULL"));
        let basis = ledger::allocations(store, Some(BASIS), Some(&authority))?;
        assert!(basis
            .items
            .iter()
            .all(|a| a.allocation.data.programme_id == BASIS && a.programme == "DigitalPakt Basis"));
        assert!(basis.items.iter().all(|a| a.authority == "Stadt Beispielstadt"));
        assert!(basis.items[0].school.is_none(), "the Schulträger's budget comes first");
        assert!(ledger::allocations(store, None, Some("kein-traeger"))?.items.is_empty());

        let (school, number) = first_school(store);
        let measures = ledger::measures(store, None, None, Some(&school))?;
        assert!(!measures.items.is_empty());
        assert!(measures.items.iter().all(|m| m.measure.data.school_id == school && m.school.starts_with(&number)));
        assert!(measures.items.iter().all(|m| !m.category.is_empty() && !m.programme.is_empty()));
        let by_authority = ledger::measures(store, None, Some(&authority), None)?;
        assert_eq!(
            by_authority.items.len() as i64,
            count(store, "SELECT count(*) FROM measures WHERE deleted_at IS NULL")
        );

        let concepts = ledger::media_concepts(store, Some(&authority))?;
        assert_eq!(concepts.len(), 3);
        let missing = concepts.iter().find(|c| c.concept.is_none()).map(|c| c.school.id.clone());
        let target = missing.unwrap_or_else(|| concepts[0].school.id.clone());
        let data = schulinventar_core::MediaConceptData {
            school_id: target.clone(),
            status: schulinventar_core::MediaConceptStatus::Present,
            adopted_on: Some(date(2023, 9, 1)),
            notes: None,
        };
        let saved = ledger::save_media_concept(store, data.clone())?;
        let again = ledger::save_media_concept(store, data)?;
        assert_eq!(saved.id, again.id, "one concept per school, changed in place");
        let concepts = ledger::media_concepts(store, Some(&authority))?;
        let c = concepts.iter().find(|c| c.school.id == target).unwrap();
        assert_eq!(c.concept.as_ref().map(|c| c.data.adopted_on), Some(Some(date(2023, 9, 1))));
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn the_checks_after_a_write_name_what_the_write_broke_and_leave_out_the_rest() {
    let (_dir, app) = demo_db();
    app.with_store_mut(|store| {
        let authority = authority_id(store);
        let (school, _) = first_school(store);
        let mut input = invoice(&authority, "SPAET-1", vec![line(Some(&school), 11_900, 1_900, (10_710, 0, 1_190))]);
        // After the Basis programme's eligible period (it ended 16.05.2024).
        input.invoice_date = date(2024, 6, 1);
        input.paid_on = None;
        let detail = ledger::create_invoice(store, input)?;
        let line_id = detail.lines[0].line.id.clone();
        let touched = funding::Touched {
            authority_ids: vec![authority.clone()],
            school_ids: vec![school.clone()],
            programme_ids: vec![BASIS.into()],
            record_ids: vec![detail.invoice.id.clone(), line_id.clone()],
        };
        let today = date(2026, 1, 1);
        let after = funding::check_touched(store.conn(), today, &touched)?;
        let late = after.iter().find(|f| f.code == "invoice_outside_period").expect("the late line is found");
        assert!(late.ids.contains(&line_id));
        assert!(after.iter().all(|f| f.code != "deadline_ahead"), "deadlines are not about a write");
        let all = funding::check(store.conn(), today)?;
        assert!(after.len() <= all.len());
        assert!(after.iter().all(|f| touched.concerns(f)));

        // What another school touched says nothing about this invoice.
        let other = funding::Touched { school_ids: vec!["keine-schule".into()], ..funding::Touched::default() };
        assert!(funding::check_touched(store.conn(), today, &other)?.is_empty());
        Ok::<_, CoreError>(())
    })
    .unwrap();
}

#[test]
fn the_check_gives_the_same_findings_with_and_without_its_second_reader() {
    let (_dir, app) = demo_db();
    app.with_store(|store| {
        let today = date(2026, 1, 1);
        // Outside a transaction the item pass runs on its own read connection …
        let parallel = funding::check(store.conn(), today)?;
        assert!(parallel.iter().any(|f| f.code == "items_without_invoice"));
        // … inside one it must read the transaction's own view, on the same connection.
        store.conn().execute_batch("BEGIN")?;
        let single = funding::check(store.conn(), today);
        store.conn().execute_batch("ROLLBACK")?;
        assert_eq!(single?, parallel);
        Ok::<_, CoreError>(())
    })
    .unwrap();
}
