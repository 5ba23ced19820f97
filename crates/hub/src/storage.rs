//! What the hub needs from its storage. The embedded SQLite implementation
//! ([`crate::sqlite::SqliteStorage`]) is the default; a server database for a Land-wide hub would
//! implement the same trait.

use std::time::SystemTime;

use schulinventar_sync::protocol::{EnrollResponse, PullResponse, PushResponse, Role, StatusResponse};
use schulinventar_sync::Op;
use serde::Serialize;

/// An authenticated device, as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// School numbers of an admin's scope.
    pub schools: Vec<String>,
    pub revoked: bool,
    pub last_cursor: i64,
    pub last_seen: Option<String>,
}

/// An error answer of the hub. Messages are German; they reach the user as they are.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Missing, unknown or revoked token (HTTP 401).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Authenticated but not allowed (HTTP 403).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// A malformed request or an invalid enrolment code (HTTP 400).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Storage failure (HTTP 500).
    #[error("Interner Fehler des Hubs: {0}")]
    Internal(String),
}

impl From<schulinventar_core::CoreError> for HubError {
    fn from(e: schulinventar_core::CoreError) -> Self {
        HubError::Internal(e.to_string())
    }
}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Internal(e.to_string())
    }
}

impl HubError {
    pub fn code(&self) -> &'static str {
        match self {
            HubError::Unauthorized { code, .. }
            | HubError::Forbidden { code, .. }
            | HubError::BadRequest { code, .. } => code,
            HubError::Internal(_) => "internal",
        }
    }
}

pub type HubResult<T> = std::result::Result<T, HubError>;

/// A fresh enrolment code, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct NewEnrolment {
    pub code: String,
    pub role: Role,
    pub schools: Vec<String>,
    pub expires_at: String,
}

pub trait HubStorage: Send {
    /// The hub's node id (its replica's).
    fn hub_node(&self) -> String;

    /// Creates a one-time enrolment code valid for `valid_hours`.
    fn create_enrolment(&mut self, role: Role, schools: &[String], valid_hours: u32) -> HubResult<NewEnrolment>;

    /// Exchanges an enrolment code for a device token. A code works once.
    fn enroll(&mut self, code: &str, device_name: &str) -> HubResult<EnrollResponse>;

    /// The device holding this token; revoked or unknown tokens are refused.
    fn authenticate(&mut self, token: &str) -> HubResult<Device>;

    /// Takes a page of operations: each accepted, recognised as a duplicate or rejected with a
    /// reason, independently of the others.
    fn push(&mut self, device: &Device, ops: Vec<Op>, now: SystemTime) -> HubResult<PushResponse>;

    /// Operations in the device's scope after `after`, at most `limit`.
    fn pull(&mut self, device: &Device, after: i64, limit: usize) -> HubResult<PullResponse>;

    fn status(&mut self, device: &Device) -> HubResult<StatusResponse>;

    /// Every enrolled device.
    fn devices(&mut self) -> HubResult<Vec<Device>>;

    /// Revokes a device by id; returns false if there is none.
    fn revoke(&mut self, device_id: i64) -> HubResult<bool>;
}
