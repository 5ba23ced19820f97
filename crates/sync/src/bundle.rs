//! Bundles: a replica's operations in one file, carried on a USB stick to a replica without a
//! network. Layout: the magic line, the SHA-256 of the payload (32 bytes), the ed25519 signature
//! of the payload by the exporting replica's key (64 bytes), then the payload: gzip-compressed
//! JSON with a header (format and schema version, origin, its public key, per-node sequence
//! ranges) and the operations. Import checks everything before it applies anything, and applies
//! in one transaction; importing a bundle twice changes nothing.
//!
//! Acknowledgement: a bundle also carries the exporting replica's whole version vector (`have`).
//! Importing it records that vector as acknowledged by that replica (meta key `sync_ack:NODE`,
//! only ever growing). [`since_ack`] is what every replica heard from so far holds, so an export
//! beyond it leaves out only operations all of them already have. Because such a bundle does not
//! start at sequence 1, import refuses a bundle that would leave a gap in an origin's sequence.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use schulinventar_core::apply::ApplyProgress;
use schulinventar_core::{CoreError, Result, Source, Store, SCHEMA_VERSION};

use crate::{ApplyReport, Op, VersionVector};

pub const MAGIC: &[u8] = b"SCHULINVENTAR-BUNDLE\n";
pub const FORMAT: u32 = 1;
/// Largest payload accepted after decompression.
const MAX_JSON: u64 = 2 << 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub schema_version: i64,
    pub origin: String,
    /// The exporting replica's ed25519 public key, hex.
    pub public_key: String,
    pub created_at: String,
    /// Per origin node the first and last sequence number the bundle holds.
    pub ranges: BTreeMap<String, (i64, i64)>,
    pub ops: usize,
    /// The exporting replica's version vector: everything it held when it wrote the bundle.
    #[serde(default)]
    pub have: VersionVector,
    /// Rows the exporting replica purged (garbage collection of tombstones). Their operations
    /// are missing from the bundle, so an origin's sequence may have gaps; the importer purges
    /// the same rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purged: Vec<schulinventar_core::purge::PurgedRow>,
    /// The version vector the bundle was written from: it holds every operation after it but
    /// those of purged rows. An importer needs everything up to it. Absent from older bundles
    /// (then the first operation per origin tells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<VersionVector>,
}

#[derive(Serialize, Deserialize)]
struct Body {
    header: Header,
    ops: Vec<Op>,
}

fn refused(message: impl Into<String>) -> CoreError {
    CoreError::InvalidArgument { message: message.into(), field: None }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// This replica's signing key, created on first use and kept in the database's meta table.
pub fn signing_key(store: &Store) -> Result<SigningKey> {
    let conn = store.conn();
    let stored: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'sync_signing_key'", [], |r| r.get(0)).optional()?;
    if let Some(k) = stored.as_deref().and_then(unhex::<32>) {
        return Ok(SigningKey::from_bytes(&k));
    }
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('sync_signing_key', ?1)", [hex(&key.to_bytes())])?;
    Ok(key)
}

/// Writes the operations a replica at `since` lacks (all of them for an empty vector) to `out`.
pub fn export(store: &Store, since: &VersionVector, out: &Path) -> Result<Header> {
    let key = signing_key(store)?;
    let ops = store.ops_since(since, usize::MAX >> 1)?;
    let mut ranges: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for op in &ops {
        let r = ranges.entry(op.origin_node.clone()).or_insert((op.origin_seq, op.origin_seq));
        r.0 = r.0.min(op.origin_seq);
        r.1 = r.1.max(op.origin_seq);
    }
    let header = Header {
        format: FORMAT,
        schema_version: SCHEMA_VERSION,
        origin: store.node_id().to_owned(),
        public_key: hex(key.verifying_key().as_bytes()),
        created_at: chrono::Utc::now().to_rfc3339(),
        ranges,
        ops: ops.len(),
        have: store.version_vector()?,
        purged: store.purged_rows()?,
        since: Some(since.clone()),
    };
    let body = Body { header: header.clone(), ops };
    // The serializer writes a few bytes at a time; the encoder handles each write with a whole
    // output buffer, so it is given large pieces instead.
    let mut gz = std::io::BufWriter::with_capacity(
        1 << 16,
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()),
    );
    serde_json::to_writer(&mut gz, &body)?;
    let payload = gz.into_inner().map_err(|e| e.into_error())?.finish()?;
    let sum = Sha256::digest(&payload);
    let sig = key.sign(&payload);
    let tmp = out.with_extension("part");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&sum)?;
        f.write_all(&sig.to_bytes())?;
        f.write_all(&payload)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, out)?;
    Ok(header)
}

