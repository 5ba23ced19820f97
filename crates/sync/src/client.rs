//! The replica's side of hub sync: enrolment, then push what the hub lacks and pull what this
//! replica lacks, in pages.
//!
//! Resumability comes from two cursors in the `meta` table:
//! - `hub_push_seq`: the local change-log sequence up to which operations were answered by the
//!   hub (accepted, duplicate or rejected). Written after every answered page; a page sent twice
//!   (the answer was lost) is harmless because the hub treats repeated operations as duplicates.
//! - `hub_pull_cursor`: the hub sequence up to which operations are applied here. Written in the
//!   same transaction that applies a page, so a cut connection or a killed process never leaves
//!   a page half applied or applied without its cursor.
//!
//! Operations that came from the hub are not pushed back: pages pulled from the hub are recorded
//! with the source `sync` / `hub:<hub node>` and left out of the push.

use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use schulinventar_core::{CoreError, Source, Store};

use crate::protocol::*;
use crate::Op;

const META_URL: &str = "hub_url";
const META_TOKEN: &str = "hub_token";
const META_NODE: &str = "hub_node";
const META_PULL: &str = "hub_pull_cursor";
const META_PUSH: &str = "hub_push_seq";
const META_LAST_SYNC: &str = "hub_last_sync";
const META_CONFLICTS: &str = "hub_open_conflicts";

/// Pages per direction and sync run: a bound so that a misbehaving hub cannot keep a client busy
/// forever (at the default page size, 100 million operations).
const MAX_ROUNDS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub could not be reached or the connection broke.
    #[error("Der Hub ist nicht erreichbar ({url}): {detail}")]
    Unreachable { url: String, detail: String },
    /// The hub refused the request; the message is the hub's German explanation.
    #[error("{message}")]
    Refused { status: u16, code: String, message: String },
    #[error("Dieses Gerät ist bei keinem Hub angemeldet. Bitte zuerst: schulinventar enroll --hub URL --code CODE")]
    NotEnrolled,
    #[error(transparent)]
    Core(#[from] CoreError),
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// An operation the hub refused, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedOp {
    pub origin_node: String,
    pub origin_seq: i64,
    pub entity: String,
    pub row_id: String,
    pub code: Option<String>,
    pub reason: String,
}

/// What one `sync` run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncSummary {
    pub hub_node: String,
    /// Operations the hub took that it did not have before.
    pub pushed: usize,
    /// Operations the hub already had.
    pub duplicates: usize,
    /// Operations the hub refused (see `rejected_ops`).
    pub rejected: usize,
    pub rejected_ops: Vec<RejectedOp>,
    /// Operations pulled that were new here.
    pub pulled: usize,
    /// Operations pulled that this replica already had.
    pub pulled_known: usize,
    /// Rows purged here because the hub purged them (garbage collection of tombstones).
    #[serde(default)]
    pub purged: usize,
    /// Rows that could not be written here (the operations are kept).
    pub rows_not_written: Vec<crate::Rejected>,
    /// Open conflicts after the sync.
    pub conflicts: usize,
    pub push_pages: usize,
    pub pull_pages: usize,
    /// The hub's cursor this replica has pulled up to.
    pub cursor: i64,
    /// A warning about this device's clock, if it looks wrong.
    pub clock_warning: Option<String>,
}

/// What a replica knows about its hub sync without asking the hub (for a status display).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalStatus {
    pub enrolled: bool,
    pub hub_url: Option<String>,
    pub hub_node: Option<String>,
    /// End of the last sync that went through (RFC 3339), if any.
    pub last_sync: Option<String>,
    /// Local operations not yet answered by the hub.
    pub pending: usize,
    /// The hub sequence up to which operations are applied here.
    pub cursor: i64,
    /// Open conflicts as of the last sync (0 before the first).
    pub open_conflicts: usize,
}

pub fn local_status(store: &Store) -> Result<LocalStatus> {
    let e = enrolment(store)?;
    Ok(LocalStatus {
        enrolled: e.is_some(),
        hub_url: e.as_ref().map(|e| e.url.clone()),
        hub_node: e.as_ref().map(|e| e.hub_node.clone()),
        last_sync: get_meta(store, META_LAST_SYNC)?,
        pending: pending_count(store)?,
        cursor: meta_i64(store, META_PULL)?,
        open_conflicts: get_meta(store, META_CONFLICTS)?.and_then(|v| v.parse().ok()).unwrap_or(0),
    })
}

