//! What this installation imported (history) and how it read the columns of recurring files
//! (named mapping profiles). Both are local records of this replica, not synced inventory data.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::store::{Store, Writer};

/// One committed import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ImportRun {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
    pub sheet: Option<String>,
    pub entity: String,
    pub match_key: String,
    pub author: String,
    pub started_at: String,
    pub finished_at: String,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub errors: i64,
    /// The user chose to commit the valid rows of a file that had errors.
    pub valid_only: bool,
}

/// A saved column mapping: header text (folded to letters and digits) → field name, "" for a
/// column the user chose to ignore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ImportProfile {
    pub name: String,
    pub entity: Option<String>,
    pub match_key: Option<String>,
    pub columns: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Writer<'_> {
    /// Records a committed import in the history, tied to this transaction's change source.
    pub fn record_import(&mut self, run: &ImportRun) -> Result<()> {
        let source = self.source_id().map(str::to_owned);
        self.conn()?.execute(
            "INSERT INTO import_runs(id, source_id, file_name, sha256, sheet, entity, match_key, author, started_at,
                 finished_at, rows, created, updated, unchanged, errors, valid_only)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                run.id,
                source,
                run.file_name,
                run.sha256,
                run.sheet,
                run.entity,
                run.match_key,
                run.author,
                run.started_at,
                run.finished_at,
                run.rows,
                run.created,
                run.updated,
                run.unchanged,
                run.errors,
                run.valid_only,
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// The latest imports, newest first.
    pub fn import_runs(&self, limit: u32) -> Result<Vec<ImportRun>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, file_name, sha256, sheet, entity, match_key, author, started_at, finished_at, rows, created,
                    updated, unchanged, errors, valid_only
             FROM import_runs ORDER BY started_at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(ImportRun {
                id: r.get(0)?,
                file_name: r.get(1)?,
                sha256: r.get(2)?,
                sheet: r.get(3)?,
                entity: r.get(4)?,
                match_key: r.get(5)?,
                author: r.get(6)?,
                started_at: r.get(7)?,
                finished_at: r.get(8)?,
                rows: r.get(9)?,
                created: r.get(10)?,
                updated: r.get(11)?,
                unchanged: r.get(12)?,
                errors: r.get(13)?,
                valid_only: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Saves (or replaces) a named mapping profile.
    pub fn save_import_profile(
        &self,
        name: &str,
        entity: Option<&str>,
        match_key: Option<&str>,
        columns: &BTreeMap<String, String>,
    ) -> Result<ImportProfile> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CoreError::field(
                "name",
                "invalid_profile_name",
                "Der Profilname muss 1 bis 100 druckbare Zeichen lang sein.",
            ));
        }
        let now = chrono::Utc::now().to_rfc3339();
        self.conn().execute(
            "INSERT INTO import_profiles(name, entity, match_key, columns, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT(name) DO UPDATE SET entity = ?2, match_key = ?3, columns = ?4, updated_at = ?5",
            params![name, entity, match_key, serde_json::to_string(columns)?, now],
        )?;
        self.import_profile(name)
    }

    pub fn import_profile(&self, name: &str) -> Result<ImportProfile> {
        self.conn()
            .query_row(
                "SELECT name, entity, match_key, columns, created_at, updated_at FROM import_profiles WHERE name = ?1",
                [name.trim()],
                profile_from_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::not_found("import_profile", name))?
    }

    pub fn import_profiles(&self) -> Result<Vec<ImportProfile>> {
        let mut stmt = self.conn().prepare(
            "SELECT name, entity, match_key, columns, created_at, updated_at FROM import_profiles ORDER BY name",
        )?;
        let rows = stmt.query_map([], profile_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
    }
}

fn profile_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ImportProfile>> {
    let (name, entity, match_key, columns, created_at, updated_at): (String, _, _, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    Ok(serde_json::from_str(&columns).map_err(CoreError::from).map(|columns| ImportProfile {
        name,
        entity,
        match_key,
        columns,
        created_at,
        updated_at,
    }))
}