/// Reads and verifies a bundle without applying it: magic, checksum, signature, the origin's
/// known key, the operations against the header.
pub fn read(store: &Store, file: &Path) -> Result<(Header, Vec<Op>, String)> {
    let name = file.display();
    let bytes = std::fs::read(file)?;
    let Some(rest) = bytes.strip_prefix(MAGIC) else {
        return Err(refused(format!("„{name}“ ist kein Schulinventar-Paket.")));
    };
    if rest.len() < 32 + 64 {
        return Err(refused(format!("Das Paket „{name}“ ist unvollständig (abgeschnitten).")));
    }
    let (sum, rest) = rest.split_at(32);
    let (sig, payload) = rest.split_at(64);
    let actual = Sha256::digest(payload);
    if actual.as_slice() != sum {
        return Err(refused(format!(
            "Die Prüfsumme des Pakets „{name}“ stimmt nicht: die Datei ist beschädigt, abgeschnitten oder verändert."
        )));
    }
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(payload)
        .take(MAX_JSON)
        .read_to_end(&mut json)
        .map_err(|e| refused(format!("Das Paket „{name}“ lässt sich nicht entpacken: {e}.")))?;
    let body: Body = serde_json::from_slice(&json)
        .map_err(|e| refused(format!("Der Inhalt des Pakets „{name}“ ist fehlerhaft: {e}.")))?;
    let h = body.header;
    if h.format != FORMAT {
        return Err(refused(format!("Das Paket „{name}“ hat das unbekannte Format {}.", h.format)));
    }
    let key = unhex::<32>(&h.public_key)
        .and_then(|k| VerifyingKey::from_bytes(&k).ok())
        .ok_or_else(|| refused(format!("Das Paket „{name}“ enthält keinen gültigen Schlüssel.")))?;
    let sig =
        Signature::from_slice(sig).map_err(|_| refused(format!("Die Signatur des Pakets „{name}“ ist ungültig.")))?;
    if key.verify(payload, &sig).is_err() {
        return Err(refused(format!(
            "Die Signatur des Pakets „{name}“ ist ungültig: es stammt nicht vom angegebenen Gerät."
        )));
    }
    let known: Option<String> = store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [format!("sync_key:{}", h.origin)], |r| r.get(0))
        .optional()?;
    if known.as_deref().is_some_and(|k| k != h.public_key) {
        return Err(refused(format!(
            "Das Paket „{name}“ ist mit einem anderen Schlüssel signiert als bisher von Gerät {} bekannt.",
            h.origin
        )));
    }
    let mut ranges: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for op in &body.ops {
        let r = ranges.entry(op.origin_node.clone()).or_insert((op.origin_seq, op.origin_seq));
        r.0 = r.0.min(op.origin_seq);
        r.1 = r.1.max(op.origin_seq);
    }
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for op in &body.ops {
        *counts.entry(op.origin_node.as_str()).or_default() += 1;
    }
    let gapless = ranges.iter().all(|(node, (first, last))| counts.get(node.as_str()) == Some(&(last - first + 1)));
    let schema_ok =
        h.schema_version >= 1 && body.ops.iter().all(|op| (1..=h.schema_version).contains(&op.schema_version));
    // Purged rows leave holes in the sequence; the exporter says which rows it purged.
    let gapless = gapless || !h.purged.is_empty();
    if ranges != h.ranges || body.ops.len() != h.ops || !gapless || !schema_ok {
        return Err(refused(format!("Die Operationen im Paket „{name}“ passen nicht zu seinem Kopf.")));
    }
    let mine = store.version_vector()?;
    for (node, (first, _)) in &h.ranges {
        let held = mine.get(node).copied().unwrap_or(0);
        // The first operation may come after a gap the exporter's purges left: what is needed
        // is what the bundle was written from.
        let needed = match &h.since {
            Some(since) => since.get(node).copied().unwrap_or(0),
            None => first - 1,
        };
        if needed > held {
            return Err(refused(format!(
                "Das Paket „{name}“ setzt Operationen von Gerät {node} voraus, die hier fehlen (Nr. {} bis {needed}). Bitte zuerst das frühere Paket einlesen oder ein vollständiges Paket (ohne --since-ack) erstellen.",
                held + 1,
            )));
        }
    }
    Ok((h, body.ops, hex(&actual)))
}

