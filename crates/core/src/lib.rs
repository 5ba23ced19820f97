//! Schulinventar's core: the domain model, its validation, the SQLite store with its change log,
//! and the queries over it. Nothing here knows about Tauri, HTTP or the command line.

pub mod apply;
pub mod bulk;
pub mod clock;
pub mod db;
pub mod demo;
pub mod entity;
pub mod error;
pub mod fold;
pub mod funding;
pub mod history;
pub mod imports;
pub mod kpi;
pub mod ledger;
pub mod loans;
pub mod model;
pub mod purge;
pub mod query;
pub mod store;
pub mod unique;
pub mod validate;
pub mod validate_funding;

pub use db::{default_db_path, OpenStep, RestoreStep, SCHEMA_VERSION};
pub use entity::Entity;
pub use error::{CoreError, FieldError, Result};
pub use imports::{ImportProfile, ImportRun};
pub use model::*;
pub use query::{InventoryCounts, ListQuery, Page, SearchHit};
pub use store::{Source, Store, Writer};
pub use validate::Validate;

/// `done` of `total` in whole percent, for progress displays: never more than 100, and 100 when
/// there is nothing to do.
pub fn percent(done: u64, total: u64) -> u32 {
    (done.min(total) * 100).checked_div(total).map_or(100, |p| p as u32)
}
