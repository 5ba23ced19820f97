//! A realistic, deterministic demo dataset: Schulträger, schools with buildings and rooms,
//! devices and loans, access points, presentation hardware and uplinks. The same seed gives the
//! same content (ids are fresh UUIDv7s). Everything is written through the store, so the change
//! log and the search index are filled exactly as by a user.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{seq::IndexedRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::model::*;
use crate::store::{Source, Store, Writer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 3 schools, a few hundred devices.
    Small,
    /// About 160 schools, 60,000 devices, 4,000 access points (one city).
    Municipality,
    /// About 5,500 schools, 2,000,000 devices, 150,000 access points (a whole Land).
    Land,
}

impl std::str::FromStr for Scale {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "small" => Ok(Scale::Small),
            "municipality" => Ok(Scale::Municipality),
            "land" => Ok(Scale::Land),
            _ => Err(CoreError::invalid_argument(
                Some("scale"),
                format!("Unbekannte Größe „{s}“. Möglich: small, municipality, land."),
            )),
        }
    }
}

struct Plan {
    authorities: usize,
    schools: usize,
    devices_per_school: usize,
    aps_per_school: usize,
    presentation_rooms_per_school: usize,
    classrooms_per_school: usize,
}

impl Scale {
    fn plan(self) -> Plan {
        match self {
            Scale::Small => Plan {
                authorities: 1,
                schools: 3,
                devices_per_school: 120,
                aps_per_school: 12,
                presentation_rooms_per_school: 14,
                classrooms_per_school: 16,
            },
            Scale::Municipality => Plan {
                authorities: 1,
                schools: 160,
                devices_per_school: 375,
                aps_per_school: 25,
                presentation_rooms_per_school: 22,
                classrooms_per_school: 26,
            },
            Scale::Land => Plan {
                authorities: 396,
                schools: 5_500,
                devices_per_school: 364,
                aps_per_school: 27,
                presentation_rooms_per_school: 20,
                classrooms_per_school: 24,
            },
        }
    }
}

/// What the generator wrote.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct DemoSummary {
    pub school_authorities: u64,
    pub schools: u64,
    pub buildings: u64,
    pub rooms: u64,
    pub devices: u64,
    pub loans: u64,
    pub access_points: u64,
    pub presentation_hardware: u64,
    pub fibre_links: u64,
    pub allocations: u64,
    pub measures: u64,
    pub invoices: u64,
    pub invoice_lines: u64,
    pub invoice_items: u64,
}

const CITIES: &[&str] = &[
    "Beispielstadt",
    "Essen",
    "Oberhausen",
    "Bochum",
    "Herne",
    "Mülheim an der Ruhr",
    "Gelsenkirchen",
    "Bottrop",
    "Hagen",
    "Witten",
    "Hattingen",
    "Velbert",
    "Solingen",
    "Remscheid",
    "Wuppertal",
    "Düsseldorf",
    "Neuss",
    "Krefeld",
    "Mönchengladbach",
    "Viersen",
    "Köln",
    "Leverkusen",
    "Bonn",
    "Siegburg",
    "Aachen",
    "Düren",
    "Münster",
    "Bielefeld",
    "Gütersloh",
    "Paderborn",
    "Detmold",
    "Lünen",
    "Hamm",
    "Unna",
    "Iserlohn",
    "Lüdenscheid",
    "Siegen",
    "Olpe",
    "Arnsberg",
    "Soest",
];

const PATRONS: &[&str] = &[
    "Elsa-Brändström",
    "Geschwister-Scholl",
    "Anne-Frank",
    "Albert-Schweitzer",
    "Heinrich-Heine",
    "Annette-von-Droste-Hülshoff",
    "Friedrich-Schiller",
    "Johann-Wolfgang-von-Goethe",
    "Marie-Curie",
    "Gustav-Heinemann",
    "Theodor-Heuss",
    "Käthe-Kollwitz",
    "Sophie-Scholl",
    "Carl-Friedrich-Gauß",
    "Alexander-von-Humboldt",
    "Hildegard-von-Bingen",
    "Erich-Kästner",
    "Astrid-Lindgren",
    "Bertha-von-Suttner",
    "Wilhelm-Röntgen",
    "Max-Planck",
    "Lise-Meitner",
    "Konrad-Adenauer",
    "Willy-Brandt",
    "Clara-Schumann",
    "Ludwig-Erhard",
    "Otto-Hahn",
    "Janusz-Korczak",
    "Nelly-Sachs",
    "Maria-Montessori",
];

