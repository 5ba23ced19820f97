//! Validation of every entity before it is written: each problem becomes a [`FieldError`] with a
//! stable code, the field and a German message. All problems of an input are reported at once.
//! The database's CHECK and foreign-key constraints back these rules up.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use crate::error::{FieldError, Result};
use crate::model::*;

/// Longest single-line text we accept (names, models, numbers).
pub const MAX_LINE: usize = 300;
/// Longest note.
pub const MAX_NOTE: usize = 10_000;

/// What validation may look up: the database (for references and uniqueness) and today's date.
pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub today: NaiveDate,
    /// Places (school, building, room) already found in this transaction. Only rows that exist
    /// are kept; the writer clears it when a place is changed or deleted.
    pub places: &'a PlaceCache,
}

/// Where a school, building or room is: its school and (for rooms) its building.
#[derive(Debug, Clone)]
pub struct Place {
    pub school_id: String,
    pub building_id: Option<String>,
}

pub type PlaceCache = std::cell::RefCell<std::collections::HashMap<(&'static str, String), Place>>;

/// Looks up a live school, building or room, remembering what it found for the transaction.
pub(crate) fn place(ctx: &Ctx, table: &'static str, id: &str) -> Result<Option<Place>> {
    if let Some(p) = ctx.places.borrow().get(&(table, id.to_owned())) {
        return Ok(Some(p.clone()));
    }
    let sql = match table {
        "schools" => "SELECT id, NULL FROM schools WHERE id = ?1 AND deleted_at IS NULL",
        "buildings" => "SELECT school_id, NULL FROM buildings WHERE id = ?1 AND deleted_at IS NULL",
        _ => "SELECT school_id, building_id FROM rooms WHERE id = ?1 AND deleted_at IS NULL",
    };
    let found: Option<Place> = ctx
        .conn
        .prepare_cached(sql)?
        .query_row([id], |r| Ok(Place { school_id: r.get(0)?, building_id: r.get(1)? }))
        .optional()?;
    if let Some(p) = &found {
        ctx.places.borrow_mut().insert((table, id.to_owned()), p.clone());
    }
    Ok(found)
}

pub trait Validate {
    /// Trims text, turns empty text into none and brings values into their canonical form.
    fn normalize(&mut self) {}
    /// Every problem of this input; `id` is the row being updated, none when creating.
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>>;
}

pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    pub(crate) fn new() -> Self {
        Errors(Vec::new())
    }
    pub(crate) fn add(&mut self, field: &str, code: &str, msg: impl Into<String>) {
        self.0.push(FieldError::new(field, code, msg));
    }
    pub(crate) fn required(&mut self, field: &str, value: &str, label: &str) {
        if value.trim().is_empty() {
            self.add(field, "required", format!("{label} muss angegeben werden."));
        }
    }
    pub(crate) fn line(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            if v.chars().count() > MAX_LINE {
                self.add(field, "too_long", format!("Höchstens {MAX_LINE} Zeichen erlaubt."));
            } else if v.chars().any(char::is_control) {
                self.add(field, "control_characters", "Steuerzeichen (z. B. Zeilenumbrüche) sind hier nicht erlaubt.");
            }
        }
    }
    pub(crate) fn note(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            if v.chars().count() > MAX_NOTE {
                self.add(field, "too_long", format!("Höchstens {MAX_NOTE} Zeichen erlaubt."));
            } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
                self.add(field, "control_characters", "Die Notiz enthält unzulässige Steuerzeichen.");
            }
        }
    }
    pub(crate) fn not_future(&mut self, field: &str, date: Option<NaiveDate>, today: NaiveDate, label: &str) {
        if let Some(d) = date {
            if d > today {
                self.add(field, "date_in_future", format!("{label} darf nicht in der Zukunft liegen."));
            }
        }
    }
    pub(crate) fn range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64, label: &str) {
        if let Some(v) = value {
            if v < min || v > max {
                self.add(field, "out_of_range", format!("{label} muss zwischen {min} und {max} liegen."));
            }
        }
    }
}

pub(crate) fn trim_opt(v: &mut Option<String>) {
    if let Some(s) = v {
        let t = s.trim();
        if t.is_empty() {
            *v = None;
        } else if t.len() != s.len() {
            *v = Some(t.to_owned());
        }
    }
}

pub(crate) fn trim(v: &mut String) {
    let t = v.trim();
    if t.len() != v.len() {
        *v = t.to_owned();
    }
}

