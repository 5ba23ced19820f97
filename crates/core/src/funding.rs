//! The Land's funding rules as checks over the ledger, and the budget view. The rules are pure
//! functions over amounts (tested at their boundaries); `check` gathers the amounts with a few
//! aggregate queries and turns every violated rule into a [`Finding`] with a code, a German
//! explanation and the records concerned.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::model::{FundingCategory, SchoolType};
use crate::validate_funding::euros;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A rule is violated: the money may have to be paid back.
    Violation,
    /// Something a person should look at.
    Warning,
    /// For information (deadlines ahead).
    Info,
}

/// One result of the checks.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub programme_id: Option<String>,
    pub authority_id: Option<String>,
    pub school_id: Option<String>,
    /// The entity of `ids` ("invoice_line", "device" …).
    pub entity: Option<String>,
    /// The records concerned (at most 100 listed; `count` says how many there are).
    pub ids: Vec<String>,
    pub count: i64,
    pub amount_cents: Option<i64>,
    pub due: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

impl Finding {
    fn new(code: &str, severity: Severity, message: String) -> Finding {
        Finding {
            code: code.into(),
            severity,
            message,
            programme_id: None,
            authority_id: None,
            school_id: None,
            entity: None,
            ids: Vec::new(),
            count: 0,
            amount_cents: None,
            due: None,
            days_left: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The rules, as pure functions.

/// What the mobile-device cap allows a Schulträger (DigitalPakt VV §3(1) Nr. 6c): its mobile
/// spending for general-education schools may not exceed EITHER `cap_bp` of its total
/// investment for those schools OR `per_school_cents` per school — whichever is more
/// favourable. Under the per-school bound each school is measured alone: what one school
/// leaves unused does not move to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileCap {
    pub total_mobile_cents: i64,
    /// `cap_bp` of the total investment, rounded down to the cent.
    pub share_limit_cents: i64,
    pub within_share: bool,
    /// Indexes of the schools over the per-school bound.
    pub schools_over: Vec<usize>,
}

impl MobileCap {
    pub fn ok(&self) -> bool {
        self.within_share || self.schools_over.is_empty()
    }
}

pub fn mobile_cap(
    cap_bp: i64,
    per_school_cents: i64,
    total_investment_cents: i64,
    mobile_per_school: &[i64],
) -> MobileCap {
    let total_mobile_cents: i64 = mobile_per_school.iter().sum();
    let share_limit = i128::from(total_investment_cents) * i128::from(cap_bp) / 10_000;
    MobileCap {
        total_mobile_cents,
        share_limit_cents: share_limit as i64,
        // Compared without rounding: mobile × 10000 ≤ investment × share.
        within_share: i128::from(total_mobile_cents) * 10_000
            <= i128::from(total_investment_cents) * i128::from(cap_bp),
        schools_over: mobile_per_school
            .iter()
            .enumerate()
            .filter(|(_, m)| **m > per_school_cents)
            .map(|(i, _)| i)
            .collect(),
    }
}

/// The co-financing (everything not paid by the Bund) is at least `min_bp` of the spending.
pub fn cofinancing_ok(min_bp: i64, gross_cents: i64, federal_cents: i64) -> bool {
    let own = i128::from(gross_cents) - i128::from(federal_cents);
    own * 10_000 >= i128::from(min_bp) * i128::from(gross_cents)
}

/// The share of `part` in `whole`, in basis points rounded down (0 when there is no whole).
pub fn share_bp(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (i128::from(part) * 10_000 / i128::from(whole)) as i64
    }
}

/// Basis points the German way: 1000 → "10 %", 999 → "9,99 %".
pub fn percent(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{} %", bp / 100)
    } else {
        format!("{},{:02} %", bp / 100, (bp % 100).abs())
    }
}

/// Whether a date lies inside a period whose ends may be open. Both ends are included.
pub fn within_period(date: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
}

// ---------------------------------------------------------------------------------------------
// The budget view.