const STREETS: &[&str] = &[
    "Schulstraße",
    "Am Stadtpark",
    "Lindenallee",
    "Kirchplatz",
    "Bahnhofstraße",
    "Gartenweg",
    "Mühlenweg",
    "Hauptstraße",
    "Brückenstraße",
    "Am Sportplatz",
    "Eichendorffstraße",
    "Rosenweg",
];

const FIRST_NAMES: &[&str] = &[
    "Anna", "Jörg", "Sabine", "Thomas", "Özlem", "Michael", "Katrin", "Stefan", "Jülide", "Andreas", "Birgit", "Frank",
    "Zeynep", "Ralf", "Claudia", "Björn", "Ute", "Matthias", "Sören", "Heike",
];

const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Yılmaz",
    "Kaya",
];

struct Kind {
    school_type: SchoolType,
    label: &'static str,
    pupils: (i64, i64),
}

const KINDS: &[Kind] = &[
    Kind { school_type: SchoolType::Primary, label: "Grundschule", pupils: (120, 420) },
    Kind { school_type: SchoolType::Primary, label: "Grundschule", pupils: (120, 420) },
    Kind { school_type: SchoolType::Primary, label: "Grundschule", pupils: (120, 420) },
    Kind { school_type: SchoolType::Grammar, label: "Gymnasium", pupils: (600, 1300) },
    Kind { school_type: SchoolType::Comprehensive, label: "Gesamtschule", pupils: (700, 1500) },
    Kind { school_type: SchoolType::Intermediate, label: "Realschule", pupils: (400, 900) },
    Kind { school_type: SchoolType::Intermediate, label: "Sekundarschule", pupils: (350, 800) },
    Kind { school_type: SchoolType::LowerSecondary, label: "Hauptschule", pupils: (200, 500) },
    Kind { school_type: SchoolType::SpecialNeeds, label: "Förderschule", pupils: (80, 250) },
    Kind { school_type: SchoolType::Vocational, label: "Berufskolleg", pupils: (1200, 3500) },
];

struct Models {
    manufacturer: &'static str,
    models: &'static [&'static str],
}

const LAPTOPS: &[Models] = &[
    Models { manufacturer: "Dell", models: &["Latitude 3540", "Latitude 5440", "Latitude 3190"] },
    Models { manufacturer: "Lenovo", models: &["ThinkPad L14", "ThinkPad E14", "ThinkPad 11e"] },
    Models { manufacturer: "HP", models: &["ProBook 450 G9", "EliteBook 640", "Fortis 14 G10"] },
    Models { manufacturer: "Terra", models: &["Mobile 1460", "Mobile 360-11"] },
];
const TABLETS: &[Models] = &[
    Models { manufacturer: "Apple", models: &["iPad 9. Gen", "iPad 10. Gen", "iPad Air"] },
    Models { manufacturer: "Samsung", models: &["Galaxy Tab S6 Lite", "Galaxy Tab A8"] },
    Models { manufacturer: "Microsoft", models: &["Surface Go 3"] },
];
const DESKTOPS: &[Models] = &[
    Models { manufacturer: "Fujitsu", models: &["Esprimo P5011", "Esprimo D7010"] },
    Models { manufacturer: "Dell", models: &["OptiPlex 3000", "OptiPlex 7010"] },
    Models { manufacturer: "Igel", models: &["UD3"] },
];
const APS: &[Models] = &[
    Models { manufacturer: "Aruba", models: &["AP-505", "AP-515", "AP-635"] },
    Models { manufacturer: "Lancom", models: &["LW-600", "LX-6400"] },
    Models { manufacturer: "Ubiquiti", models: &["U6 Pro", "U6 Enterprise"] },
];
const DISPLAYS: &[Models] = &[
    Models { manufacturer: "Promethean", models: &["ActivPanel 9", "ActivPanel LX"] },
    Models { manufacturer: "Samsung", models: &["Flip Pro WM75B"] },
    Models { manufacturer: "Smart", models: &["Board MX275", "Board GX186"] },
];
const PROJECTORS: &[Models] = &[Models { manufacturer: "Epson", models: &["EB-695Wi", "EB-L210W"] }];
const CAMERAS: &[Models] = &[Models { manufacturer: "Elmo", models: &["MX-P3", "OX-1"] }];