/// Brings a MAC address in any common notation (aa:bb:.., AA-BB-.., aabb.ccdd.eeff, AABBCCDDEEFF)
/// into lower-case colon notation. `None` when it is not a MAC address.
pub fn normalize_mac(input: &str) -> Option<String> {
    let hex: String = input.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.' | ' ')).collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let parts: Vec<&str> = (0..6).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    Some(parts.join(":"))
}

/// Whether a school number has the Land's official form. Länder without a stable public id
/// accept any short text.
pub fn school_number_valid(land: Land, number: &str) -> bool {
    let digits = |n: usize| number.len() == n && number.bytes().all(|b| b.is_ascii_digit());
    match land {
        Land::Nw => digits(6),
        Land::Bw => digits(8),
        Land::Ni => digits(5),
        Land::He => (4..=5).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()),
        Land::Be => {
            let b = number.as_bytes();
            b.len() == 5
                && b[0].is_ascii_digit()
                && b[1].is_ascii_digit()
                && b[2].is_ascii_alphabetic()
                && b[3].is_ascii_digit()
                && b[4].is_ascii_digit()
        }
        Land::Hh => {
            let mut parts = number.split('-');
            matches!((parts.next(), parts.next(), parts.next()),
                (Some(a), Some(b), None) if a.len() == 4 && !b.is_empty() && b.len() <= 2
                    && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()))
        }
        _ => !number.is_empty() && number.len() <= 20 && !number.chars().any(char::is_control),
    }
}

pub(crate) fn exists(conn: &Connection, table: &str, id: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1 AND deleted_at IS NULL");
    Ok(conn.prepare_cached(&sql)?.query_row([id], |_| Ok(())).optional()?.is_some())
}

/// Checks that `school_id` exists and that the building and room (if given) belong to it.
fn check_place(
    e: &mut Errors,
    ctx: &Ctx,
    school_id: &str,
    building_id: Option<&str>,
    room_id: Option<&str>,
) -> Result<()> {
    if place(ctx, "schools", school_id)?.is_none() {
        e.add("school_id", "unknown_school", "Die Schule gibt es nicht (mehr).");
        return Ok(());
    }
    if let Some(b) = building_id {
        match place(ctx, "buildings", b)? {
            None => e.add("building_id", "unknown_building", "Das Gebäude gibt es nicht (mehr)."),
            Some(p) if p.school_id != school_id => {
                e.add("building_id", "building_of_other_school", "Das Gebäude gehört zu einer anderen Schule.")
            }
            _ => {}
        }
    }
    if let Some(r) = room_id {
        match place(ctx, "rooms", r)? {
            None => e.add("room_id", "unknown_room", "Den Raum gibt es nicht (mehr)."),
            Some(p) if p.school_id != school_id => {
                e.add("room_id", "room_of_other_school", "Der Raum gehört zu einer anderen Schule.")
            }
            Some(Place { building_id: Some(rb), .. }) if building_id.is_some_and(|b| b != rb) => {
                e.add("room_id", "room_of_other_building", "Der Raum liegt in einem anderen Gebäude.")
            }
            _ => {}
        }
    }
    Ok(())
}

fn normalize_asset(a: &mut AssetFields) {
    trim(&mut a.school_id);
    for f in [
        &mut a.building_id,
        &mut a.room_id,
        &mut a.inventory_number,
        &mut a.serial_number,
        &mut a.manufacturer,
        &mut a.model,
        &mut a.notes,
    ] {
        trim_opt(f);
    }
}

fn validate_asset(e: &mut Errors, a: &AssetFields, table: &str, ctx: &Ctx, id: Option<&str>) -> Result<()> {
    check_place(e, ctx, &a.school_id, a.building_id.as_deref(), a.room_id.as_deref())?;
    e.line("inventory_number", a.inventory_number.as_deref());
    e.line("serial_number", a.serial_number.as_deref());
    e.line("manufacturer", a.manufacturer.as_deref());
    e.line("model", a.model.as_deref());
    e.note("notes", a.notes.as_deref());
    e.not_future("purchase_date", a.purchase_date, ctx.today, "Das Kaufdatum");
    if let (Some(p), Some(w)) = (a.purchase_date, a.warranty_end) {
        if w < p {
            e.add("warranty_end", "warranty_before_purchase", "Das Garantieende liegt vor dem Kaufdatum.");
        }
    }
    if a.price_cents.is_some_and(|p| p < 0) {
        e.add("price_cents", "negative", "Der Preis darf nicht negativ sein.");
    }
    let me = id.unwrap_or("");
    if let Some(inv) = &a.inventory_number {
        let other: Option<String> = ctx
            .conn
            .prepare_cached(
                "SELECT n.row_id FROM inventory_numbers n
                 WHERE n.authority_id = (SELECT authority_id FROM schools WHERE id = ?1)
                   AND n.inventory_number = ?2 AND n.row_id <> ?3",
            )?
            .query_row(rusqlite::params![a.school_id, inv, me], |r| r.get(0))
            .optional()?;
        if other.is_some() {
            e.add(
                "inventory_number",
                "duplicate_inventory_number",
                format!("Die Inventarnummer „{inv}“ ist beim Schulträger bereits vergeben."),
            );
        }
    }
    if let Some(serial) = &a.serial_number {
        let sql = format!(
            "SELECT 1 FROM {table} WHERE serial_number = ?1 AND lower(manufacturer) IS lower(?2)
             AND id <> ?3 AND deleted_at IS NULL"
        );
        let dup = ctx
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![serial, a.manufacturer, me], |_| Ok(()))
            .optional()?;
        if dup.is_some() {
            e.add(
                "serial_number",
                "duplicate_serial_number",
                format!("Die Seriennummer „{serial}“ ist für diesen Hersteller bereits erfasst."),
            );
        }
    }
    Ok(())
}

