//! The Fördermittel page's commands on a real SQLite file filled with the small demo dataset
//! (allocations, measures, invoices with lines split 90/10 and linked items).

use chrono::NaiveDate;
use schulinventar_app::funding::{entry, ledger, NewInvoice, NewInvoiceLine};
use schulinventar_app::AppState;
use schulinventar_core::demo::{self, Scale};
use schulinventar_core::funding::{self, Budget};
use schulinventar_core::{CoreError, FundingCategory, ListQuery, Store};

const BASIS: &str = "programme-digitalpakt-basis";

fn demo_db() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let app = AppState::new(dir.path().join("demo.sqlite"));
    app.with_store_mut(|s| demo::generate(s, Scale::Small, 42, &mut |_, _| {})).unwrap();
    (dir, app)
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
        assert_eq!(a.remaining_cents, authority_before.remaining_cents - 1_071_000);
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