struct Gen {
    rng: ChaCha8Rng,
    serial: u64,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.rng).unwrap_or(&items[0])
    }
    fn date(&mut self, from_year: i32, to_year: i32) -> NaiveDate {
        let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(to_year, 10, 31).unwrap_or_default();
        let days = (end - start).num_days().max(1);
        start + Duration::days(self.rng.random_range(0..days))
    }
    fn model(&mut self, list: &'static [Models]) -> (String, String) {
        let m = self.pick(list);
        let model = self.pick(m.models);
        (m.manufacturer.to_owned(), (*model).to_owned())
    }
    fn serial(&mut self, manufacturer: &str) -> String {
        self.serial += 1;
        let prefix: String = manufacturer.chars().filter(char::is_ascii_alphabetic).take(2).collect();
        // Deliveries carry consecutive serial numbers, as real ones do.
        format!("{}{:010}", prefix.to_uppercase(), 31_000_000 + self.serial)
    }
    fn person(&mut self) -> String {
        format!("{} {}", self.pick(FIRST_NAMES), self.pick(LAST_NAMES))
    }
}

fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day().min(28)).unwrap_or(d)
}

/// Progress of a long generation: rows written so far of the expected total.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Fills the store with the demo dataset of `scale`. Schools are written in batches, each in
/// its own transaction, and `progress` is told after every batch.
pub fn generate(store: &mut Store, scale: Scale, seed: u64, progress: Progress<'_>) -> Result<DemoSummary> {
    let existing: i64 = store.conn().query_row("SELECT count(*) FROM school_authorities", [], |r| r.get(0))?;
    if existing > 0 {
        return Err(CoreError::invalid_argument(
            None,
            "Die Datenbank enthält bereits Daten. Beispieldaten werden nur in eine leere Datenbank geschrieben.",
        ));
    }
    let plan = scale.plan();
    // Large batches touch many index pages; a bigger page cache for the generation saves I/O.
    store.conn().pragma_update(None, "cache_size", -262_144)?;
    let mut g = Gen { rng: ChaCha8Rng::seed_from_u64(seed), serial: 0 };
    let mut sum = DemoSummary::default();
    let source = || Some(Source { kind: "demo", file_name: None, sha256: None });
    let per_school = (plan.devices_per_school + plan.aps_per_school + plan.classrooms_per_school * 2) as u64;
    let total = per_school * plan.schools as u64;

    let authority_ids: Vec<String> = store.write(source(), |w| {
        (0..plan.authorities)
            .map(|i| {
                let city = if plan.authorities == 1 { CITIES[0].to_owned() } else { city_name(i) };
                let a = w.create(SchoolAuthorityData {
                    name: format!("Stadt {city}"),
                    land: Land::Nw,
                    ags: Some(format!("05{:06}", 111_000 + i * 7)),
                    authority_number: Some(format!("{:03}", i + 1)),
                })?;
                Ok(a.id)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    sum.school_authorities = authority_ids.len() as u64;

    let batch = match scale {
        Scale::Small => 3,
        _ => 40,
    };
    let mut school_index = 0usize;
    while school_index < plan.schools {
        let end = (school_index + batch).min(plan.schools);
        store.write(source(), |w| {
            for i in school_index..end {
                let authority = &authority_ids[i % authority_ids.len()];
                let city = if plan.authorities == 1 { CITIES[0].to_owned() } else { city_name(i % plan.authorities) };
                school(w, &mut g, &plan, i, authority, &city, &mut sum)?;
            }
            Ok(())
        })?;
        school_index = end;
        progress(per_school * end as u64, total);
    }
    // Each Schulträger's budgets: per pupil, as the Länder compute them.
    store.write(source(), |w| {
        let pupils: Vec<(String, i64)> = {
            let conn = w.conn()?;
            let mut stmt = conn.prepare(
                "SELECT authority_id, coalesce(sum(pupils), 0) FROM schools WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (authority, n) in pupils {
            for (programme, per_pupil) in [(BASIS, 50_000), (SOFORT, 9_000), (LEIH, 3_500)] {
                w.create(AllocationData {
                    programme_id: programme.into(),
                    authority_id: authority.clone(),
                    school_id: None,
                    amount_cents: n * per_pupil,
                    pupils: Some(n),
                    per_pupil_cents: Some(per_pupil),
                    key_note: Some("nach Schülerzahl".into()),
                    notes: None,
                })?;
                sum.allocations += 1;
            }
        }
        Ok(())
    })?;
    store.optimize()?;
    Ok(sum)
}

fn city_name(i: usize) -> String {
    let base = CITIES[i % CITIES.len()];
    match i / CITIES.len() {
        0 => base.to_owned(),
        n => format!(
            "{base} {}",
            ["Nord", "Süd", "Ost", "West", "Mitte", "Land", "Heide", "Tal", "Berg", "Feld"][n % 10]
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn school(
    w: &mut Writer<'_>,
    g: &mut Gen,
    plan: &Plan,
    index: usize,
    authority: &str,
    city: &str,
    sum: &mut DemoSummary,
) -> Result<()> {
    let kind = &KINDS[(index * 3 + index / KINDS.len()) % KINDS.len()];
    let patron = PATRONS[index % PATRONS.len()];
    let name = if index < PATRONS.len() {
        format!("{patron}-{}", kind.label)
    } else {
        format!("{patron}-{} {city}", kind.label)
    };
    let pupils = g.rng.random_range(kind.pupils.0..=kind.pupils.1);
    let vocational = kind.school_type.is_vocational();
    let school = w.create(SchoolData {
        authority_id: authority.to_owned(),
        land: Land::Nw,
        school_number: format!("{:06}", 100_000 + index * 13 % 900_000),
        name,
        school_type_label: kind.label.to_owned(),
        school_type: kind.school_type,
        street: Some(format!("{} {}", g.pick(STREETS), g.rng.random_range(1..120))),
        postcode: Some(format!("{:05}", 40_000 + (index * 37) % 9_000)),
        city: Some(city.to_owned()),
        pupils: Some(pupils),
        teachers: Some((pupils / 16).max(8)),
        headcount_date: NaiveDate::from_ymd_opt(2024, 10, 15),
        social_index: if vocational { None } else { Some(g.rng.random_range(1..=9)) },
        notes: None,
    })?;
    sum.schools += 1;
    let sid = school.id.clone();

    let building_names = ["Hauptgebäude", "Neubau", "Pavillon"];
    let n_buildings = if pupils > 500 { 3 } else { 2 };
    let mut buildings = Vec::new();
    for (b, bname) in building_names.iter().take(n_buildings).enumerate() {
        let bld = w.create(BuildingData {
            school_id: sid.clone(),
            name: (*bname).to_owned(),
            code: Some(["A", "B", "C"][b].to_owned()),
            street: None,
            notes: None,
        })?;
        buildings.push(bld.id);
        sum.buildings += 1;
    }

    // Rooms: classrooms spread over the buildings, plus a few special rooms.
    let mut rooms: Vec<(String, String, RoomKind)> = Vec::new();
    let specials = [
        (RoomKind::ServerRoom, "Serverraum"),
        (RoomKind::StaffRoom, "Lehrerzimmer"),
        (RoomKind::Administration, "Sekretariat"),
        (RoomKind::SpecialistRoom, "Informatikraum"),
        (RoomKind::SpecialistRoom, "Physikraum"),
        (RoomKind::Hall, "Aula"),
    ];
    let n_rooms = plan.classrooms_per_school + specials.len();
    for r in 0..n_rooms {
        let b = r % buildings.len();
        let floor = (r / buildings.len() / 8) as i64;
        let (kind, name) = if r < specials.len() {
            (specials[r].0, Some(specials[r].1.to_owned()))
        } else {
            (RoomKind::Classroom, None)
        };
        let coverage = match g.rng.random_range(0..10) {
            0 => Some(WlanCoverage::None),
            1 | 2 => Some(WlanCoverage::Partial),
            3 => None,
            _ => Some(WlanCoverage::Full),
        };
        let room = w.create(RoomData {
            school_id: sid.clone(),
            building_id: Some(buildings[b].clone()),
            number: format!("{}.{}{:02}", ["A", "B", "C"][b], floor, r + 1),
            name,
            floor: Some(floor),
            kind,
            wlan_coverage: coverage,
            notes: None,
        })?;
        rooms.push((room.id, buildings[b].clone(), kind));
        sum.rooms += 1;
    }

    // Uplink, and fibre between the buildings.
    let gigabit = g.rng.random_bool(0.55);
    w.create(FibreLinkData {
        school_id: sid.clone(),
        link_type: FibreLinkType::Uplink,
        provider: Some(
            g.pick(&["Deutsche Telekom", "Vodafone", "Stadtwerke Netz GmbH", "NetCologne", "Deutsche Glasfaser"])
                .to_string(),
        ),
        technology: Some(if gigabit {
            UplinkTechnology::Ftth
        } else {
            *g.pick(&[UplinkTechnology::Vdsl, UplinkTechnology::Cable, UplinkTechnology::Fttb])
        }),
        down_mbps: Some(if gigabit { 1000 } else { *g.pick(&[100, 250, 500]) }),
        up_mbps: Some(if gigabit { 500 } else { *g.pick(&[40, 50, 100]) }),
        status: if g.rng.random_bool(0.9) { LinkStatus::Live } else { LinkStatus::UnderConstruction },
        commissioned_on: Some(g.date(2017, 2023)),
        contract_end: Some(g.date(2025, 2029)),
        monthly_cost_cents: Some(g.rng.random_range(4_000..60_000)),
        fibre_type: None,
        fibre_count: None,
        length_m: None,
        from_building_id: None,
        to_building_id: None,
        notes: None,
    })?;
    sum.fibre_links += 1;
    for pair in buildings.windows(2) {
        w.create(FibreLinkData {
            school_id: sid.clone(),
            link_type: FibreLinkType::InterBuilding,
            provider: None,
            technology: None,
            down_mbps: None,
            up_mbps: None,
            status: LinkStatus::Live,
            commissioned_on: Some(g.date(2019, 2023)),
            contract_end: None,
            monthly_cost_cents: None,
            fibre_type: Some(*g.pick(&[FibreType::Os2, FibreType::Om3, FibreType::Om4])),
            fibre_count: Some(*g.pick(&[12, 24, 48])),
            length_m: Some(g.rng.random_range(40..400)),
            from_building_id: Some(pair[0].clone()),
            to_building_id: Some(pair[1].clone()),
            notes: None,
        })?;
        sum.fibre_links += 1;
    }

    let mut funded: Vec<Bought> = Vec::new();
    let inv_prefix = format!("{:06}", 100_000 + index * 13 % 900_000);
    let mut inv = 0u32;
    let mut next_inv = || {
        inv += 1;
        format!("{inv_prefix}-{inv:05}")
    };

    // Presentation hardware in classrooms.
    let classrooms: Vec<&(String, String, RoomKind)> = rooms.iter().filter(|r| r.2 == RoomKind::Classroom).collect();
    for room in classrooms.iter().take(plan.presentation_rooms_per_school) {
        let roll = g.rng.random_range(0..10);
        let (kind, list, size) = match roll {
            0..=5 => (PresentationKind::InteractiveDisplay, DISPLAYS, Some(*g.pick(&[65, 75, 86]))),
            6..=8 => (PresentationKind::Projector, PROJECTORS, None),
            _ => (PresentationKind::DocumentCamera, CAMERAS, None),
        };
        let (manufacturer, model) = g.model(list);
        let bought = g.date(2016, 2024);
        let p = w.create(PresentationHardwareData {
            asset: AssetFields {
                school_id: sid.clone(),
                building_id: Some(room.1.clone()),
                room_id: Some(room.0.clone()),
                inventory_number: Some(next_inv()),
                serial_number: Some(g.serial(&manufacturer)),
                manufacturer: Some(manufacturer),
                model: Some(model),
                purchase_date: Some(bought),
                price_cents: Some(match kind {
                    PresentationKind::InteractiveDisplay => g.rng.random_range(350_000..700_000),
                    PresentationKind::Projector => g.rng.random_range(90_000..250_000),
                    _ => g.rng.random_range(25_000..80_000),
                }),
                warranty_end: Some(add_years(bought, 5)),
                status: AssetStatus::InUse,
                notes: None,
            },
            kind,
            size_inches: size,
            installed_on: Some(bought + Duration::days(21)),
        })?;
        funded.push(Bought {
            entity: ItemEntity::PresentationHardware,
            id: p.id,
            price: p.data.asset.price_cents.unwrap_or(0),
            on: bought,
            teacher: false,
        });
        sum.presentation_hardware += 1;
    }

    // Access points.
    for a in 0..plan.aps_per_school {
        let room = &rooms[a % rooms.len()];
        let (manufacturer, model) = g.model(APS);
        let bought = g.date(2018, 2024);
        g.serial += 1;
        let mac_n = g.serial & 0x0000_FFFF_FFFF;
        let mac = format!(
            "00:1a:{:02x}:{:02x}:{:02x}:{:02x}",
            (mac_n >> 24) & 0xff,
            (mac_n >> 16) & 0xff,
            (mac_n >> 8) & 0xff,
            mac_n & 0xff
        );
        let ap = w.create(AccessPointData {
            asset: AssetFields {
                school_id: sid.clone(),
                building_id: Some(room.1.clone()),
                room_id: Some(room.0.clone()),
                inventory_number: Some(next_inv()),
                serial_number: Some(g.serial(&manufacturer)),
                manufacturer: Some(manufacturer),
                model: Some(model),
                purchase_date: Some(bought),
                price_cents: Some(g.rng.random_range(35_000..110_000)),
                warranty_end: Some(add_years(bought, 5)),
                status: if g.rng.random_bool(0.95) { AssetStatus::InUse } else { AssetStatus::InRepair },
                notes: None,
            },
            mac_address: Some(mac),
            wifi_standard: Some(if bought.year() >= 2021 { WifiStandard::Wifi6 } else { WifiStandard::Wifi5 }),
            bands: vec![WifiBand::Ghz2_4, WifiBand::Ghz5],
            poe: Some(true),
            controller: Some("Zentraler Controller Schulnetz".into()),
            ssids: vec!["Schule".into(), "Schule-Lehrkraefte".into(), "Gast".into()],
            installed_on: Some(bought + Duration::days(14)),
        })?;
        funded.push(Bought {
            entity: ItemEntity::AccessPoint,
            id: ap.id,
            price: ap.data.asset.price_cents.unwrap_or(0),
            on: bought,
            teacher: false,
        });
        sum.access_points += 1;
    }

    // Devices: pupils' tablets and laptops, teachers' loan laptops, administration desktops.
    let storage = rooms.iter().find(|r| r.2 == RoomKind::ServerRoom).unwrap_or(&rooms[0]);
    for d in 0..plan.devices_per_school {
        let roll = g.rng.random_range(0..100);
        let (category, group, list) = match roll {
            0..=44 => (DeviceCategory::Tablet, UserGroup::Pupils, TABLETS),
            45..=74 => (DeviceCategory::Laptop, UserGroup::Pupils, LAPTOPS),
            75..=89 => (DeviceCategory::Laptop, UserGroup::Teachers, LAPTOPS),
            90..=96 => (DeviceCategory::Desktop, UserGroup::Administration, DESKTOPS),
            _ => (DeviceCategory::ThinClient, UserGroup::Pupils, DESKTOPS),
        };
        let (manufacturer, model) = g.model(list);
        let bought = g.date(2016, 2024);
        let os = match (category, manufacturer.as_str()) {
            (DeviceCategory::Tablet, "Apple") => "iPadOS",
            (DeviceCategory::Tablet, "Samsung") => "Android",
            (DeviceCategory::ThinClient, _) => "IGEL OS",
            _ => "Windows 11",
        };
        let teacher = group == UserGroup::Teachers;
        let on_loan = teacher && g.rng.random_bool(0.7);
        let retired = bought.year() <= 2017 && g.rng.random_bool(0.3);
        let room = if teacher { storage } else { &rooms[d % rooms.len()] };
        let device = w.create(DeviceData {
            asset: AssetFields {
                school_id: sid.clone(),
                building_id: Some(room.1.clone()),
                room_id: Some(room.0.clone()),
                inventory_number: Some(next_inv()),
                serial_number: Some(g.serial(&manufacturer)),
                manufacturer: Some(manufacturer),
                model: Some(model),
                purchase_date: Some(bought),
                price_cents: Some(match category {
                    DeviceCategory::Tablet => g.rng.random_range(35_000..75_000),
                    DeviceCategory::Laptop => g.rng.random_range(55_000..140_000),
                    _ => g.rng.random_range(45_000..95_000),
                }),
                warranty_end: Some(add_years(bought, if teacher { 5 } else { 3 })),
                status: if retired {
                    AssetStatus::Retired
                } else if on_loan {
                    AssetStatus::OnLoan
                } else {
                    *g.pick(&[AssetStatus::InUse, AssetStatus::InUse, AssetStatus::InUse, AssetStatus::InStock])
                },
                notes: None,
            },
            category,
            user_group: group,
            os: Some(os.into()),
        })?;
        sum.devices += 1;
        if group != UserGroup::Administration {
            funded.push(Bought {
                entity: ItemEntity::Device,
                id: device.id.clone(),
                price: device.data.asset.price_cents.unwrap_or(0),
                on: bought,
                teacher,
            });
        }
        if teacher && !retired {
            // Every teacher device has been lent at least once; most are out now.
            let loaned = g.date(2021, 2024);
            let returned = if on_loan { None } else { Some(loaned + Duration::days(g.rng.random_range(30..400))) };
            let due = loaned + Duration::days(if g.rng.random_bool(0.15) { 180 } else { 1_500 });
            w.create(LoanData {
                device_id: device.id,
                holder_name: Some(g.person()),
                holder_erased: false,
                loaned_on: loaned,
                due_on: Some(due),
                returned_on: returned,
                notes: None,
            })?;
            sum.loans += 1;
        }
    }
    w.create(MediaConceptData {
        school_id: sid.clone(),
        // One school in ten is still writing its concept.
        status: if index % 10 == 7 { MediaConceptStatus::InProgress } else { MediaConceptStatus::Present },
        adopted_on: if index % 10 == 7 { None } else { NaiveDate::from_ymd_opt(2019, 9, 1 + (index % 28) as u32) },
        notes: None,
    })?;
    fund_school(w, &sid, authority, &inv_prefix, &funded, sum)?;
    Ok(())
}

/// An item the demo bought, for the invoices that paid for it.
struct Bought {
    entity: ItemEntity,
    id: String,
    price: i64,
    on: NaiveDate,
    teacher: bool,
}

const BASIS: &str = "programme-digitalpakt-basis";
const SOFORT: &str = "programme-sofortausstattung";
const LEIH: &str = "programme-leihgeraete";
/// Items linked per invoice line; the rest of a line's items stay unlinked, as in real ledgers
/// where only part of the equipment is recorded against its invoice.
const LINKS_PER_LINE: usize = 12;

/// The invoices that paid for a school's equipment: per programme, category and year one
/// invoice with one line over the items bought then, split by the programme's shares.
fn fund_school(
    w: &mut Writer<'_>,
    school_id: &str,
    authority: &str,
    prefix: &str,
    items: &[Bought],
    sum: &mut DemoSummary,
) -> Result<()> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let (basis_from, basis_to) = (date(2019, 5, 17), date(2024, 5, 16));
    let mut groups: std::collections::BTreeMap<(&str, FundingCategory, i32), Vec<&Bought>> = Default::default();
    for b in items.iter().filter(|b| b.on >= basis_from && b.on <= basis_to) {
        let key = match b.entity {
            ItemEntity::AccessPoint => (BASIS, FundingCategory::Wlan),
            ItemEntity::PresentationHardware => (BASIS, FundingCategory::DisplayDevices),
            _ if b.teacher && b.on >= date(2021, 1, 28) => (LEIH, FundingCategory::MobileDevices),
            _ if !b.teacher && b.on >= date(2020, 7, 4) => (SOFORT, FundingCategory::MobileDevices),
            _ if !b.teacher => (BASIS, FundingCategory::MobileDevices),
            _ => continue,
        };
        groups.entry((key.0, key.1, b.on.year())).or_default().push(b);
    }
    let suppliers = ["Bechtle GmbH", "Cancom SE", "Computacenter AG", "Elektro Schulze KG"];
    let shares =
        |programme: &str| if programme == BASIS || programme == SOFORT || programme == LEIH { 9000 } else { 0 };
    let mut measures: std::collections::BTreeMap<(&str, FundingCategory), (i64, NaiveDate)> = Default::default();
    for (n, ((programme, category, year), list)) in groups.into_iter().enumerate() {
        let gross: i64 = list.iter().map(|b| b.price).sum();
        let last = list.iter().map(|b| b.on).max().unwrap_or(basis_from);
        let vat = gross * 19 / 119;
        let invoice = w.create(InvoiceData {
            authority_id: authority.to_owned(),
            supplier: suppliers[n % suppliers.len()].to_owned(),
            invoice_number: format!("RE-{year}-{prefix}-{:02}", n + 1),
            invoice_date: last,
            paid_on: Some(last + Duration::days(28)),
            net_cents: gross - vat,
            vat_cents: vat,
            gross_cents: gross,
            notes: None,
        })?;
        let (federal, land, own) = split_by_shares(gross, shares(programme), 0);
        let line = w.create(InvoiceLineData {
            invoice_id: invoice.id,
            position: 1,
            description: Some(format!("{} {year}", category.label())),
            school_id: Some(school_id.to_owned()),
            programme_id: Some(programme.to_owned()),
            category,
            net_cents: gross - vat,
            vat_cents: vat,
            gross_cents: gross,
            federal_cents: federal,
            land_cents: land,
            own_cents: own,
            third_party_cents: 0,
            notes: None,
        })?;
        for b in list.iter().take(LINKS_PER_LINE) {
            w.create(InvoiceItemData { line_id: line.id.clone(), item_entity: b.entity, item_id: b.id.clone() })?;
            sum.invoice_items += 1;
        }
        let m = measures.entry((programme, category)).or_insert((0, last));
        m.0 += gross;
        m.1 = m.1.min(last);
        sum.invoices += 1;
        sum.invoice_lines += 1;
    }
    for ((programme, category), (spent, first)) in measures {
        // Planned a little above what was spent; approved as planned before the first invoice.
        let planned = spent + spent / 20;
        w.create(MeasureData {
            programme_id: programme.to_owned(),
            school_id: school_id.to_owned(),
            category,
            title: format!(
                "{} ({})",
                category.label(),
                if programme == BASIS { "DigitalPakt" } else { "Zusatzprogramm" }
            ),
            planned_cents: planned,
            status: MeasureStatus::Completed,
            applied_on: Some(first - Duration::days(120)),
            approved_on: Some(first - Duration::days(60)),
            file_number: Some(format!("DP-{prefix}-{}", category.code())),
            approved_cents: Some(planned),
            funding_rate_bp: Some(9000),
            narrative: Some(format!(
                "Ziel: {} für den Unterricht nach dem Medienkonzept der Schule. Umgesetzt wie beantragt; \
                 Minderausgaben gegenüber der Planung durch günstigere Angebote.",
                category.label()
            )),
            notes: None,
        })?;
        sum.measures += 1;
    }
    Ok(())
}
