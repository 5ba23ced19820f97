//! The embedded storage: one SQLite file `hub.sqlite` in the data directory. It is a full
//! replica (a [`Store`]) whose change log holds every accepted operation, plus the hub's own
//! tables (prefix `hub_`): enrolment codes and device tokens (SHA-256 hashes only), the school
//! scope of each device, and `hub_ops`, which gives every accepted operation a hub sequence and
//! the school it concerns. Clients pull "everything in my scope after my cursor" from it.
//!
//! The school of an operation: for tables with a school column, the value the operation sets or
//! else the row's current school; loans and invoice items belong to the school of their device
//! or invoice line. The hub keeps the latest known school per row (by HLC) in `hub_rows` and the
//! school number per school in `hub_schools`, so it never depends on a row being writable.
//!
//! `hub_purges` logs the rows garbage collection removed (see [`gc`]), numbered in the same
//! sequence as `hub_ops`, so that pulls hand them out in order with the operations.

use std::collections::HashSet;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use schulinventar_core::{Source, Store};
use schulinventar_sync::protocol::*;
use schulinventar_sync::Op;

use crate::storage::{Device, HubError, HubResult, HubStorage, NewEnrolment};

mod gc;
mod scope;
pub use gc::{GcReport, WaitingDevice};
use scope::{Overlay, Placement};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hub_enrolments (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    schools    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS hub_devices (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    last_seen   TEXT,
    last_cursor INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS hub_device_schools (
    device_id     INTEGER NOT NULL REFERENCES hub_devices(id),
    school_number TEXT NOT NULL,
    PRIMARY KEY (device_id, school_number)
) STRICT;
CREATE TABLE IF NOT EXISTS hub_ops (
    hub_seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    origin_node    TEXT NOT NULL,
    origin_seq     INTEGER NOT NULL,
    scoped         INTEGER NOT NULL,
    school_id      TEXT,
    prev_school_id TEXT,
    device_id      INTEGER NOT NULL,
    UNIQUE (origin_node, origin_seq)
) STRICT;
CREATE TABLE IF NOT EXISTS hub_rows (
    entity    TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    school_id TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    PRIMARY KEY (entity, row_id)
) STRICT;
CREATE TABLE IF NOT EXISTS hub_schools (
    school_id     TEXT PRIMARY KEY,
    school_number TEXT NOT NULL,
    hlc           TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS hub_schools_number ON hub_schools(school_number);
CREATE TABLE IF NOT EXISTS hub_purges (
    hub_seq   INTEGER PRIMARY KEY,
    entity    TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    scoped    INTEGER NOT NULL,
    schools   TEXT NOT NULL,
    purged_at TEXT NOT NULL
) STRICT;
";

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Letters and digits that cannot be mistaken for each other when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let bytes: [u8; 12] = rand::random();
    let chars: Vec<char> = bytes.iter().map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("sit_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub struct SqliteStorage {
    store: Store,
}

impl SqliteStorage {
    /// Opens (creating if needed) the hub's database in `dir`.
    pub fn open(dir: &Path) -> HubResult<SqliteStorage> {
        std::fs::create_dir_all(dir).map_err(|e| {
            HubError::Internal(format!("Das Datenverzeichnis {} kann nicht angelegt werden: {e}", dir.display()))
        })?;
        let mut store = Store::open(&dir.join("hub.sqlite"))?;
        store.set_author("hub");
        store.conn().execute_batch(SCHEMA)?;
        Ok(SqliteStorage { store })
    }

    /// The hub's replica (read access, e.g. for its digest).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn device_schools(&self, id: i64) -> HubResult<Vec<String>> {
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT school_number FROM hub_device_schools WHERE device_id = ?1 ORDER BY school_number",
        )?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn device_by(&self, clause: &str, value: &dyn rusqlite::ToSql) -> HubResult<Option<Device>> {
        let row = self
            .store
            .conn()
            .query_row(
                &format!(
                    "SELECT id, name, role, revoked_at, last_cursor, last_seen FROM hub_devices WHERE {clause} = ?1"
                ),
                [value],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, name, role, revoked_at, last_cursor, last_seen)) = row else { return Ok(None) };
        let role = Role::parse(&role).ok_or_else(|| HubError::Internal(format!("unbekannte Rolle {role}")))?;
        Ok(Some(Device {
            id,
            name,
            role,
            schools: self.device_schools(id)?,
            revoked: revoked_at.is_some(),
            last_cursor,
            last_seen,
        }))
    }

    fn known(&self, op: &Op) -> HubResult<bool> {
        Ok(self
            .store
            .conn()
            .prepare_cached("SELECT 1 FROM hub_ops WHERE origin_node = ?1 AND origin_seq = ?2")?
            .query_row(params![op.origin_node, op.origin_seq], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

impl HubStorage for SqliteStorage {
    fn hub_node(&self) -> String {
        self.store.node_id().to_owned()
    }

    fn create_enrolment(&mut self, role: Role, schools: &[String], valid_hours: u32) -> HubResult<NewEnrolment> {
        let schools: Vec<String> = schools.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        match role {
            Role::Admin if schools.is_empty() => {
                return Err(HubError::BadRequest {
                    code: "schools_required",
                    message: "Für die Rolle admin bitte mindestens eine Schulnummer angeben (--school NR).".into(),
                })
            }
            Role::Department | Role::Auditor if !schools.is_empty() => {
                return Err(HubError::BadRequest {
                    code: "schools_not_allowed",
                    message: format!(
                        "Die Rolle {} gilt für alle Schulen; Schulnummern gibt es nur für die Rolle admin.",
                        role.as_str()
                    ),
                })
            }
            _ => {}
        }
        if valid_hours == 0 {
            return Err(HubError::BadRequest {
                code: "invalid_validity",
                message: "Die Gültigkeit muss mindestens eine Stunde betragen.".into(),
            });
        }
        let code = new_code();
        let expires = chrono::Utc::now() + chrono::Duration::hours(i64::from(valid_hours));
        let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.store.conn().execute(
            "INSERT INTO hub_enrolments(code_hash, role, schools, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256_hex(&normalize_code(&code)),
                role.as_str(),
                serde_json::to_string(&schools).map_err(|e| HubError::Internal(e.to_string()))?,
                now_rfc3339(),
                expires_at
            ],
        )?;
        Ok(NewEnrolment { code, role, schools, expires_at })
    }

    fn enroll(&mut self, code: &str, device_name: &str) -> HubResult<EnrollResponse> {
        let invalid = || HubError::BadRequest {
            code: "invalid_code",
            message: "Der Anmeldecode ist ungültig. Bitte den Code prüfen oder einen neuen erzeugen lassen.".into(),
        };
        let device_name = device_name.trim();
        if device_name.is_empty() {
            return Err(HubError::BadRequest {
                code: "device_name_required",
                message: "Bitte einen Gerätenamen angeben.".into(),
            });
        }
        let hash = sha256_hex(&normalize_code(code));
        let tx = self.store.conn().unchecked_transaction()?;
        let row: Option<(String, String, String, Option<String>)> = tx
            .query_row(
                "SELECT role, schools, expires_at, used_at FROM hub_enrolments WHERE code_hash = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((role, schools, expires_at, used_at)) = row else { return Err(invalid()) };
        if used_at.is_some() {
            return Err(HubError::BadRequest {
                code: "code_used",
                message: "Dieser Anmeldecode wurde bereits verwendet; jeder Code gilt nur einmal. \
                          Bitte einen neuen Code erzeugen lassen."
                    .into(),
            });
        }
        let now = now_rfc3339();
        if chrono::DateTime::parse_from_rfc3339(&expires_at).is_ok_and(|e| e < chrono::Utc::now()) {
            return Err(HubError::BadRequest {
                code: "code_expired",
                message: format!(
                    "Dieser Anmeldecode ist seit {expires_at} abgelaufen. Bitte einen neuen erzeugen lassen."
                ),
            });
        }
        let role = Role::parse(&role).ok_or_else(invalid)?;
        let schools: Vec<String> = serde_json::from_str(&schools).map_err(|e| HubError::Internal(e.to_string()))?;
        let used = tx.execute(
            "UPDATE hub_enrolments SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL",
            params![hash, now],
        )?;
        if used != 1 {
            return Err(invalid());
        }
        let token = new_token();
        tx.execute(
            "INSERT INTO hub_devices(token_hash, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![sha256_hex(&token), device_name, role.as_str(), now],
        )?;
        let device_id = tx.last_insert_rowid();
        for s in &schools {
            tx.execute(
                "INSERT OR IGNORE INTO hub_device_schools(device_id, school_number) VALUES (?1, ?2)",
                params![device_id, s],
            )?;
        }
        tx.commit()?;
        Ok(EnrollResponse { token, hub_node: self.hub_node(), device_id, role, schools })
    }

    fn authenticate(&mut self, token: &str) -> HubResult<Device> {
        let device =
            self.device_by("token_hash", &sha256_hex(token.trim()))?.ok_or_else(|| HubError::Unauthorized {
                code: "unknown_token",
                message: "Das Zugangstoken ist dem Hub unbekannt. Bitte das Gerät neu anmelden \
                      (schulinventar enroll --hub URL --code CODE)."
                    .into(),
            })?;
        if device.revoked {
            return Err(HubError::Unauthorized {
                code: "revoked",
                message: format!(
                    "Der Zugang dieses Geräts („{}“) wurde am Hub gesperrt. Bitte bei der Schulträger-Verwaltung \
                     einen neuen Anmeldecode erfragen.",
                    device.name
                ),
            });
        }
        Ok(device)
    }

    fn push(&mut self, device: &Device, ops: Vec<Op>, now: SystemTime) -> HubResult<PushResponse> {
        if device.role == Role::Auditor {
            return Err(HubError::Forbidden {
                code: "read_only",
                message: "Dieser Zugang (Rolle auditor) darf nur lesen; Änderungen werden nicht angenommen.".into(),
            });
        }
        let now_secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut overlay = Overlay::default();
        let mut seen: HashSet<(String, i64)> = HashSet::new();
        let mut results = Vec::with_capacity(ops.len());
        let mut accepted: Vec<Op> = Vec::new();
        let mut placements: Vec<Placement> = Vec::new();
        for op in ops {
            let key = (op.origin_node.clone(), op.origin_seq);
            let mut result = OpResult {
                origin_node: op.origin_node.clone(),
                origin_seq: op.origin_seq,
                status: OpStatus::Duplicate,
                code: None,
                reason: None,
            };
            if seen.contains(&key) || self.known(&op)? {
                results.push(result);
                continue;
            }
            if self.store.is_purged(&op.entity, &op.row_id)? {
                result.status = OpStatus::Rejected;
                result.code = Some("purged".to_owned());
                result.reason = Some(format!(
                    "„{}“ {} wurde gelöscht und am Hub endgültig entfernt, nachdem alle Geräte die Löschung \
                     übernommen hatten; diese spätere Änderung wird nicht mehr angenommen.",
                    op.entity, op.row_id
                ));
                results.push(result);
                continue;
            }
            match self.check(device, &op, now_secs, &mut overlay)? {
                Ok(p) => {
                    result.status = OpStatus::Accepted;
                    seen.insert(key);
                    placements.push(p);
                    accepted.push(op);
                }
                Err((code, reason)) => {
                    result.status = OpStatus::Rejected;
                    result.code = Some(code.to_owned());
                    result.reason = Some(reason);
                }
            }
            results.push(result);
        }
        if !accepted.is_empty() {
            let source = Source {
                kind: "sync",
                file_name: Some(format!("Gerät {} ({})", device.id, device.name)),
                sha256: None,
            };
            let report = self.store.write(Some(source), |w| {
                let report = w.apply_remote(&accepted)?;
                let conn = w.read();
                let mut ins = conn.prepare_cached(
                    "INSERT OR IGNORE INTO hub_ops(origin_node, origin_seq, scoped, school_id, prev_school_id, device_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for (op, p) in accepted.iter().zip(&placements) {
                    ins.execute(params![op.origin_node, op.origin_seq, p.scoped, p.school, p.prev_school, device.id])?;
                }
                let mut rows = conn.prepare_cached(
                    "INSERT INTO hub_rows(entity, row_id, school_id, hlc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(entity, row_id) DO UPDATE SET school_id = excluded.school_id, hlc = excluded.hlc
                     WHERE excluded.hlc > hub_rows.hlc",
                )?;
                for ((entity, row_id), (school, hlc)) in &overlay.rows {
                    rows.execute(params![entity, row_id, school, hlc])?;
                }
                let mut numbers = conn.prepare_cached(
                    "INSERT INTO hub_schools(school_id, school_number, hlc) VALUES (?1, ?2, ?3)
                     ON CONFLICT(school_id) DO UPDATE SET school_number = excluded.school_number, hlc = excluded.hlc
                     WHERE excluded.hlc > hub_schools.hlc",
                )?;
                for (school, (number, hlc)) in &overlay.numbers {
                    numbers.execute(params![school, number, hlc])?;
                }
                Ok(report)
            })?;
            for r in &report.rejected {
                tracing::warn!(entity = %r.entity, row = %r.row_id, message = %r.message, "Zeile im Hub-Replikat nicht geschrieben");
            }
        }
        self.store
            .conn()
            .execute("UPDATE hub_devices SET last_seen = ?2 WHERE id = ?1", params![device.id, now_rfc3339()])?;
        Ok(PushResponse { results, hub_time: now_rfc3339() })
    }

    fn pull(&mut self, device: &Device, after: i64, limit: usize) -> HubResult<PullResponse> {
        let limit = limit.clamp(1, MAX_PULL);
        let scope = if device.role == Role::Admin {
            "AND (h.scoped = 0 OR h.school_id IN mine OR h.prev_school_id IN mine)"
        } else {
            ""
        };
        let sql = format!(
            "WITH mine AS (SELECT s.school_id FROM hub_schools s
                           JOIN hub_device_schools d ON d.school_number = s.school_number WHERE d.device_id = ?2)
             SELECT h.hub_seq, c.origin_node, c.origin_seq, c.hlc, c.entity, c.row_id, c.fields, c.prev, c.author,
                    c.schema_version, c.reason
             FROM hub_ops h JOIN change_log c ON c.origin_node = h.origin_node AND c.origin_seq = h.origin_seq
             WHERE h.hub_seq > ?1 {scope}
             ORDER BY h.hub_seq LIMIT ?3"
        );
        let mut ops = Vec::new();
        let mut next = after;
        {
            let mut stmt = self.store.conn().prepare_cached(&sql)?;
            let mut rows = stmt.query(params![after, device.id, limit as i64])?;
            while let Some(r) = rows.next()? {
                next = r.get(0)?;
                let fields: String = r.get(6)?;
                let prev: String = r.get(7)?;
                ops.push((
                    next,
                    Op {
                        origin_node: r.get(1)?,
                        origin_seq: r.get(2)?,
                        hlc: r.get(3)?,
                        entity: r.get(4)?,
                        row_id: r.get(5)?,
                        fields: serde_json::from_str(&fields).map_err(|e| HubError::Internal(e.to_string()))?,
                        prev: serde_json::from_str(&prev).map_err(|e| HubError::Internal(e.to_string()))?,
                        author: r.get(8)?,
                        schema_version: r.get(9)?,
                        reason: r.get(10)?,
                    },
                ));
            }
        }
        let mut more = ops.len() == limit;
        // Purges up to the end of this page (or all after the cursor if it is the last), at
        // most `limit` too; if they fill a page, it ends at the last of them.
        let upper = if more { next } else { i64::MAX };
        let purge_scope = if device.role == Role::Admin {
            "AND (p.scoped = 0 OR EXISTS (SELECT 1 FROM json_each(p.schools) j WHERE j.value IN mine))"
        } else {
            ""
        };
        let purges: Vec<PurgeEntry> = {
            let mut stmt = self.store.conn().prepare_cached(&format!(
                "WITH mine AS (SELECT s.school_id FROM hub_schools s
                               JOIN hub_device_schools d ON d.school_number = s.school_number WHERE d.device_id = ?2)
                 SELECT p.hub_seq, p.entity, p.row_id FROM hub_purges p
                 WHERE p.hub_seq > ?1 AND p.hub_seq <= ?3 {purge_scope}
                 ORDER BY p.hub_seq LIMIT ?4"
            ))?;
            let rows = stmt.query_map(params![after, device.id, upper, limit as i64], |r| {
                Ok(PurgeEntry { hub_seq: r.get(0)?, entity: r.get(1)?, row_id: r.get(2)? })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if let Some(last) = purges.last() {
            if purges.len() == limit {
                let cut = last.hub_seq;
                ops.retain(|(seq, _)| *seq <= cut);
                next = cut;
                more = true;
            } else if !more {
                next = next.max(last.hub_seq);
            }
        }
        let ops = ops.into_iter().map(|(_, op)| op).collect();
        // Operations and purges share one sequence (see gc).
        let head: i64 = self
            .store
            .conn()
            .prepare_cached(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'hub_ops'), 0),
                        coalesce((SELECT max(hub_seq) FROM hub_purges), 0))",
            )?
            .query_row([], |r| r.get(0))?;
        self.store.conn().execute(
            "UPDATE hub_devices SET last_cursor = max(last_cursor, ?2), last_seen = ?3 WHERE id = ?1",
            params![device.id, after, now_rfc3339()],
        )?;
        Ok(PullResponse { ops, next, more, purges, head: Some(head.max(next)) })
    }

    fn status(&mut self, device: &Device) -> HubResult<StatusResponse> {
        let ops: i64 = self.store.conn().query_row("SELECT count(*) FROM hub_ops", [], |r| r.get(0))?;
        Ok(StatusResponse {
            hub_node: self.hub_node(),
            ops,
            device_id: device.id,
            device_name: device.name.clone(),
            role: device.role,
            schools: device.schools.clone(),
            cursor: device.last_cursor,
            hub_time: now_rfc3339(),
        })
    }

    fn devices(&mut self) -> HubResult<Vec<Device>> {
        let ids: Vec<i64> = {
            let mut stmt = self.store.conn().prepare("SELECT id FROM hub_devices ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.device_by("id", &id)?);
        }
        Ok(out)
    }

    fn revoke(&mut self, device_id: i64) -> HubResult<bool> {
        let n = self.store.conn().execute(
            "UPDATE hub_devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
            params![device_id, now_rfc3339()],
        )?;
        Ok(n == 1)
    }
}