/// The stored enrolment of this replica.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub url: String,
    pub token: String,
    pub hub_node: String,
}

pub fn get_meta(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(CoreError::from)?)
}

fn set_meta(conn: &rusqlite::Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// This replica's enrolment, if it has one.
pub fn enrolment(store: &Store) -> Result<Option<Enrolment>> {
    let (Some(url), Some(token), Some(hub_node)) =
        (get_meta(store, META_URL)?, get_meta(store, META_TOKEN)?, get_meta(store, META_NODE)?)
    else {
        return Ok(None);
    };
    Ok(Some(Enrolment { url, token, hub_node }))
}

/// The root certificates from the PEM file named by `SCHULINVENTAR_HUB_CA`, if set and readable.
fn custom_roots() -> Option<ureq::tls::RootCerts> {
    let path = std::env::var_os("SCHULINVENTAR_HUB_CA").filter(|p| !p.is_empty())?;
    let pem = std::fs::read(path).ok()?;
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    (!certs.is_empty()).then(|| ureq::tls::RootCerts::new_with_certs(&certs))
}

fn normalize_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

/// A blocking connection to one hub.
pub struct HubClient {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl HubClient {
    /// A client for the hub at `url`. HTTPS certificates are checked against the usual public
    /// roots, or, when `SCHULINVENTAR_HUB_CA` names a PEM file, against the certificates in it
    /// (a department's own CA or a self-signed hub certificate).
    pub fn new(url: &str, token: Option<String>) -> HubClient {
        HubClient::with_timeouts(url, token, Duration::from_secs(10), Duration::from_secs(300))
    }

    /// A client that gives up connecting after `connect` and on any request after `total`
    /// (a quick reachability check, say).
    pub fn with_timeouts(url: &str, token: Option<String>, connect: Duration, total: Duration) -> HubClient {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(connect))
            .timeout_global(Some(total));
        if let Some(roots) = custom_roots() {
            config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        HubClient { base: normalize_url(url), token, agent: config.build().into() }
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> ClientError {
        ClientError::Unreachable { url: self.base.clone(), detail: e.to_string() }
    }

    fn answer<T: serde::de::DeserializeOwned>(
        &self,
        resp: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T> {
        let mut resp = resp.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(1 << 30);
        if (200..300).contains(&status) {
            return body.read_json::<T>().map_err(|e| self.unreachable(e));
        }
        let text = body.read_to_string().unwrap_or_default();
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(e) => Err(ClientError::Refused { status, code: e.code, message: e.error }),
            Err(_) => Err(ClientError::Refused {
                status,
                code: "http".into(),
                message: format!("Der Hub antwortet mit Status {status}: {}", text.trim()),
            }),
        }
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token.as_deref().unwrap_or(""))
    }

    pub fn health(&self) -> Result<Health> {
        self.answer(self.agent.get(format!("{}/v1/health", self.base)).call())
    }

    pub fn enroll(&self, code: &str, device_name: &str) -> Result<EnrollResponse> {
        let req = EnrollRequest { code: code.to_owned(), device_name: device_name.to_owned() };
        self.answer(self.agent.post(format!("{}/v1/enroll", self.base)).send_json(&req))
    }

    pub fn status(&self) -> Result<StatusResponse> {
        self.answer(self.agent.get(format!("{}/v1/status", self.base)).header("Authorization", self.bearer()).call())
    }

    pub fn push(&self, ops: &[Op]) -> Result<PushResponse> {
        let req = PushRequest { ops: ops.to_vec() };
        self.answer(
            self.agent.post(format!("{}/v1/push", self.base)).header("Authorization", self.bearer()).send_json(&req),
        )
    }

    pub fn pull(&self, after: i64, limit: usize) -> Result<PullResponse> {
        self.answer(
            self.agent
                .get(format!("{}/v1/pull?after={after}&limit={limit}", self.base))
                .header("Authorization", self.bearer())
                .call(),
        )
    }
}

/// Exchanges a one-time enrolment code for a device token and stores hub address and token in
/// this replica's meta table. A new enrolment starts both cursors afresh.
pub fn enroll(store: &mut Store, url: &str, code: &str, device_name: &str) -> Result<EnrollResponse> {
    let client = HubClient::new(url, None);
    let resp = client.enroll(code, device_name)?;
    let url = normalize_url(url);
    store.write(None, |w| {
        let conn = w.read();
        set_meta(conn, META_URL, &url)?;
        set_meta(conn, META_TOKEN, &resp.token)?;
        set_meta(conn, META_NODE, &resp.hub_node)?;
        conn.execute("DELETE FROM meta WHERE key IN (?1, ?2, ?3)", [META_PULL, META_PUSH, META_LAST_SYNC])?;
        Ok(())
    })?;
    Ok(resp)
}

fn hub_source_name(hub_node: &str) -> String {
    format!("hub:{hub_node}")
}

/// Local operations after `after_seq` that did not come from this hub, at most `limit`, and how
/// far the log was looked through (a local sequence): the last of them, or the end of
/// the log when fewer than `limit` are pending (what follows them all came from this hub). Both
/// are read in one snapshot, so an operation written meanwhile is not passed over.
fn pending_ops(store: &Store, hub_node: &str, after_seq: i64, limit: usize) -> Result<(Vec<Op>, i64)> {
    let snapshot = store.conn().unchecked_transaction().map_err(CoreError::from)?;
    let mut stmt = snapshot
        .prepare_cached(
            "SELECT c.seq, c.origin_node, c.origin_seq, c.hlc, c.entity, c.row_id, c.fields, c.prev, c.author,
                    c.schema_version, c.reason
             FROM change_log c LEFT JOIN change_sources s ON s.id = c.source_id
             WHERE c.seq > ?1 AND coalesce(s.kind = 'sync' AND s.file_name = ?2, 0) = 0
             ORDER BY c.seq LIMIT ?3",
        )
        .map_err(CoreError::from)?;
    let rows = stmt
        .query_map(params![after_seq, hub_source_name(hub_node), limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })
        .map_err(CoreError::from)?;
    let mut out = Vec::new();
    let mut last = after_seq;
    for row in rows {
        let (seq, origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, reason) =
            row.map_err(CoreError::from)?;
        let fields: Map<String, Value> = serde_json::from_str(&fields).map_err(CoreError::from)?;
        let prev: Map<String, Value> = serde_json::from_str(&prev).map_err(CoreError::from)?;
        out.push(Op { origin_node, origin_seq, hlc, entity, row_id, fields, prev, author, schema_version, reason });
        last = seq;
    }
    drop(stmt);
    let end = if out.len() >= limit {
        last
    } else {
        snapshot
            .query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| r.get::<_, i64>(0))
            .map_err(CoreError::from)?
            .max(after_seq)
    };
    Ok((out, end))
}

fn meta_i64(store: &Store, key: &str) -> Result<i64> {
    Ok(get_meta(store, key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// How many local operations wait to be pushed to the enrolled hub.
pub fn pending_count(store: &Store) -> Result<usize> {
    let Some(e) = enrolment(store)? else { return Ok(0) };
    let after = meta_i64(store, META_PUSH)?;
    let n: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM change_log c LEFT JOIN change_sources s ON s.id = c.source_id
             WHERE c.seq > ?1 AND coalesce(s.kind = 'sync' AND s.file_name = ?2, 0) = 0",
            params![after, hub_source_name(&e.hub_node)],
            |r| r.get(0),
        )
        .map_err(CoreError::from)?;
    Ok(n as usize)
}

/// Pushes every pending operation, then pulls until the hub has nothing more. `url` overrides
/// the stored hub address (the token stays the one from enrolment).
pub fn sync(store: &mut Store, url: Option<&str>, page: usize) -> Result<SyncSummary> {
    sync_with_progress(store, url, page, &mut |_| {})
}

/// How far a sync run has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SyncProgress {
    /// The hub has answered for `sent` of the `total` operations pending here.
    Push { sent: usize, total: usize },
    /// `received` operations from the hub are applied here. Of the hub's sequence between
    /// where this pull started and the newest entry the hub reported, `done` of `total` are
    /// covered; `total` is `None` from a hub that does not report it.
    Pull { received: usize, done: i64, total: Option<i64> },
}

impl SyncProgress {
    /// How far this direction has come in whole percent; `None` for a pull from a hub that does
    /// not report its head.
    pub fn percent(&self) -> Option<u32> {
        match *self {
            SyncProgress::Push { sent, total } => Some(schulinventar_core::percent(sent as u64, total as u64)),
            SyncProgress::Pull { done, total, .. } => {
                total.map(|t| schulinventar_core::percent(done.max(0) as u64, t.max(0) as u64))
            }
        }
    }
}

/// [`sync`], telling `progress` after every page pushed and every write of pulled pages.
pub fn sync_with_progress(
    store: &mut Store,
    url: Option<&str>,
    page: usize,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncSummary> {
    let enrolled = enrolment(store)?.ok_or(ClientError::NotEnrolled)?;
    let url = url.map(normalize_url).unwrap_or(enrolled.url.clone());
    let client = HubClient::new(&url, Some(enrolled.token.clone()));
    let page = page.clamp(1, MAX_PULL);
    let mut summary = SyncSummary { hub_node: enrolled.hub_node.clone(), ..Default::default() };
    // The cursors belong to one hub: refuse another one answering at this address.
    let health = client.health()?;
    if health.hub_node != enrolled.hub_node {
        return Err(ClientError::Refused {
            status: 200,
            code: "other_hub".into(),
            message: format!(
                "Unter {url} läuft ein anderer Hub ({}) als der, bei dem dieses Gerät angemeldet ist ({}). \
                 Bitte die Adresse prüfen oder das Gerät neu anmelden.",
                health.hub_node, enrolled.hub_node
            ),
        });
    }

    // Push.
    let mut after = meta_i64(store, META_PUSH)?;
    // Counted when the first page is full: counting walks the log past `after` once more, which
    // after an initial sync holds everything pulled (the cursor moves past it on this push).
    let mut push_total: Option<usize> = None;
    let mut sent = 0;
    for _ in 0..MAX_ROUNDS {
        // The push cursor also moves past operations that came from this hub, so that the next
        // sync does not look through them again.
        let (pending, last) = pending_ops(store, &enrolled.hub_node, after, page)?;
        let done = pending.is_empty();
        if !done {
            let total = match push_total {
                Some(t) => t,
                None => {
                    let t = if pending.len() < page { pending.len() } else { pending_count(store)? };
                    progress(SyncProgress::Push { sent, total: t });
                    t
                }
            };
            push_page(&client, &pending, &mut summary)?;
            // Operations made here while the sync runs are pushed by it too.
            sent += pending.len();
            push_total = Some(total.max(sent));
            progress(SyncProgress::Push { sent, total: total.max(sent) });
        }
        if last > after {
            store.write(None, |w| Ok(set_meta(w.read(), META_PUSH, &last.to_string())?))?;
            after = last;
        }
        if done {
            break;
        }
    }

    // Pull. The open conflicts change only on rows that pulled operations touch (local changes
    // went to the hub above: none pushed means the stored count still holds for what is here).
    // For a few rows, their conflicts before and after are counted instead of the whole log.
    let stored_count: Option<usize> = get_meta(store, META_CONFLICTS)?.and_then(|v| v.parse().ok());
    let mut recount =
        RowRecount::new(store, stored_count.filter(|_| summary.pushed + summary.duplicates + summary.rejected == 0))?;
    let mut cursor = meta_i64(store, META_PULL)?;
    let source_name = hub_source_name(&enrolled.hub_node);
    // The next pages are fetched while earlier ones are applied: on a slow link the transfer, on
    // a fast one the hub's and the decoder's work, overlap with the writes here. Pages are
    // applied in order; those already received when a write starts go into it together (up to
    // PAGES_PER_WRITE), each write with the cursor of its last page. Every commit writes out
    // each database page the write changed, and on a fresh replica one page of operations
    // changes index pages all over: fewer, larger writes save most of that. Pages received
    // before a dropped connection are still written.
    let pulled = std::thread::scope(|scope| -> Result<()> {
        let (pages, received) = std::sync::mpsc::sync_channel::<Result<PullResponse>>(PAGES_PER_WRITE);
        let client = &client;
        let start = cursor;
        // The newest hub sequence any page reported.
        let mut head: Option<i64> = None;
        scope.spawn(move || {
            let mut at = start;
            for _ in 0..MAX_ROUNDS {
                let resp = client.pull(at, page);
                let next = match &resp {
                    Ok(r) if r.more && r.next >= at => Some(r.next),
                    _ => None,
                };
                // A closed channel: the sync stopped (an error while applying).
                if pages.send(resp).is_err() {
                    return;
                }
                match next {
                    Some(n) => at = n,
                    None => return,
                }
            }
        });
        while let Ok(first) = received.recv() {
            let arrived = std::iter::once(first)
                .chain(std::iter::from_fn(|| received.try_recv().ok()).take(PAGES_PER_WRITE - 1))
                .collect::<Vec<_>>();
            // The pages in order up to the first failure.
            let mut batch: Vec<PullResponse> = Vec::with_capacity(arrived.len());
            let mut failure: Option<ClientError> = None;
            for resp in arrived {
                let held = batch.last().map_or(cursor, |p| p.next);
                match resp {
                    Ok(resp) if resp.next >= held => batch.push(resp),
                    Ok(resp) => {
                        failure = Some(ClientError::Refused {
                            status: 200,
                            code: "protocol".into(),
                            message: format!(
                                "Der Hub meldet einen älteren Stand ({}) als den schon übernommenen ({held}). \
                                 Wurde der Hub aus einer Sicherung wiederhergestellt? Bitte neu anmelden.",
                                resp.next
                            ),
                        });
                        break;
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            summary.pull_pages += batch.len();
            // What arrived before a failure is applied first: it is not fetched again.
            let last = batch.last().map_or(cursor, |p| p.next);
            if batch.iter().any(|p| !p.ops.is_empty() || !p.purges.is_empty()) || last != cursor {
                let source = batch.iter().any(|p| !p.ops.is_empty()).then(|| Source {
                    kind: "sync",
                    file_name: Some(source_name.clone()),
                    sha256: None,
                });
                for resp in &batch {
                    if !resp.purges.is_empty() {
                        // Purged rows take their conflicts with them: count the whole log afterwards.
                        recount.base = None;
                    }
                    recount.before_page(store, &resp.ops)?;
                }
                // A pull of more than one page writes a lot: checkpoints run beside its writes
                // from here on (see `checkpoint_in_background`). A small one leaves them to SQLite,
                // which only checkpoints once the WAL has grown, instead of a thread to wait for.
                if batch.len() > 1 || batch.last().is_some_and(|p| p.more) {
                    store.checkpoint_in_background(true)?;
                }
                let (reports, purged) = store.write(source, |w| {
                    let mut reports = Vec::with_capacity(batch.len());
                    let mut purged = 0;
                    for resp in &batch {
                        // The hub purged these rows: none of the page's operations touch them.
                        purged += w.purge_rows(resp.purges.iter().map(|p| (p.entity.as_str(), p.row_id.as_str())))?;
                        reports.push(w.apply_remote(&resp.ops)?);
                    }
                    set_meta(w.read(), META_PULL, &last.to_string())?;
                    Ok((reports, purged))
                })?;
                summary.purged += purged;
                for report in reports {
                    summary.pulled += report.applied;
                    summary.pulled_known += report.skipped;
                    summary.rows_not_written.extend(report.rejected);
                }
                cursor = last;
                head = batch.iter().filter_map(|p| p.head).chain(head).max();
                let total = head.map(|h| h.max(cursor) - start);
                // The cursor stops at the last operation in this device's scope; the rest of
                // the hub's sequence up to its head holds nothing for it.
                let finished = failure.is_none() && batch.last().is_some_and(|p| !p.more);
                let done = match total {
                    Some(t) if finished => t,
                    _ => cursor - start,
                };
                progress(SyncProgress::Pull { received: summary.pulled + summary.pulled_known, done, total });
            }
            if let Some(e) = failure {
                return Err(e);
            }
        }
        Ok(())
    });
    // Also after a failed pull; its error comes first.
    let stopped = store.checkpoint_in_background(false);
    pulled?;
    stopped?;
    summary.cursor = cursor;
    // Listing conflicts scans the whole change log. Their number changes only with new
    // operations here, and every local one (a resolution, an import, a bundle) is pushed by
    // the next sync: a run that moved nothing either way reuses the last count, one that only
    // pulled operations for a few rows recounts those rows.
    let moved = summary.pushed + summary.duplicates + summary.rejected + summary.pulled + summary.pulled_known > 0;
    summary.conflicts = match (stored_count, recount.finish(store)?) {
        (Some(n), _) if !moved => n,
        (_, Some(n)) => n,
        _ => crate::conflicts::list(store)?.into_iter().filter(|c| c.open).count(),
    };
    let done = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store.write(None, |w| {
        set_meta(w.read(), META_LAST_SYNC, &done)?;
        Ok(set_meta(w.read(), META_CONFLICTS, &summary.conflicts.to_string())?)
    })?;
    Ok(summary)
}

/// Pushes one page of pending operations and counts the hub's answers in `summary`.
fn push_page(client: &HubClient, ops: &[Op], summary: &mut SyncSummary) -> Result<()> {
    let resp = client.push(ops)?;
    summary.push_pages += 1;
    check_clock(&resp.hub_time, summary);
    for (op, r) in ops.iter().zip(&resp.results) {
        match r.status {
            OpStatus::Accepted => summary.pushed += 1,
            OpStatus::Duplicate => summary.duplicates += 1,
            OpStatus::Rejected => {
                summary.rejected += 1;
                if r.code.as_deref() == Some("future") && summary.clock_warning.is_none() {
                    summary.clock_warning = Some(
                        "Der Hub lehnt Änderungen ab, deren Zeitstempel weit in der Zukunft liegt. \
                         Bitte Datum und Uhrzeit dieses Geräts prüfen."
                            .into(),
                    );
                }
                summary.rejected_ops.push(RejectedOp {
                    origin_node: op.origin_node.clone(),
                    origin_seq: op.origin_seq,
                    entity: op.entity.clone(),
                    row_id: op.row_id.clone(),
                    code: r.code.clone(),
                    reason: r.reason.clone().unwrap_or_default(),
                });
            }
        }
    }
    if resp.results.len() != ops.len() {
        return Err(ClientError::Refused {
            status: 200,
            code: "protocol".into(),
            message: format!(
                "Der Hub hat {} von {} Änderungen beantwortet; der Abgleich wird abgebrochen.",
                resp.results.len(),
                ops.len()
            ),
        });
    }
    Ok(())
}

/// Pages received from the hub that one write applies together, at most; as many are fetched
/// ahead.
const PAGES_PER_WRITE: usize = 16;

/// Rows pulled operations touched beyond which the whole change log is recounted instead.
const RECOUNT_ROWS: usize = 2_000;

/// The open-conflict count carried through a pull: the last count, less the open conflicts the
/// touched rows had before their first page was applied, plus what they have at the end.
struct RowRecount {
    /// The count before the pull; `None` once counting by rows is given up.
    base: Option<usize>,
    before: usize,
    touched: std::collections::BTreeSet<(String, String)>,
}

impl RowRecount {
    /// Hidden duplicates may change on rows no pulled operation names (a row giving way to an
    /// older one), so they are counted whole, before and after.
    fn new(store: &Store, base: Option<usize>) -> Result<RowRecount> {
        let before = if base.is_some() { crate::conflicts::open_duplicates(store)? } else { 0 };
        Ok(RowRecount { base, before, touched: Default::default() })
    }

    /// Counts the open conflicts of the rows this page touches for the first time.
    fn before_page(&mut self, store: &Store, ops: &[Op]) -> Result<()> {
        if self.base.is_none() {
            return Ok(());
        }
        let new: std::collections::BTreeSet<(String, String)> = ops
            .iter()
            .map(|op| (op.entity.clone(), op.row_id.clone()))
            .filter(|row| !self.touched.contains(row))
            .collect();
        if self.touched.len() + new.len() > RECOUNT_ROWS {
            self.base = None;
            return Ok(());
        }
        self.before += crate::conflicts::open_on_rows(store, new.iter().map(|(e, r)| (e.as_str(), r.as_str())))?;
        self.touched.extend(new);
        Ok(())
    }

    /// The count after the pull, or `None` where the whole log has to be counted.
    fn finish(&self, store: &Store) -> Result<Option<usize>> {
        let Some(base) = self.base else { return Ok(None) };
        let after = crate::conflicts::open_on_rows(store, self.touched.iter().map(|(e, r)| (e.as_str(), r.as_str())))?
            + crate::conflicts::open_duplicates(store)?;
        Ok(Some((base + after).saturating_sub(self.before)))
    }
}

/// Warns when this device's clock and the hub's differ by more than five minutes.
fn check_clock(hub_time: &str, summary: &mut SyncSummary) {
    if summary.clock_warning.is_some() {
        return;
    }
    let Ok(hub) = chrono::DateTime::parse_from_rfc3339(hub_time) else { return };
    // This replica's clock, as its timestamps see it (see `clock_offset_secs`).
    let now = chrono::Utc::now() + chrono::Duration::seconds(schulinventar_core::clock::clock_offset_secs());
    let diff = now.signed_duration_since(hub).num_seconds();
    if diff.abs() > 300 {
        let dir = if diff > 0 { "vor" } else { "nach" };
        summary.clock_warning = Some(format!(
            "Die Uhr dieses Geräts geht gegenüber dem Hub um etwa {} Minuten {dir}. Bitte Datum und Uhrzeit prüfen.",
            diff.abs() / 60
        ));
    }
}
