//! The hybrid logical clock of this replica. Timestamps are stored as text
//! `<16 hex digits of NTP64 time>-<32 hex digits of node id>`, so that text order is the order
//! (time, node) that last-writer-wins merging uses. The last timestamp is persisted in `meta`, and
//! a new clock never issues a timestamp below it, even if the system clock went backwards.

use std::sync::OnceLock;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use uhlc::{HLCBuilder, Timestamp, HLC, ID, NTP64};

use crate::error::Result;

pub struct Clock {
    hlc: HLC,
    node: String,
}

/// An HLC timestamp in its stored form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc(pub String);

impl Hlc {
    pub fn parse_time(&self) -> Option<u64> {
        u64::from_str_radix(self.0.split('-').next()?, 16).ok()
    }

    /// RFC 3339 UTC with milliseconds: the `created_at`/`updated_at` form of this timestamp.
    pub fn to_rfc3339(&self) -> String {
        let t = NTP64(self.parse_time().unwrap_or(0));
        let st = t.to_system_time();
        chrono::DateTime::<chrono::Utc>::from(st).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// Seconds by which this process's clock is set off the system clock: the environment variable
/// `SCHULINVENTAR_CLOCK_OFFSET_SECS` (signed; unset or 0 in normal use). It shows how a replica
/// whose clock is wrong behaves (tests of clock safety, a demonstration) without touching the
/// machine's clock.
pub fn clock_offset_secs() -> i64 {
    static OFFSET: OnceLock<i64> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        std::env::var("SCHULINVENTAR_CLOCK_OFFSET_SECS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    })
}

/// The physical clock of the HLC: the system clock, set off by [`clock_offset_secs`].
fn physical_clock() -> NTP64 {
    let now = uhlc::system_time_clock();
    match clock_offset_secs() {
        0 => now,
        // NTP64 keeps whole seconds in its upper 32 bits.
        off => NTP64(now.0.saturating_add_signed(off.saturating_mul(1 << 32))),
    }
}

fn format_ts(ts: &Timestamp, node: &str) -> Hlc {
    Hlc(format!("{:016x}-{node}", ts.get_time().as_u64()))
}

impl Clock {
    /// Loads (or on first use creates) the node id and restores the clock past the last
    /// persisted timestamp.
    pub fn load(conn: &Connection) -> Result<Clock> {
        let node: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'node_id'", [], |r| r.get(0)).optional()?;
        let node = match node {
            Some(n) => n,
            None => {
                let n = format!("{:032x}", rand::random::<u128>() | 1);
                conn.execute("INSERT INTO meta(key, value) VALUES ('node_id', ?1)", [&n])?;
                n
            }
        };
        let id_num = u128::from_str_radix(&node, 16).unwrap_or(1).max(1);
        let id = ID::try_from(id_num).unwrap_or_else(|_| ID::rand());
        // The persisted timestamp may be far ahead if the system clock was reset; accept it so
        // that the clock never goes backwards.
        let hlc = HLCBuilder::new()
            .with_id(id)
            .with_clock(physical_clock)
            .with_max_delta(Duration::from_secs(100 * 365 * 24 * 3600))
            .build();
        let clock = Clock { hlc, node };
        clock.observe_persisted(conn)?;
        Ok(clock)
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Moves the clock past the last timestamp any process wrote to this database.
    pub fn observe_persisted(&self, conn: &Connection) -> Result<()> {
        let last: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'last_hlc'", [], |r| r.get(0)).optional()?;
        if let Some(t) = last.and_then(|s| Hlc(s).parse_time()) {
            self.observe_time(t);
        }
        Ok(())
    }

    /// Moves the clock past a timestamp seen elsewhere (another replica's operation).
    pub fn observe_time(&self, time: u64) {
        let ts = Timestamp::new(NTP64(time), *self.hlc.get_id());
        let _ = self.hlc.update_with_timestamp(&ts);
    }

    pub fn now(&self) -> Hlc {
        format_ts(&self.hlc.new_timestamp(), &self.node)
    }

    /// Persists the last issued timestamp (inside the caller's transaction).
    pub fn persist(conn: &Connection, last: &Hlc) -> Result<()> {
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('last_hlc', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE excluded.value > meta.value",
            [&last.0],
        )?;
        Ok(())
    }
}
