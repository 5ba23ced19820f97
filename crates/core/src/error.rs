//! Errors of the core crate. Every error has a stable machine-readable `code`; validation errors
//! name the field they concern. Messages are German because they are shown to users as they are.

use serde::Serialize;

/// One problem with one field of an input, as shown next to that field in a form or in an import
/// preview. `code` is stable and the UI matches on it, never on `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), code: code.to_owned(), message: message.into() }
    }
}

/// The error type of every fallible core function.
#[derive(Debug, thiserror::Error, Serialize, specta::Type)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CoreError {
    /// The input failed validation; `errors` lists every problem, not just the first.
    #[error("Die Eingaben sind ungültig: {}", summary(.errors))]
    Validation { message: String, errors: Vec<FieldError> },

    #[error("{message}")]
    NotFound { message: String, entity: String, id: String },

    /// The database file was written by a newer version of the program.
    #[error("{message}")]
    SchemaTooNew { message: String, found: i64, supported: i64 },

    /// A file offered for restore is not a usable Schulinventar database.
    #[error("{message}")]
    InvalidBackup { message: String },

    #[error("{message}")]
    InvalidArgument { message: String, field: Option<String> },

    #[error("{message}")]
    Database { message: String },

    #[error("{message}")]
    Io { message: String },
}

fn summary(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

impl CoreError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = format!("Die Eingaben sind ungültig: {}", summary(&errors));
        CoreError::Validation { message, errors }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn not_found(entity: &str, id: &str) -> Self {
        CoreError::NotFound {
            message: format!("{} mit der Kennung „{id}“ wurde nicht gefunden.", entity_label(entity)),
            entity: entity.to_owned(),
            id: id.to_owned(),
        }
    }

    pub fn invalid_argument(field: Option<&str>, message: impl Into<String>) -> Self {
        CoreError::InvalidArgument { message: message.into(), field: field.map(str::to_owned) }
    }

    /// The stable code of this error, as serialised in its `code` tag.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation { .. } => "validation",
            CoreError::NotFound { .. } => "not_found",
            CoreError::SchemaTooNew { .. } => "schema_too_new",
            CoreError::InvalidBackup { .. } => "invalid_backup",
            CoreError::InvalidArgument { .. } => "invalid_argument",
            CoreError::Database { .. } => "database",
            CoreError::Io { .. } => "io",
        }
    }
}

/// German label of an entity name (as used in the change log) for messages.
pub fn entity_label(entity: &str) -> &'static str {
    match entity {
        "school_authority" => "Der Schulträger",
        "school" => "Die Schule",
        "building" => "Das Gebäude",
        "room" => "Der Raum",
        "device" => "Das Gerät",
        "loan" => "Die Ausleihe",
        "access_point" => "Der Access Point",
        "presentation_hardware" => "Die Präsentationstechnik",
        "fibre_link" => "Die Leitung",
        _ => "Der Eintrag",
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if f.code == rusqlite::ErrorCode::DatabaseBusy || f.code == rusqlite::ErrorCode::DatabaseLocked {
                return CoreError::Database {
                    message:
                        "Die Datenbank ist gerade durch ein anderes Programm gesperrt. Bitte später erneut versuchen."
                            .into(),
                };
            }
            if f.code == rusqlite::ErrorCode::NotADatabase {
                return CoreError::Database {
                    message: "Die Datei ist keine Schulinventar-Datenbank oder beschädigt.".into(),
                };
            }
        }
        CoreError::Database { message: format!("Datenbankfehler: {e}") }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Io { message: format!("Dateifehler: {e}") }
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        CoreError::Database { message: format!("Gespeicherte Daten sind nicht lesbar: {e}") }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