/// Money of one programme for one Schulträger (or one of its schools).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Budget {
    pub programme_id: String,
    pub programme: String,
    pub authority_id: String,
    pub authority: String,
    /// None: the Schulträger as a whole.
    pub school_id: Option<String>,
    pub school_number: Option<String>,
    pub school: Option<String>,
    pub allocated_cents: i64,
    pub planned_cents: i64,
    pub approved_cents: i64,
    /// Gross spending on the programme's invoice lines.
    pub spent_cents: i64,
    pub federal_cents: i64,
    pub land_cents: i64,
    pub own_cents: i64,
    pub third_party_cents: i64,
    /// Allocation not yet drawn: allocated − (federal + Land money spent); none when no
    /// allocation is recorded for this row (a school without its own share of the budget).
    pub remaining_cents: Option<i64>,
}

type BudgetKey = (String, String, Option<String>);

fn budget_key(p: &str, a: &str, s: Option<&str>) -> BudgetKey {
    (p.to_owned(), a.to_owned(), s.map(str::to_owned))
}

fn entry<'m>(out: &'m mut BTreeMap<BudgetKey, Budget>, p: &str, a: &str, s: Option<&str>) -> &'m mut Budget {
    out.entry(budget_key(p, a, s)).or_insert_with(|| Budget {
        programme_id: p.into(),
        authority_id: a.into(),
        school_id: s.map(Into::into),
        ..Default::default()
    })
}

/// Invoice-line money summed per programme, Schulträger, school and category.
struct LineSum {
    programme: String,
    authority: String,
    school: Option<String>,
    category: String,
    gross: i64,
    federal: i64,
    land: i64,
    own: i64,
    third_party: i64,
}

fn line_sums(conn: &Connection) -> Result<Vec<LineSum>> {
    let mut stmt = conn.prepare(
        "SELECT l.programme_id, i.authority_id, l.school_id, l.category, sum(l.gross_cents), sum(l.federal_cents),
                sum(l.land_cents), sum(l.own_cents), sum(l.third_party_cents)
         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
         WHERE l.deleted_at IS NULL AND i.deleted_at IS NULL AND l.programme_id IS NOT NULL GROUP BY 1, 2, 3, 4",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(LineSum {
            programme: r.get(0)?,
            authority: r.get(1)?,
            school: r.get(2)?,
            category: r.get(3)?,
            gross: r.get(4)?,
            federal: r.get(5)?,
            land: r.get(6)?,
            own: r.get(7)?,
            third_party: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The budget per programme and Schulträger, and per school, optionally for one programme or
/// one school (by id).
pub fn budgets(conn: &Connection, programme: Option<&str>, school: Option<&str>) -> Result<Vec<Budget>> {
    budgets_from(conn, &line_sums(conn)?, programme, school)
}

fn budgets_from(
    conn: &Connection,
    sums: &[LineSum],
    programme: Option<&str>,
    school: Option<&str>,
) -> Result<Vec<Budget>> {
    let mut out: BTreeMap<BudgetKey, Budget> = BTreeMap::new();
    let mut rows: Vec<(BudgetKey, [i64; 6])> = Vec::new();
    // Allocations.
    {
        let mut stmt = conn.prepare(
            "SELECT programme_id, authority_id, school_id, sum(amount_cents) FROM allocations
             WHERE deleted_at IS NULL GROUP BY 1, 2, 3",
        )?;
        let r = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?))
        })?;
        for x in r {
            let (p, a, s, amount) = x?;
            rows.push((budget_key(&p, &a, s.as_deref()), [amount, 0, 0, 0, 0, 0]));
        }
    }
    let mut with_allocation: HashSet<BudgetKey> = HashSet::new();
    for (key, v) in rows.drain(..) {
        entry(&mut out, &key.0, &key.1, key.2.as_deref()).allocated_cents += v[0];
        with_allocation.insert(key);
    }
    // Measures: planned and approved, per school and summed for the Schulträger.
    let mut measure_rows = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT m.programme_id, s.authority_id, m.school_id, sum(m.planned_cents),
                    sum(CASE WHEN m.status IN ('approved', 'amended', 'completed') THEN coalesce(m.approved_cents, 0) ELSE 0 END)
             FROM measures m JOIN schools s ON s.id = m.school_id
             WHERE m.deleted_at IS NULL AND m.status <> 'withdrawn' GROUP BY 1, 2, 3",
        )?;
        let r = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for x in r {
            measure_rows.push(x?);
        }
    }
    for (p, a, s, planned, approved) in measure_rows {
        for school in [Some(s.as_str()), None] {
            let b = entry(&mut out, &p, &a, school);
            b.planned_cents += planned;
            b.approved_cents += approved;
        }
    }
    // Invoice lines.
    for l in sums {
        let mut targets = vec![None];
        if l.school.is_some() {
            targets.push(l.school.as_deref());
        }
        for school in targets {
            let b = entry(&mut out, &l.programme, &l.authority, school);
            b.spent_cents += l.gross;
            b.federal_cents += l.federal;
            b.land_cents += l.land;
            b.own_cents += l.own;
            b.third_party_cents += l.third_party;
        }
    }
    // Names.
    let names = |sql: &str| -> Result<HashMap<String, (String, Option<String>)>> {
        let mut stmt = conn.prepare(sql)?;
        let r = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))
        })?;
        Ok(r.collect::<rusqlite::Result<_>>()?)
    };
    let programmes = names("SELECT id, coalesce(short_name, name), NULL FROM programmes")?;
    let authorities = names("SELECT id, name, NULL FROM school_authorities")?;
    let schools = names("SELECT id, name, school_number FROM schools")?;
    let mut list: Vec<Budget> = out
        .into_values()
        .filter(|b| programme.is_none_or(|p| b.programme_id == p))
        .filter(|b| school.is_none_or(|s| b.school_id.as_deref() == Some(s)))
        .map(|mut b| {
            b.programme = programmes.get(&b.programme_id).map(|x| x.0.clone()).unwrap_or_default();
            b.authority = authorities.get(&b.authority_id).map(|x| x.0.clone()).unwrap_or_default();
            if let Some(s) = b.school_id.as_ref().and_then(|s| schools.get(s)) {
                b.school = Some(s.0.clone());
                b.school_number.clone_from(&s.1);
            }
            if with_allocation.contains(&(b.programme_id.clone(), b.authority_id.clone(), b.school_id.clone())) {
                b.remaining_cents = Some(b.allocated_cents - b.federal_cents - b.land_cents);
            }
            b
        })
        .collect();
    list.sort_by(|a, b| {
        (&a.programme, &a.authority, a.school_id.is_some(), &a.school_number).cmp(&(
            &b.programme,
            &b.authority,
            b.school_id.is_some(),
            &b.school_number,
        ))
    });
    Ok(list)
}