impl Validate for SchoolAuthorityData {
    fn normalize(&mut self) {
        trim(&mut self.name);
        trim_opt(&mut self.ags);
        trim_opt(&mut self.authority_number);
    }
    fn validate(&self, _ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        e.required("name", &self.name, "Der Name");
        e.line("name", Some(&self.name));
        if let Some(ags) = &self.ags {
            if ags.len() != 8 || !ags.bytes().all(|b| b.is_ascii_digit()) {
                e.add("ags", "invalid_ags", "Der Gemeindeschlüssel (AGS) hat 8 Ziffern.");
            }
        }
        e.line("authority_number", self.authority_number.as_deref());
        Ok(e.0)
    }
}

impl Validate for SchoolData {
    fn normalize(&mut self) {
        trim(&mut self.authority_id);
        trim(&mut self.school_number);
        trim(&mut self.name);
        trim(&mut self.school_type_label);
        for f in [&mut self.street, &mut self.postcode, &mut self.city, &mut self.notes] {
            trim_opt(f);
        }
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        let authority_land: Option<String> = ctx
            .conn
            .prepare_cached("SELECT land FROM school_authorities WHERE id = ?1 AND deleted_at IS NULL")?
            .query_row([&self.authority_id], |r| r.get(0))
            .optional()?;
        match authority_land {
            None => e.add("authority_id", "unknown_authority", "Den Schulträger gibt es nicht (mehr)."),
            Some(l) if l != self.land.code() => {
                e.add("land", "land_mismatch", "Die Schule liegt in einem anderen Land als ihr Schulträger.")
            }
            _ => {}
        }
        e.required("name", &self.name, "Der Name der Schule");
        e.line("name", Some(&self.name));
        e.line("school_type_label", Some(&self.school_type_label));
        if self.school_number.is_empty() {
            e.add("school_number", "required", "Die Schulnummer muss angegeben werden.");
        } else if !school_number_valid(self.land, &self.school_number) {
            e.add(
                "school_number",
                "invalid_school_number",
                format!("„{}“ ist keine gültige Schulnummer für {}.", self.school_number, self.land.label()),
            );
        } else {
            let dup = ctx
                .conn
                .prepare_cached(
                    "SELECT 1 FROM schools WHERE land = ?1 AND school_number = ?2 AND id <> ?3 AND deleted_at IS NULL",
                )?
                .query_row(rusqlite::params![self.land.code(), self.school_number, id.unwrap_or("")], |_| Ok(()))
                .optional()?;
            if dup.is_some() {
                e.add(
                    "school_number",
                    "duplicate_school_number",
                    format!("Die Schulnummer {} ist bereits vergeben.", self.school_number),
                );
            }
        }
        if let Some(p) = &self.postcode {
            if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                e.add("postcode", "invalid_postcode", "Die Postleitzahl hat 5 Ziffern.");
            }
        }
        e.line("street", self.street.as_deref());
        e.line("city", self.city.as_deref());
        e.range("pupils", self.pupils, 0, 100_000, "Die Schülerzahl");
        e.range("teachers", self.teachers, 0, 10_000, "Die Zahl der Lehrkräfte");
        e.range("social_index", self.social_index, 1, 9, "Der Sozialindex");
        e.not_future("headcount_date", self.headcount_date, ctx.today, "Der Stichtag");
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for BuildingData {
    fn normalize(&mut self) {
        trim(&mut self.school_id);
        trim(&mut self.name);
        for f in [&mut self.code, &mut self.street, &mut self.notes] {
            trim_opt(f);
        }
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        check_place(&mut e, ctx, &self.school_id, None, None)?;
        e.required("name", &self.name, "Der Name des Gebäudes");
        e.line("name", Some(&self.name));
        e.line("code", self.code.as_deref());
        e.line("street", self.street.as_deref());
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for RoomData {
    fn normalize(&mut self) {
        trim(&mut self.school_id);
        trim(&mut self.number);
        for f in [&mut self.building_id, &mut self.name, &mut self.notes] {
            trim_opt(f);
        }
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        check_place(&mut e, ctx, &self.school_id, self.building_id.as_deref(), None)?;
        e.required("number", &self.number, "Die Raumnummer");
        e.line("number", Some(&self.number));
        e.line("name", self.name.as_deref());
        e.range("floor", self.floor, -5, 60, "Das Stockwerk");
        e.note("notes", self.notes.as_deref());
        Ok(e.0)
    }
}

impl Validate for DeviceData {
    fn normalize(&mut self) {
        normalize_asset(&mut self.asset);
        trim_opt(&mut self.os);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        validate_asset(&mut e, &self.asset, "devices", ctx, id)?;
        e.line("os", self.os.as_deref());
        Ok(e.0)
    }
}

impl Validate for LoanData {
    fn normalize(&mut self) {
        trim(&mut self.device_id);
        trim_opt(&mut self.holder_name);
        trim_opt(&mut self.notes);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        if !exists(ctx.conn, "devices", &self.device_id)? {
            e.add("device_id", "unknown_device", "Das Gerät gibt es nicht (mehr).");
        }
        e.line("holder_name", self.holder_name.as_deref());
        e.note("notes", self.notes.as_deref());
        e.not_future("loaned_on", Some(self.loaned_on), ctx.today, "Das Ausgabedatum");
        if self.due_on.is_some_and(|d| d < self.loaned_on) {
            e.add("due_on", "before_loan", "Die Rückgabefrist liegt vor der Ausgabe.");
        }
        if let Some(r) = self.returned_on {
            if r < self.loaned_on {
                e.add("returned_on", "before_loan", "Die Rückgabe liegt vor der Ausgabe.");
            }
            e.not_future("returned_on", Some(r), ctx.today, "Das Rückgabedatum");
        }
        if self.holder_erased && (self.holder_name.is_some() || self.returned_on.is_none()) {
            e.add("holder_name", "erase_open_loan", "Der Name kann erst nach der Rückgabe gelöscht werden.");
        }
        if self.returned_on.is_none() {
            let open = ctx
                .conn
                .prepare_cached("SELECT 1 FROM loans WHERE device_id = ?1 AND returned_on IS NULL AND deleted_at IS NULL AND id <> ?2")?.query_row(rusqlite::params![self.device_id, id.unwrap_or("")],
                    |_| Ok(()),
                )
                .optional()?;
            if open.is_some() {
                e.add("device_id", "already_on_loan", "Das Gerät ist bereits verliehen.");
            }
        }
        Ok(e.0)
    }
}

impl Validate for FibreLinkData {
    fn normalize(&mut self) {
        trim(&mut self.school_id);
        for f in [&mut self.provider, &mut self.from_building_id, &mut self.to_building_id, &mut self.notes] {
            trim_opt(f);
        }
    }
    fn validate(&self, ctx: &Ctx, _id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        check_place(&mut e, ctx, &self.school_id, None, None)?;
        e.line("provider", self.provider.as_deref());
        e.note("notes", self.notes.as_deref());
        e.range("down_mbps", self.down_mbps, 1, 1_000_000, "Die Bandbreite (Download)");
        e.range("up_mbps", self.up_mbps, 1, 1_000_000, "Die Bandbreite (Upload)");
        e.range("fibre_count", self.fibre_count, 1, 10_000, "Die Faseranzahl");
        e.range("length_m", self.length_m, 1, 1_000_000, "Die Länge");
        if self.monthly_cost_cents.is_some_and(|c| c < 0) {
            e.add("monthly_cost_cents", "negative", "Die Kosten dürfen nicht negativ sein.");
        }
        if let (Some(a), Some(b)) = (self.commissioned_on, self.contract_end) {
            if b < a {
                e.add("contract_end", "before_commissioning", "Das Vertragsende liegt vor der Inbetriebnahme.");
            }
        }
        match self.link_type {
            FibreLinkType::Uplink => {
                if self.from_building_id.is_some() || self.to_building_id.is_some() {
                    e.add(
                        "from_building_id",
                        "uplink_with_buildings",
                        "Ein Internetanschluss hat keine Gebäude-Endpunkte.",
                    );
                }
            }
            FibreLinkType::InterBuilding => {
                for (field, b) in
                    [("from_building_id", &self.from_building_id), ("to_building_id", &self.to_building_id)]
                {
                    match b {
                        None => e.add(field, "required", "Beide Gebäude der Verbindung müssen angegeben werden."),
                        Some(b) => match place(ctx, "buildings", b)? {
                            None => e.add(field, "unknown_building", "Das Gebäude gibt es nicht (mehr)."),
                            Some(p) if p.school_id != self.school_id => {
                                e.add(field, "building_of_other_school", "Das Gebäude gehört zu einer anderen Schule.")
                            }
                            _ => {}
                        },
                    }
                }
                if self.from_building_id.is_some() && self.from_building_id == self.to_building_id {
                    e.add("to_building_id", "same_building", "Eine Verbindung braucht zwei verschiedene Gebäude.");
                }
            }
        }
        Ok(e.0)
    }
}

impl Validate for AccessPointData {
    fn normalize(&mut self) {
        normalize_asset(&mut self.asset);
        trim_opt(&mut self.controller);
        if let Some(m) = &self.mac_address {
            if let Some(n) = normalize_mac(m) {
                self.mac_address = Some(n);
            }
        }
        trim_opt(&mut self.mac_address);
        self.ssids.iter_mut().for_each(trim);
        self.ssids.retain(|s| !s.is_empty());
        self.ssids.dedup();
        self.bands.sort_by_key(|b| b.code());
        self.bands.dedup();
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        validate_asset(&mut e, &self.asset, "access_points", ctx, id)?;
        if let Some(mac) = &self.mac_address {
            if normalize_mac(mac).as_deref() != Some(mac.as_str()) {
                e.add("mac_address", "invalid_mac", format!("„{mac}“ ist keine MAC-Adresse."));
            } else {
                let dup = ctx
                    .conn
                    .prepare_cached(
                        "SELECT 1 FROM access_points WHERE mac_address = ?1 AND id <> ?2 AND deleted_at IS NULL",
                    )?
                    .query_row(rusqlite::params![mac, id.unwrap_or("")], |_| Ok(()))
                    .optional()?;
                if dup.is_some() {
                    e.add("mac_address", "duplicate_mac", format!("Die MAC-Adresse {mac} ist bereits erfasst."));
                }
            }
        }
        e.line("controller", self.controller.as_deref());
        for s in &self.ssids {
            if s.len() > 32 {
                e.add("ssids", "ssid_too_long", format!("Die SSID „{s}“ ist länger als 32 Byte."));
            }
        }
        e.not_future("installed_on", self.installed_on, ctx.today, "Das Installationsdatum");
        Ok(e.0)
    }
}

impl Validate for PresentationHardwareData {
    fn normalize(&mut self) {
        normalize_asset(&mut self.asset);
    }
    fn validate(&self, ctx: &Ctx, id: Option<&str>) -> Result<Vec<FieldError>> {
        let mut e = Errors::new();
        validate_asset(&mut e, &self.asset, "presentation_hardware", ctx, id)?;
        e.range("size_inches", self.size_inches, 1, 300, "Die Bildschirmdiagonale");
        e.not_future("installed_on", self.installed_on, ctx.today, "Das Installationsdatum");
        Ok(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_notations() {
        for m in ["AA:BB:CC:DD:EE:0F", "aa-bb-cc-dd-ee-0f", "aabb.ccdd.ee0f", "AABBCCDDEE0F"] {
            assert_eq!(normalize_mac(m).as_deref(), Some("aa:bb:cc:dd:ee:0f"), "{m}");
        }
        assert_eq!(normalize_mac("aa:bb:cc:dd:ee"), None);
        assert_eq!(normalize_mac("zz:bb:cc:dd:ee:ff"), None);
    }

    #[test]
    fn school_numbers_by_land() {
        assert!(school_number_valid(Land::Nw, "162437"));
        assert!(!school_number_valid(Land::Nw, "62437"));
        assert!(school_number_valid(Land::Bw, "04154817"));
        assert!(school_number_valid(Land::Be, "02K10"));
        assert!(school_number_valid(Land::Hh, "7910-0"));
        assert!(!school_number_valid(Land::Hh, "7910"));
        assert!(school_number_valid(Land::He, "4024"));
        assert!(school_number_valid(Land::Ni, "67763"));
        assert!(school_number_valid(Land::By, "Gym Nord"));
    }
}