/// Verifies a bundle completely, then applies its operations in one transaction.
pub fn import(store: &mut Store, file: &Path) -> Result<(Header, ApplyReport)> {
    import_with_progress(store, file, &mut |_| {})
}

/// How far a bundle import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// The file is read and checked (checksum, signature, header) before anything is written.
    Check,
    /// The operations are applied, in one transaction.
    Apply(ApplyProgress),
}

/// [`import`], telling `progress` about the check and then the apply.
pub fn import_with_progress(
    store: &mut Store,
    file: &Path,
    progress: &mut dyn FnMut(ImportStep),
) -> Result<(Header, ApplyReport)> {
    progress(ImportStep::Check);
    let (header, ops, sum) = read(store, file)?;
    let source = Source {
        kind: "bundle",
        file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
        sha256: Some(sum),
    };
    // A replica's own bundle read back acknowledges nothing.
    let from_peer = header.origin != store.node_id();
    // A large bundle is one large write: its checkpoint runs beside the store, which then gets
    // the WAL file's space back (see `Store::checkpoint_in_background`).
    let large = ops.len() > crate::PAGE;
    if large {
        store.checkpoint_in_background(true)?;
    }
    // Nothing new (a re-import): nothing is kept, not even the record of the source.
    let report = store.write_if(Some(source), |w| {
        w.read().execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)",
            [format!("sync_key:{}", header.origin), header.public_key.clone()],
        )?;
        let purged = w.purge_rows(header.purged.iter().map(|p| (p.entity.as_str(), p.row_id.as_str())))?;
        let r = w.apply_remote_reporting(&ops, &mut |p| progress(ImportStep::Apply(p)))?;
        let acked = from_peer && record_ack(w.read(), &header.origin, &header.have)?;
        let keep = r.applied > 0 || acked || purged > 0;
        Ok((r, keep))
    });
    // Also after a failed import; its error comes first.
    let stopped = if large {
        // Freeing a large bundle's operations (every field a map of its own) takes a fifth of
        // a second for the municipality demo: the caller need not wait for that.
        std::thread::spawn(move || drop(ops));
        store.checkpoint_in_background(false)
    } else {
        Ok(())
    };
    let report = report?;
    stopped?;
    Ok((header, report))
}

fn ack_key(node: &str) -> String {
    format!("sync_ack:{node}")
}

/// Merges `have` into what `node` is recorded to hold (the per-node maximum). True if that grew.
fn record_ack(conn: &rusqlite::Connection, node: &str, have: &VersionVector) -> Result<bool> {
    let stored: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [ack_key(node)], |r| r.get(0)).optional()?;
    let mut ack: VersionVector = match stored {
        Some(s) => serde_json::from_str(&s)?,
        None => VersionVector::new(),
    };
    let mut grew = false;
    for (n, seq) in have {
        let slot = ack.entry(n.clone()).or_insert(0);
        if *seq > *slot {
            *slot = *seq;
            grew = true;
        }
    }
    if grew {
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            [ack_key(node), serde_json::to_string(&ack)?],
        )?;
    }
    Ok(grew)
}

/// Per replica this one has imported a bundle from, the version vector it acknowledged.
pub fn acknowledged(store: &Store) -> Result<BTreeMap<String, VersionVector>> {
    let mut stmt =
        store.conn().prepare("SELECT substr(key, 10), value FROM meta WHERE substr(key, 1, 9) = 'sync_ack:'")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (node, value) = row?;
        out.insert(node, serde_json::from_str(&value)?);
    }
    Ok(out)
}

/// What every replica this one has heard from acknowledged: per origin node the smallest
/// sequence all of them hold. `None` when no replica has acknowledged anything yet (then a
/// bundle has to carry everything).
pub fn since_ack(store: &Store) -> Result<Option<VersionVector>> {
    let acks = acknowledged(store)?;
    let Some(first) = acks.values().next() else { return Ok(None) };
    let mut common = first.clone();
    for ack in acks.values().skip(1) {
        common.retain(|node, seq| {
            *seq = (*seq).min(ack.get(node).copied().unwrap_or(0));
            *seq > 0
        });
    }
    Ok(Some(common))
}