// ---------------------------------------------------------------------------------------------
// The checks over the ledger.

struct ProgrammeRules {
    name: String,
    land: Option<String>,
    eligible_from: Option<NaiveDate>,
    eligible_to: Option<NaiveDate>,
    deadlines: [(&'static str, &'static str, Option<NaiveDate>); 4],
    min_cofinancing_bp: i64,
    mobile_cap: Option<(i64, i64)>,
    /// Codes of the funding categories the programme funds.
    categories: Vec<String>,
    /// The eligible period as ISO text, to compare with stored dates without parsing them.
    period_text: (Option<String>, Option<String>),
}

fn programmes(conn: &Connection) -> Result<BTreeMap<String, ProgrammeRules>> {
    let mut stmt = conn.prepare(
        "SELECT id, coalesce(short_name, name), land, eligible_from, eligible_to, application_deadline, binding_deadline,
                implementation_end, proof_due, min_cofinancing_bp, mobile_cap_bp, mobile_cap_per_school_cents, categories
         FROM programmes WHERE deleted_at IS NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            ProgrammeRules {
                name: r.get(1)?,
                land: r.get(2)?,
                eligible_from: date_col(r, 3)?,
                eligible_to: date_col(r, 4)?,
                deadlines: [
                    ("application_deadline", "Antragsfrist", date_col(r, 5)?),
                    ("binding_deadline", "Frist für die Mittelbindung", date_col(r, 6)?),
                    ("implementation_end", "Ende des Umsetzungszeitraums", date_col(r, 7)?),
                    ("proof_due", "Verwendungsnachweis fällig", date_col(r, 8)?),
                ],
                min_cofinancing_bp: r.get(9)?,
                mobile_cap: match (r.get::<_, Option<i64>>(10)?, r.get::<_, Option<i64>>(11)?) {
                    (Some(a), Some(b)) => Some((a, b)),
                    _ => None,
                },
                categories: serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default(),
                period_text: (r.get(3)?, r.get(4)?),
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Lists at most this many records per finding.
const MAX_IDS: usize = 100;
/// Items without invoice listed per school.
const MAX_ITEM_IDS: usize = 20;

fn ids_of(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<(Vec<String>, i64)> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(p)?;
    let mut ids = Vec::new();
    let mut n = 0;
    while let Some(r) = rows.next()? {
        n += 1;
        if ids.len() < MAX_IDS {
            ids.push(r.get(0)?);
        }
    }
    Ok((ids, n))
}

/// Runs every rule over the ledger. `today` decides which deadlines lie ahead.
pub fn check(conn: &Connection, today: NaiveDate) -> Result<Vec<Finding>> {
    let progs = programmes(conn)?;
    let mut out = Vec::new();
    let school_info: HashMap<String, (String, String, SchoolType)> = {
        let mut stmt =
            conn.prepare("SELECT id, school_number, name, school_type FROM schools WHERE deleted_at IS NULL")?;
        let r = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    SchoolType::from_code(&r.get::<_, String>(3)?).unwrap_or(SchoolType::Other),
                ),
            ))
        })?;
        r.collect::<rusqlite::Result<_>>()?
    };

    // The pass over every inventory item is the longest part: on a database file outside a
    // transaction it runs on its own read connection beside the other rules.
    let path = conn.path().filter(|p| !p.is_empty() && conn.is_autocommit()).map(str::to_owned);
    std::thread::scope(|scope| {
        let school_info = &school_info;
        let unlinked_scan = path.map(|path| {
            scope.spawn(move || -> Result<Vec<Finding>> {
                let reader = Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                unlinked_items(&reader, school_info)
            })
        });

        // Per programme and Schulträger: spending per school and category.
        #[derive(Default)]
        struct Spend {
            gross: i64,
            federal: i64,
            /// General-education schools: school → (all spending, mobile spending).
            general: BTreeMap<String, (i64, i64)>,
            /// Spending not attributed to a school.
            unattributed: i64,
        }
        let mut spend: BTreeMap<(String, String), Spend> = BTreeMap::new();
        let sums = line_sums(conn)?;
        for l in &sums {
            let s = spend.entry((l.programme.clone(), l.authority.clone())).or_default();
            s.gross += l.gross;
            s.federal += l.federal;
            match l.school.as_ref().and_then(|id| school_info.get(id).map(|i| (id, i))) {
                Some((id, (_, _, ty))) if !ty.is_vocational() => {
                    let e = s.general.entry(id.clone()).or_default();
                    e.0 += l.gross;
                    if l.category == FundingCategory::MobileDevices.code() {
                        e.1 += l.gross;
                    }
                }
                Some(_) => {}
                None => s.unattributed += l.gross,
            }
        }

        for ((pid, aid), s) in &spend {
            let Some(p) = progs.get(pid) else { continue };
            // Co-financing.
            if s.gross > 0 && !cofinancing_ok(p.min_cofinancing_bp, s.gross, s.federal) {
                let mut f = Finding::new(
                    "cofinancing_too_low",
                    Severity::Violation,
                    format!(
                        "{}: Der Eigenanteil beträgt {} ({}), verlangt sind mindestens {} der Ausgaben von {}.",
                        p.name,
                        euros(s.gross - s.federal),
                        percent(share_bp(s.gross - s.federal, s.gross)),
                        percent(p.min_cofinancing_bp),
                        euros(s.gross)
                    ),
                );
                f.programme_id = Some(pid.clone());
                f.authority_id = Some(aid.clone());
                f.amount_cents = Some(s.gross - s.federal);
                out.push(f);
            }
            // Mobile-device cap (general-education schools only).
            if let Some((cap_bp, per_school)) = p.mobile_cap {
                let schools: Vec<(&String, &(i64, i64))> = s.general.iter().collect();
                let investment: i64 = schools.iter().map(|(_, v)| v.0).sum();
                let mobile: Vec<i64> = schools.iter().map(|(_, v)| v.1).collect();
                let cap = mobile_cap(cap_bp, per_school, investment, &mobile);
                if !cap.ok() {
                    let over: Vec<String> = cap
                        .schools_over
                        .iter()
                        .map(|i| {
                            let (id, v) = schools[*i];
                            let name = school_info.get(id).map(|x| format!("{} {}", x.0, x.1)).unwrap_or_default();
                            format!("{name}: {}", euros(v.1))
                        })
                        .collect();
                    let mut f = Finding::new(
                        "mobile_cap_exceeded",
                        Severity::Violation,
                        format!(
                        "{}: Mobile Endgeräte an allgemeinbildenden Schulen kosten {}. Erlaubt sind entweder {} der \
                         Investitionen ({}) oder {} je Schule; beides ist überschritten (über {} je Schule: {}).",
                        p.name,
                        euros(cap.total_mobile_cents),
                        percent(cap_bp),
                        euros(cap.share_limit_cents),
                        euros(per_school),
                        euros(per_school),
                        over.join("; ")
                    ),
                    );
                    f.programme_id = Some(pid.clone());
                    f.authority_id = Some(aid.clone());
                    f.entity = Some("school".into());
                    f.ids = cap.schools_over.iter().map(|i| schools[*i].0.clone()).collect();
                    f.count = f.ids.len() as i64;
                    f.amount_cents = Some(cap.total_mobile_cents - cap.share_limit_cents.max(0));
                    out.push(f);
                }
            }
        }

        // Spending ≤ allocation, for the Schulträger and for each school with its own share.
        let allocated: HashSet<BudgetKey> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT programme_id, authority_id, school_id FROM allocations WHERE deleted_at IS NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for b in budgets_from(conn, &sums, None, None)? {
            let drawn = b.federal_cents + b.land_cents;
            let has_allocation =
                allocated.contains(&(b.programme_id.clone(), b.authority_id.clone(), b.school_id.clone()));
            if has_allocation && drawn > b.allocated_cents {
                let whom = match (&b.school_number, &b.school) {
                    (Some(n), Some(s)) => format!("Schule {n} {s}"),
                    _ => b.authority.clone(),
                };
                let mut f = Finding::new(
                    "allocation_exceeded",
                    Severity::Violation,
                    format!(
                        "{}: {whom} hat {} Fördermittel verausgabt, zugewiesen sind {} (überschritten um {}).",
                        b.programme,
                        euros(drawn),
                        euros(b.allocated_cents),
                        euros(drawn - b.allocated_cents)
                    ),
                );
                f.programme_id = Some(b.programme_id.clone());
                f.authority_id = Some(b.authority_id.clone());
                f.school_id = b.school_id.clone();
                f.amount_cents = Some(drawn - b.allocated_cents);
                out.push(f);
            }
        }

        // Invoices outside the programme's eligible period, and categories it does not fund: one
        // pass over the lines, the few offending ones kept per programme.
        let mut late: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut unfunded: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT l.id, l.programme_id, i.invoice_date, l.category FROM invoice_lines l
             JOIN invoices i ON i.id = l.invoice_id
             WHERE l.deleted_at IS NULL AND i.deleted_at IS NULL AND l.programme_id IS NOT NULL",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let Some(p) = progs.get(text_col(r, 1)?) else { continue };
                let date = text_col(r, 2)?;
                // ISO dates compare as text.
                let outside = p.period_text.0.as_deref().is_some_and(|from| date < from)
                    || p.period_text.1.as_deref().is_some_and(|to| date > to);
                if outside {
                    late.entry(text_col(r, 1)?.to_owned())
                        .or_default()
                        .push((date.to_owned(), text_col(r, 0)?.to_owned()));
                }
                if !p.categories.iter().any(|c| c == text_col(r, 3).unwrap_or_default()) {
                    unfunded.entry(text_col(r, 1)?.to_owned()).or_default().push(text_col(r, 0)?.to_owned());
                }
            }
        }
        for (pid, p) in &progs {
            let mut lines = late.remove(pid).unwrap_or_default();
            lines.sort_unstable();
            let n = lines.len() as i64;
            let ids: Vec<String> = lines.into_iter().take(MAX_IDS).map(|(_, id)| id).collect();
            if n > 0 {
                let period = match (p.eligible_from, p.eligible_to) {
                    (Some(a), Some(b)) => format!("{} bis {}", a.format("%d.%m.%Y"), b.format("%d.%m.%Y")),
                    (Some(a), None) => format!("ab {}", a.format("%d.%m.%Y")),
                    (None, Some(b)) => format!("bis {}", b.format("%d.%m.%Y")),
                    (None, None) => String::new(),
                };
                let mut f = Finding::new(
                    "invoice_outside_period",
                    Severity::Violation,
                    format!(
                        "{}: {n} Rechnungspositionen sind außerhalb des Förderzeitraums ({period}) datiert.",
                        p.name
                    ),
                );
                f.programme_id = Some(pid.clone());
                f.entity = Some("invoice_line".into());
                f.ids = ids;
                f.count = n;
                out.push(f);
            }
            let mut lines = unfunded.remove(pid).unwrap_or_default();
            lines.sort_unstable();
            let n = lines.len() as i64;
            lines.truncate(MAX_IDS);
            let ids = lines;
            if n > 0 {
                let mut f = Finding::new(
                    "category_not_fundable",
                    Severity::Violation,
                    format!(
                        "{}: {n} Rechnungspositionen gehören zu einer Kategorie, die das Programm nicht fördert.",
                        p.name
                    ),
                );
                f.programme_id = Some(pid.clone());
                f.entity = Some("invoice_line".into());
                f.ids = ids;
                f.count = n;
                out.push(f);
            }
        }

        // Funding reached schools without a Medienkonzept.
        {
            let mut stmt = conn.prepare(
            "SELECT s.id, s.school_number, s.name, coalesce(m.status, 'missing'), sum(l.federal_cents + l.land_cents)
             FROM invoice_lines l JOIN schools s ON s.id = l.school_id
             LEFT JOIN media_concepts m ON m.school_id = s.id AND m.deleted_at IS NULL
             WHERE l.deleted_at IS NULL AND l.federal_cents + l.land_cents > 0 AND coalesce(m.status, 'missing') <> 'present'
             GROUP BY s.id ORDER BY s.school_number",
        )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (id, number, name, status, amount) = row?;
                let status = crate::model::MediaConceptStatus::from_code(&status).map_or("fehlt", |s| s.label());
                let mut f = Finding::new(
                "media_concept_missing",
                Severity::Violation,
                format!(
                    "{number} {name}: {} Fördermittel verausgabt, das Medienkonzept {status}. Ohne Medienkonzept dürfen keine Mittel fließen.",
                    euros(amount)
                ),
            );
                f.school_id = Some(id.clone());
                f.entity = Some("school".into());
                f.ids = vec![id];
                f.count = 1;
                f.amount_cents = Some(amount);
                out.push(f);
            }
        }

        // Lines of categories that buy items but name none.
        let item_categories: Vec<&str> =
            FundingCategory::ALL.iter().filter(|c| c.buys_items()).map(|c| c.code()).collect();
        let (ids, n) = ids_of(
            conn,
            "SELECT l.id FROM invoice_lines l
         WHERE l.deleted_at IS NULL AND l.category IN (SELECT value FROM json_each(?1))
           AND NOT EXISTS (SELECT 1 FROM invoice_items x WHERE x.line_id = l.id AND x.deleted_at IS NULL)
         ORDER BY l.id",
            [serde_json::to_string(&item_categories)?],
        )?;
        if n > 0 {
            let mut f = Finding::new(
            "line_without_items",
            Severity::Warning,
            format!("{n} Rechnungspositionen für Geräte, WLAN oder Anzeigetechnik sind mit keinem Inventargegenstand verknüpft."),
        );
            f.entity = Some("invoice_line".into());
            f.ids = ids;
            f.count = n;
            out.push(f);
        }

        out.extend(match unlinked_scan {
            Some(scan) => scan.join().map_err(|_| CoreError::Database {
                message: "Die Prüfung der Rechnungsverknüpfungen ist abgebrochen.".into(),
            })??,
            None => unlinked_items(conn, school_info)?,
        });

        // Deadlines ahead, for programmes of the Länder the inventory has Schulträger in.
        let lands: Vec<String> = {
            let mut stmt = conn.prepare("SELECT DISTINCT land FROM school_authorities WHERE deleted_at IS NULL")?;
            let r = stmt.query_map([], |r| r.get(0))?;
            r.collect::<rusqlite::Result<_>>()?
        };
        for (pid, p) in &progs {
            if p.land.as_ref().is_some_and(|l| !lands.contains(l)) {
                continue;
            }
            for (code, label, date) in p.deadlines {
                let Some(due) = date.filter(|d| *d >= today) else { continue };
                let days = (due - today).num_days();
                let mut f = Finding::new(
                    "deadline_ahead",
                    Severity::Info,
                    format!("{}: {label} am {} (in {days} Tagen).", p.name, due.format("%d.%m.%Y")),
                );
                f.programme_id = Some(pid.clone());
                f.entity = Some(code.into());
                f.due = Some(due);
                f.days_left = Some(days);
                out.push(f);
            }
        }
        out.sort_by(|a, b| (a.severity, &a.code, a.days_left).cmp(&(b.severity, &b.code, b.days_left)));
        Ok(out)
    })
}

