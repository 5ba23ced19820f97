//! The JSON messages between a replica and the hub (`/v1/...`). Shared by the hub server and the
//! client so both sides always agree on the wire format.

use serde::{Deserialize, Serialize};

use crate::Op;

/// Operations per push request the client sends, and the default pull page.
pub const PAGE: usize = 1000;
/// The largest pull page the hub hands out.
pub const MAX_PULL: usize = 5000;
/// Operations whose timestamp is further ahead of the hub's clock are refused.
pub const MAX_FUTURE_SECS: u64 = 24 * 3600;

/// What an enrolled device may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A school's administrator: reads and writes only their schools.
    Admin,
    /// The school authority's department: reads and writes everything.
    Department,
    /// Reads everything, writes nothing.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Department => "department",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "department" => Some(Role::Department),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The device token: shown once, the hub keeps only its hash.
    pub token: String,
    pub hub_node: String,
    pub device_id: i64,
    pub role: Role,
    /// School numbers of an admin's scope (empty for the other roles).
    pub schools: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// New to the hub and stored.
    Accepted,
    /// The hub already had it (a repeated push).
    Duplicate,
    /// Refused; `reason` says why. The rest of the push is not affected.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub origin_node: String,
    pub origin_seq: i64,
    pub status: OpStatus,
    /// Stable code of a rejection: scope, read_only, unknown_school, future, invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// German explanation of a rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per pushed operation, in the order pushed.
    pub results: Vec<OpResult>,
    /// The hub's clock (RFC 3339), so the client can warn about its own.
    pub hub_time: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Operations in the device's scope with a hub sequence after the cursor, in that order.
    pub ops: Vec<Op>,
    /// The cursor to ask with next time.
    pub next: i64,
    /// Whether more operations are waiting after `next`.
    pub more: bool,
    /// Rows the hub purged (garbage collection of tombstones) with a hub sequence after the
    /// cursor, up to `next`, in that order. The client purges them in the same transaction as
    /// the page. Absent from older hubs.
    #[serde(default)]
    pub purges: Vec<PurgeEntry>,
    /// The hub's newest sequence when the page was read. With `next`, it tells how far a pull
    /// has come (for a progress display); for a school admin's device it counts other schools'
    /// operations too. Absent from older hubs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<i64>,
}

/// A row purged on the hub, as announced to the devices whose scope it concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeEntry {
    pub hub_seq: i64,
    pub entity: String,
    pub row_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusResponse {
    pub hub_node: String,
    /// Operations the hub holds (all scopes).
    pub ops: i64,
    pub device_id: i64,
    pub device_name: String,
    pub role: Role,
    pub schools: Vec<String>,
    /// The cursor this device last pulled from.
    pub cursor: i64,
    pub hub_time: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub hub_node: String,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_from_an_older_hub_has_no_head_and_a_page_without_one_does_not_name_it() {
        let page: PullResponse = serde_json::from_str(r#"{"ops":[],"next":5,"more":false}"#).unwrap();
        assert_eq!((page.head, page.next, page.purges.len()), (None, 5, 0));
        let json = serde_json::to_value(&page).unwrap();
        assert!(json.get("head").is_none(), "{json}");
        let json = serde_json::to_value(PullResponse { head: Some(7), ..page }).unwrap();
        assert_eq!(json["head"], 7);
    }
}