/// Items no invoice paid for, one finding per school and kind.
fn unlinked_items(
    conn: &Connection,
    school_info: &HashMap<String, (String, String, SchoolType)>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    // Items no invoice paid for, per school: the linked item ids in memory once, then one pass
    // over each kind's (school, status, id) index, ordered by school. A probe into a hash set
    // per item is several times cheaper than a NOT EXISTS probe into the link index.
    let linked = {
        let mut stmt = conn.prepare("SELECT item_id FROM invoice_items WHERE deleted_at IS NULL")?;
        let mut rows = stmt.query([])?;
        let mut set = IdSet::default();
        while let Some(r) = rows.next()? {
            set.insert(text_col(r, 0)?);
        }
        set
    };
    for (entity, table, label) in [
        ("device", "devices", "Geräte"),
        ("access_point", "access_points", "Access Points"),
        ("presentation_hardware", "presentation_hardware", "Präsentationsgeräte"),
    ] {
        let mut stmt = conn.prepare(&format!(
            "SELECT t.school_id, t.id FROM {table} t
             WHERE t.deleted_at IS NULL AND t.status <> 'retired'
             ORDER BY t.school_id"
        ))?;
        let mut rows = stmt.query([])?;
        let mut current: Option<(String, i64, Vec<String>)> = None;
        let flush = |c: Option<(String, i64, Vec<String>)>, out: &mut Vec<Finding>| {
            let Some((school, n, ids)) = c else { return };
            if n == 0 {
                return;
            }
            let name = school_info.get(&school).map(|x| format!("{} {}", x.0, x.1)).unwrap_or_default();
            let mut f = Finding::new(
                "items_without_invoice",
                Severity::Warning,
                format!("{name}: {n} {label} sind mit keiner Rechnung verknüpft."),
            );
            f.school_id = Some(school);
            f.entity = Some(entity.into());
            f.ids = ids;
            f.count = n;
            out.push(f);
        };
        while let Some(r) = rows.next()? {
            let id = text_col(r, 1)?;
            if linked.contains(id) {
                continue;
            }
            let school = text_col(r, 0)?;
            if current.as_ref().is_none_or(|c| c.0 != school) {
                flush(current.take(), &mut out);
                current = Some((school.to_owned(), 0, Vec::new()));
            }
            if let Some(c) = current.as_mut() {
                c.1 += 1;
                // A school can have hundreds: a sample is enough to start from.
                if c.2.len() < MAX_ITEM_IDS {
                    c.2.push(id.to_owned());
                }
            }
        }
        flush(current.take(), &mut out);
    }
    Ok(out)
}

/// What a write touched, to pick the findings that concern it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub authority_ids: Vec<String>,
    pub school_ids: Vec<String>,
    pub programme_ids: Vec<String>,
    /// Ids of the records written (invoice, lines, items, allocation, measure …).
    pub record_ids: Vec<String>,
}

impl Touched {
    /// Whether a finding concerns what was written: it lists one of the records, or is about
    /// one of the schools, or about the Schulträger in one of the programmes. Deadlines are
    /// about the calendar, not about a write.
    pub fn concerns(&self, f: &Finding) -> bool {
        if f.code == "deadline_ahead" {
            return false;
        }
        let has = |list: &[String], v: &Option<String>| v.as_ref().is_some_and(|v| list.contains(v));
        f.ids.iter().any(|id| self.record_ids.contains(id))
            || has(&self.school_ids, &f.school_id)
            || (f.entity.as_deref() == Some("school") && f.ids.iter().any(|id| self.school_ids.contains(id)))
            || (has(&self.authority_ids, &f.authority_id)
                && (f.programme_id.is_none() || has(&self.programme_ids, &f.programme_id)))
            || (f.authority_id.is_none() && f.school_id.is_none() && has(&self.programme_ids, &f.programme_id))
    }
}

/// The checks run after a write: the findings that concern what it touched.
pub fn check_touched(conn: &Connection, today: NaiveDate, touched: &Touched) -> Result<Vec<Finding>> {
    Ok(check(conn, today)?.into_iter().filter(|f| touched.concerns(f)).collect())
}

/// A set of row ids. UUIDs (every id the store makes) are kept as 128-bit numbers with a fast
/// hash: the funding check probes it once per inventory item (two million at Land scale).
#[derive(Default)]
struct IdSet {
    uuids: HashSet<u128, rustc_hash::FxBuildHasher>,
    other: HashSet<Box<str>>,
}

impl IdSet {
    fn insert(&mut self, id: &str) {
        match uuid::Uuid::try_parse(id) {
            Ok(u) => {
                self.uuids.insert(u.as_u128());
            }
            Err(_) => {
                self.other.insert(id.into());
            }
        }
    }

    fn contains(&self, id: &str) -> bool {
        match uuid::Uuid::try_parse(id) {
            Ok(u) => self.uuids.contains(&u.as_u128()),
            Err(_) => self.other.contains(id),
        }
    }
}

/// A text column borrowed from the row, without a copy.
fn text_col<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str> {
    r.get_ref(i)?.as_str().map_err(|e| CoreError::Database { message: e.to_string() })
}

/// A date column stored as ISO text.
fn date_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = r.get(i)?;
    Ok(text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: i64 = 2000;
    const PER_SCHOOL: i64 = 2_500_000;

    #[test]
    fn mobile_cap_at_its_boundaries() {
        // Exactly 20 % of the investment: allowed, even with a school far over 25,000 EUR.
        let c = mobile_cap(CAP, PER_SCHOOL, 50_000_000, &[9_000_000, 1_000_000]);
        assert!(c.within_share && c.ok());
        assert_eq!(c.share_limit_cents, 10_000_000);
        // One cent over 20 %, but every school within 25,000.00 EUR: allowed by the other bound.
        let c = mobile_cap(CAP, PER_SCHOOL, 10_000_000, &[2_500_000, 1]);
        assert!(!c.within_share && c.schools_over.is_empty() && c.ok());
        // One cent over 20 % and one school one cent over 25,000 EUR: violated.
        let c = mobile_cap(CAP, PER_SCHOOL, 10_000_000, &[2_500_001, 0]);
        assert!(!c.ok());
        assert_eq!(c.schools_over, vec![0]);
        // No pooling: a school's unused 25,000 EUR do not cover another's excess.
        let c = mobile_cap(CAP, PER_SCHOOL, 20_000_000, &[3_000_000, 2_000_000]);
        assert!(!c.within_share, "5,000,000 > 4,000,000");
        assert!(!c.ok(), "total 50,000 EUR ≤ 2 × 25,000 EUR does not help");
        // Rounding: 20 % of 10,000.01 EUR is 2,000.002 EUR; 2,000.00 EUR is within, 2,000.01 EUR not.
        assert!(mobile_cap(CAP, 0, 1_000_001, &[200_000]).within_share);
        assert!(!mobile_cap(CAP, 0, 1_000_001, &[200_001]).within_share);
    }

    #[test]
    fn cofinancing_at_its_boundary() {
        assert!(cofinancing_ok(1000, 100_000, 90_000), "exactly 10 %");
        assert!(!cofinancing_ok(1000, 100_000, 90_001), "one cent short");
        assert!(cofinancing_ok(2500, 100_000, 75_000), "Hessen: 25 %");
        assert!(cofinancing_ok(1000, 0, 0));
        assert_eq!(share_bp(10_000, 100_000), 1000);
        assert_eq!(percent(1000), "10 %");
        assert_eq!(percent(999), "9,99 %");
        assert_eq!(percent(2505), "25,05 %");
    }

    #[test]
    fn period_ends_are_included() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let (from, to) = (Some(d(2019, 5, 17)), Some(d(2024, 5, 16)));
        assert!(within_period(d(2019, 5, 17), from, to));
        assert!(within_period(d(2024, 5, 16), from, to));
        assert!(!within_period(d(2019, 5, 16), from, to));
        assert!(!within_period(d(2024, 5, 17), from, to));
        assert!(within_period(d(1990, 1, 1), None, to));
    }
}
