//! `schulinventar hub serve`, `enroll` and `sync`: the real binary as hub and as laptops, real
//! database files, loopback only. Includes the fault tests: the hub killed mid-push and
//! mid-pull, the client killed mid-pull, a connection cut mid-pull.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

struct Hub {
    child: Child,
    url: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct World {
    dir: TempDir,
}

impl World {
    fn new() -> World {
        World { dir: tempfile::tempdir().unwrap() }
    }

    fn hub_dir(&self) -> PathBuf {
        self.dir.path().join("hub")
    }

    fn db(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.sqlite"))
    }

    /// Starts `hub serve` on a free port and reads the address from its first line.
    fn serve(&self) -> Hub {
        let mut child = std::process::Command::cargo_bin("schulinventar")
            .unwrap()
            .args(["hub", "serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(self.hub_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url =
            line.trim().strip_prefix("Hub läuft auf ").unwrap_or_else(|| panic!("first line: {line:?}")).to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Hub { child, url }
    }

    fn code(&self, role: &str, schools: &[&str]) -> String {
        let mut c = Command::cargo_bin("schulinventar").unwrap();
        c.args(["hub", "enroll", "--role", role, "--data"]).arg(self.hub_dir());
        for s in schools {
            c.args(["--school", s]);
        }
        let out = c.assert().success().get_output().stdout.clone();
        let code = String::from_utf8(out).unwrap().trim().to_owned();
        assert_eq!(code.len(), 14, "{code}");
        code
    }

    fn cli(&self, name: &str) -> Command {
        let mut c = Command::cargo_bin("schulinventar").unwrap();
        c.arg("--db").arg(self.db(name));
        c.env_remove("SCHULINVENTAR_DB");
        c.env("SCHULINVENTAR_AUTHOR", format!("admin.{name}"));
        c
    }

    fn enroll(&self, name: &str, hub: &Hub, role: &str, schools: &[&str]) {
        let code = self.code(role, schools);
        self.cli(name)
            .args(["enroll", "--hub", &hub.url, "--code", &code, "--name", name])
            .assert()
            .success()
            .stdout(predicate::str::contains("Angemeldet beim Hub"));
    }

    fn sync(&self, name: &str, url: &str) -> Value {
        let out = self.cli(name).args(["sync", "--json", "--hub", url]).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap()
    }

    fn digest(&self, name: &str) -> String {
        let out = self.cli(name).arg("digest").assert().success().get_output().stdout.clone();
        String::from_utf8(out).unwrap().trim().to_owned()
    }

    fn json(&self, name: &str, args: &[&str]) -> Value {
        serde_json::from_slice(&self.cli(name).args(args).assert().success().get_output().stdout).unwrap()
    }

    fn count(&self, db: PathBuf, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn log_len(&self, name: &str) -> i64 {
        self.count(self.db(name), "SELECT count(*) FROM change_log")
    }

    /// Operations logged twice: must always be 0.
    fn duplicates(&self, name: &str) -> i64 {
        self.count(
            self.db(name),
            "SELECT count(*) FROM (SELECT 1 FROM change_log GROUP BY origin_node, origin_seq HAVING count(*) > 1)",
        )
    }

    fn hub_ops(&self) -> i64 {
        self.count(self.hub_dir().join("hub.sqlite"), "SELECT count(*) FROM hub_ops")
    }

    fn pull_cursor(&self, name: &str) -> i64 {
        self.count(
            self.db(name),
            "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hub_pull_cursor'), 0)",
        )
    }

    /// Starts a hub and makes laptop `name`: the small demo inventory, enrolled as the
    /// department. Returns the hub and the number of operations the demo logged.
    fn hub_with_demo(&self, name: &str) -> (Hub, i64) {
        let hub = self.serve();
        self.cli(name).args(["demo", "--scale", "small"]).assert().success();
        self.enroll(name, &hub, "department", &[]);
        (hub, self.log_len(name))
    }

    /// A `sync` running in the background with tiny pages, so that it is caught mid-way.
    fn sync_child(&self, name: &str, url: &str, page: usize) -> Child {
        std::process::Command::cargo_bin("schulinventar")
            .unwrap()
            .arg("--db")
            .arg(self.db(name))
            .args(["sync", "--json", "--page", &page.to_string(), "--hub", url])
            .env_remove("SCHULINVENTAR_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn stderr_of(mut child: Child) -> (std::process::ExitStatus, String) {
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status, err)
}

#[test]
fn two_laptops_converge_through_the_hub_and_a_second_sync_is_a_no_op() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);
    let ops = ops as u64;

    let r = w.sync("a", &hub.url);
    assert_eq!(
        (r["pushed"].as_u64(), r["rejected"].as_u64(), r["pulled"].as_u64()),
        (Some(ops), Some(0), Some(0)),
        "{r}"
    );
    let r = w.sync("b", &hub.url);
    assert_eq!((r["pushed"].as_u64(), r["pulled"].as_u64()), (Some(0), Some(ops)), "{r}");
    assert_eq!(r["conflicts"].as_u64(), Some(0));
    assert_eq!(w.digest("a"), w.digest("b"));

    // The second sync finds nothing to do and writes nothing.
    let before = (w.log_len("a"), w.log_len("b"));
    for name in ["a", "b"] {
        let r = w.sync(name, &hub.url);
        assert_eq!(
            (r["pushed"].as_u64(), r["pulled"].as_u64(), r["push_pages"].as_u64()),
            (Some(0), Some(0), Some(0)),
            "{r}"
        );
    }
    assert_eq!((w.log_len("a"), w.log_len("b")), before);
    // Human-readable output, the stored hub address used.
    w.cli("b").arg("sync").assert().success().stdout(predicate::str::contains("0 neu"));
}

#[test]
fn scopes_revocation_and_one_time_codes_through_the_command_line() {
    let w = World::new();
    let (hub, _) = w.hub_with_demo("dept");
    w.sync("dept", &hub.url);
    let schools = w.json("dept", &["list", "schools", "--json"]);
    let schools = schools.as_array().unwrap();
    assert!(schools.len() >= 2);
    let number = schools[0]["school_number"].as_str().unwrap();

    // A school admin gets exactly their school.
    w.enroll("x", &hub, "admin", &[number]);
    w.sync("x", &hub.url);
    let mine = w.json("x", &["list", "schools", "--json"]);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["school_number"], number);
    let devices = w.json("x", &["list", "devices", "--json"]);
    assert!(!devices.as_array().unwrap().is_empty());
    assert!(devices.as_array().unwrap().iter().all(|d| d["school_id"] == mine[0]["id"]));

    // An auditor cannot push.
    w.enroll("aud", &hub, "auditor", &[]);
    w.sync("aud", &hub.url);
    assert_eq!(w.digest("aud"), w.digest("dept"));
    let csv = w.dir.path().join("notiz.csv");
    let inv = devices[0]["inventory_number"].as_str().unwrap();
    std::fs::write(&csv, format!("Inventarnummer;Schulnummer;Notiz\n{inv};{number};Prüfer war hier\n")).unwrap();
    w.cli("aud")
        .args([
            "import",
            csv.to_str().unwrap(),
            "--entity",
            "devices",
            "--key",
            "inventory_number",
            "--map",
            "Notiz=notes",
        ])
        .assert()
        .success();
    w.cli("aud").args(["sync", "--hub", &hub.url]).assert().code(1).stderr(predicate::str::contains("nur lesen"));

    // An enrolment code works once.
    let code = w.code("department", &[]);
    w.cli("c").args(["enroll", "--hub", &hub.url, "--code", &code]).assert().success();
    w.cli("d")
        .args(["enroll", "--hub", &hub.url, "--code", &code])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bereits verwendet"));

    // Revoked: refused with a German message, exit code 1.
    let devices: Value = serde_json::from_slice(
        &Command::cargo_bin("schulinventar")
            .unwrap()
            .args(["hub", "devices", "--json", "--data"])
            .arg(w.hub_dir())
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    let x = devices.as_array().unwrap().iter().find(|d| d["name"] == "x").unwrap();
    Command::cargo_bin("schulinventar")
        .unwrap()
        .args(["hub", "revoke", "--data"])
        .arg(w.hub_dir())
        .arg(x["id"].to_string())
        .assert()
        .success();
    w.cli("x").args(["sync"]).assert().code(1).stderr(predicate::str::contains("gesperrt"));
}

#[test]
fn an_admin_edit_of_another_school_is_rejected_with_a_reason_and_the_rest_is_taken() {
    let w = World::new();
    let (hub, _) = w.hub_with_demo("dept");
    // The admin's laptop holds everything (a copy made by bundle), but may write only school 1.
    let bundle = w.dir.path().join("alles.sibundle");
    w.cli("dept").args(["bundle", "export", "--out", bundle.to_str().unwrap()]).assert().success();
    w.cli("x").args(["bundle", "import", bundle.to_str().unwrap()]).assert().success();
    w.sync("dept", &hub.url);
    let schools = w.json("dept", &["list", "schools", "--json"]);
    let (s1, s2) = (&schools[0], &schools[1]);
    let n1 = s1["school_number"].as_str().unwrap();
    w.enroll("x", &hub, "admin", &[n1]);

    let devices = w.json("x", &["list", "devices", "--json"]);
    let in_school = |s: &Value| devices.as_array().unwrap().iter().find(|d| d["school_id"] == s["id"]).unwrap().clone();
    let (d1, d2) = (in_school(s1), in_school(s2));
    let csv = w.dir.path().join("notizen.csv");
    std::fs::write(
        &csv,
        format!(
            "Inventarnummer;Schulnummer;Notiz\n{};{};eigene Schule\n{};{};fremde Schule\n",
            d1["inventory_number"].as_str().unwrap(),
            n1,
            d2["inventory_number"].as_str().unwrap(),
            s2["school_number"].as_str().unwrap()
        ),
    )
    .unwrap();
    w.cli("x")
        .args([
            "import",
            csv.to_str().unwrap(),
            "--entity",
            "devices",
            "--key",
            "inventory_number",
            "--map",
            "Notiz=notes",
        ])
        .assert()
        .success();

    let out = w.cli("x").args(["sync", "--json"]).assert().code(3).get_output().stdout.clone();
    let r: Value = serde_json::from_slice(&out).unwrap();
    // The bundle's operations the hub already had come back as duplicates; of the two edits,
    // the one in school 1 is taken, the other refused with its reason.
    assert_eq!((r["pushed"].as_u64(), r["rejected"].as_u64()), (Some(1), Some(1)), "{r}");
    let rejected = &r["rejected_ops"][0];
    assert_eq!(rejected["row_id"], d2["id"]);
    assert_eq!(rejected["code"], "scope");
    assert!(
        rejected["reason"].as_str().unwrap().contains(&format!("Schule {}", s2["school_number"].as_str().unwrap())),
        "{r}"
    );

    let r = w.sync("dept", &hub.url);
    assert_eq!(r["pulled"].as_u64(), Some(1));
    let devices = w.json("dept", &["list", "devices", "--json"]);
    let find = |d: &Value| devices.as_array().unwrap().iter().find(|x| x["id"] == d["id"]).unwrap()["notes"].clone();
    assert_eq!(find(&d1), "eigene Schule");
    assert_ne!(find(&d2), "fremde Schule");
}

#[test]
fn sync_shows_its_progress_on_stderr_in_tens_of_percent_and_keeps_stdout_for_the_summary() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);
    let lines = |name: &str| {
        let out = w.cli(name).args(["sync", "--json", "--page", "50", "--hub", &hub.url]).assert().success();
        let out = out.get_output();
        let summary: Value = serde_json::from_slice(&out.stdout).expect("stdout holds the JSON summary alone");
        let err = String::from_utf8(out.stderr.clone()).unwrap();
        (summary, err.lines().map(str::to_owned).collect::<Vec<_>>())
    };
    // The percentage of each line; lines of one direction count up by at least ten.
    let percents = |lines: &[String], prefix: &str| -> Vec<u32> {
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
            .collect()
    };
    let rising = |p: &[u32]| p.windows(2).all(|w| w[1] >= w[0] + 10 || (w[1] == 100 && w[0] < 100));

    let (summary, err) = lines("a");
    assert_eq!(summary["pushed"].as_i64(), Some(ops));
    let sent = percents(&err, "Senden: ");
    assert_eq!(sent.first(), Some(&0), "{err:?}");
    assert_eq!(sent.last(), Some(&100), "{err:?}");
    assert!(sent.len() >= 6 && sent.len() <= 12 && rising(&sent), "{err:?}");
    assert!(err.iter().any(|l| l == &format!("Senden: 100 % ({ops} von {ops} Änderungen)")), "{err:?}");

    let (summary, err) = lines("b");
    assert_eq!(summary["pulled"].as_i64(), Some(ops));
    assert!(percents(&err, "Senden: ").is_empty(), "nothing to send: {err:?}");
    let received = percents(&err, "Empfangen: ");
    assert_eq!(received.last(), Some(&100), "{err:?}");
    assert!(!received.is_empty() && received.len() <= 11 && rising(&received), "{err:?}");
    assert!(err.iter().any(|l| l == &format!("Empfangen: 100 % ({ops} Änderungen)")), "{err:?}");

    // Nothing to do: not a line.
    let (_, err) = lines("b");
    assert!(err.is_empty(), "{err:?}");
}

#[test]
fn the_hub_killed_mid_push_and_mid_pull_then_restarted_loses_and_duplicates_nothing() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);

    // Mid-push: kill the hub (SIGKILL) once it has taken some operations.
    let client = w.sync_child("a", &hub.url, 5);
    wait_until("the first accepted operations", || w.hub_ops() > 0);
    drop(hub);
    let taken = w.hub_ops();
    let (status, err) = stderr_of(client);
    assert_eq!(status.code(), Some(1), "the sync must fail: {err}");
    assert!(err.contains("nicht erreichbar"), "{err}");
    assert!(taken < ops, "killed mid-way: {taken} of {ops}");

    // Restarted on the same data (another port): the push resumes.
    let hub = w.serve();
    let r = w.sync("a", &hub.url);
    assert_eq!(r["pushed"].as_i64(), Some(ops - taken), "{r}");
    assert!(r["duplicates"].as_i64().unwrap() <= 5, "at most the page in flight again: {r}");
    assert_eq!(w.hub_ops(), ops);

    // Mid-pull: kill the hub once b has applied some pages.
    let client = w.sync_child("b", &hub.url, 5);
    wait_until("the first applied page", || w.pull_cursor("b") > 0);
    drop(hub);
    let (status, _) = stderr_of(client);
    assert_eq!(status.code(), Some(1));
    let got = w.log_len("b");
    assert!(got > 0 && got < ops, "killed mid-way: {got} of {ops}");

    let hub = w.serve();
    let r = w.sync("b", &hub.url);
    assert_eq!(r["pulled"].as_i64(), Some(ops - got), "{r}");
    assert_eq!(w.log_len("b"), ops);
    assert_eq!((w.duplicates("a"), w.duplicates("b")), (0, 0));
    assert_eq!(w.digest("a"), w.digest("b"));
    assert_eq!(w.hub_ops(), ops);
}

#[test]
fn a_client_killed_mid_pull_resumes_from_its_last_applied_page() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);
    w.sync("a", &hub.url);

    let mut client = w.sync_child("b", &hub.url, 5);
    wait_until("the first applied page", || w.pull_cursor("b") > 0);
    client.kill().unwrap();
    client.wait().unwrap();
    let got = w.log_len("b");
    assert!(got < ops, "killed mid-way: {got} of {ops}");
    // Whatever was applied, its cursor was stored with it.
    let r = w.sync("b", &hub.url);
    assert_eq!(r["pulled"].as_i64(), Some(ops - got), "{r}");
    assert_eq!(r["pulled_known"].as_i64(), Some(0), "{r}");
    assert_eq!(w.duplicates("b"), 0);
    assert_eq!(w.digest("a"), w.digest("b"));
}

/// A TCP proxy that cuts every connection once `budget` bytes have gone from the hub to the
/// client in total, then lets later connections through untouched.
fn cutting_proxy(upstream: String, budget: usize) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let cut = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let cut2 = cut.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { break };
            let server = TcpStream::connect(upstream.trim_start_matches("http://")).unwrap();
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut s_write);
            });
            let (cut, sent) = (cut2.clone(), sent.clone());
            std::thread::spawn(move || {
                let (mut s_read, mut c_write) = (server, client);
                let mut buf = [0u8; 4096];
                loop {
                    let n = match s_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if !cut.load(Ordering::SeqCst) && sent.fetch_add(n, Ordering::SeqCst) + n > budget {
                        cut.store(true, Ordering::SeqCst);
                        let _ = c_write.write_all(&buf[..n / 2]);
                        let _ = c_write.shutdown(std::net::Shutdown::Both);
                        let _ = s_read.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                    if c_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, cut)
}

#[test]
fn a_connection_cut_mid_pull_is_resumed_by_the_next_sync() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);
    w.sync("a", &hub.url);

    let (proxy, cut) = cutting_proxy(hub.url.clone(), 60_000);
    w.cli("b")
        .args(["sync", "--page", "50", "--hub", &proxy])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nicht erreichbar"));
    assert!(cut.load(Ordering::SeqCst));
    let got = w.log_len("b");
    assert!(got > 0 && got < ops, "cut mid-way: {got} of {ops}");
    assert!(w.pull_cursor("b") > 0);

    let r = w.sync("b", &proxy);
    assert_eq!(r["pulled"].as_i64(), Some(ops - got), "{r}");
    assert_eq!(r["pulled_known"].as_i64(), Some(0), "{r}");
    assert_eq!(w.duplicates("b"), 0);
    assert_eq!(w.digest("a"), w.digest("b"));
}

#[test]
fn wrong_hub_calls_are_explained_in_german() {
    let w = World::new();
    let hub = || {
        let mut c = Command::cargo_bin("schulinventar").unwrap();
        c.arg("hub");
        c
    };
    // An admin code needs a school; the other roles take none.
    hub()
        .args(["enroll", "--role", "admin", "--data"])
        .arg(w.hub_dir())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("mindestens eine Schulnummer"));
    hub()
        .args(["enroll", "--role", "auditor", "--school", "123456", "--data"])
        .arg(w.hub_dir())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nur für die Rolle admin"));
    // A certificate without its key, and an unreadable certificate.
    hub().args(["serve", "--listen", "127.0.0.1:0", "--cert", "fehlt.crt", "--data"]).arg(w.hub_dir()).assert().code(2);
    hub()
        .args(["serve", "--listen", "127.0.0.1:0", "--cert", "fehlt.crt", "--key", "fehlt.key", "--data"])
        .arg(w.hub_dir())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Der Hub kann nicht starten").and(predicate::str::contains("Zertifikat")));
    // Syncing before enrolling.
    w.cli("a").arg("sync").assert().code(1).stderr(predicate::str::contains("bei keinem Hub angemeldet"));
    hub()
        .args(["revoke", "--data"])
        .arg(w.hub_dir())
        .arg("99")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kein Gerät"));
}

#[test]
fn a_connection_cut_mid_push_loses_nothing_and_the_lost_answer_comes_back_as_duplicates() {
    let w = World::new();
    let (hub, ops) = w.hub_with_demo("a");

    // Push answers are small: the cut comes after a few pages, in the middle of an answer.
    let (proxy, cut) = cutting_proxy(hub.url.clone(), 4_000);
    w.cli("a")
        .args(["sync", "--page", "5", "--hub", &proxy])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nicht erreichbar"));
    assert!(cut.load(Ordering::SeqCst));
    let taken = w.hub_ops();
    assert!(taken > 0 && taken < ops, "cut mid-way: {taken} of {ops}");

    let r = w.sync("a", &proxy);
    // The page whose answer was lost is sent again and recognised; nothing is stored twice.
    assert_eq!(r["duplicates"].as_i64(), Some(5), "the one page in flight: {r}");
    assert_eq!(r["pushed"].as_i64(), Some(ops - taken), "{r}");
    assert_eq!(w.hub_ops(), ops);
    let hub_dups = w.count(
        w.hub_dir().join("hub.sqlite"),
        "SELECT count(*) FROM (SELECT 1 FROM change_log GROUP BY origin_node, origin_seq HAVING count(*) > 1)",
    );
    assert_eq!(hub_dups, 0);
    w.enroll("b", &hub, "department", &[]);
    w.sync("b", &hub.url);
    assert_eq!(w.digest("a"), w.digest("b"));
}

#[test]
fn the_hub_stops_cleanly_on_sigterm_and_keeps_its_data() {
    let w = World::new();
    let (mut hub, _) = w.hub_with_demo("a");
    w.sync("a", &hub.url);
    let ops = w.hub_ops();
    assert!(ops > 0);
    std::process::Command::new("kill").arg("-TERM").arg(hub.child.id().to_string()).status().unwrap();
    let status = hub.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let hub = w.serve();
    assert_eq!(w.hub_ops(), ops);
    w.enroll("b", &hub, "department", &[]);
    assert_eq!(w.sync("b", &hub.url)["pulled"].as_i64(), Some(ops));
}

/// Sets the note of one device by importing a one-row list, on a replica whose clock is set off
/// by `offset` seconds.
fn set_note(w: &World, name: &str, offset: i64, school: &str, inventory_number: &str, note: &str) {
    let csv = w.dir.path().join(format!("notiz-{name}-{note}.csv"));
    std::fs::write(&csv, format!("Inventarnummer;Schulnummer;Notiz\n{inventory_number};{school};{note}\n")).unwrap();
    w.cli(name)
        .env("SCHULINVENTAR_CLOCK_OFFSET_SECS", offset.to_string())
        .args(["import", csv.to_str().unwrap(), "--entity", "devices", "--key", "inventory_number"])
        .args(["--map", "Notiz=notes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 geändert"));
}

#[test]
fn a_laptop_a_year_behind_converges_and_one_a_year_ahead_is_refused_with_a_clock_warning() {
    const YEAR: i64 = 365 * 24 * 3600;
    let w = World::new();
    let hub = w.serve();
    let late = |args: &[&str]| {
        let mut c = w.cli("late");
        c.env("SCHULINVENTAR_CLOCK_OFFSET_SECS", (-YEAR).to_string()).args(args);
        c
    };
    // The laptop whose clock is a year behind makes the data; the hub takes its old timestamps.
    late(&["demo", "--scale", "small"]).assert().success();
    w.enroll("late", &hub, "department", &[]);
    w.enroll("now", &hub, "department", &[]);
    let ops = w.log_len("late") as u64;
    let out = late(&["sync", "--json"]).assert().success().get_output().stdout.clone();
    let r: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((r["pushed"].as_u64(), r["rejected"].as_u64()), (Some(ops), Some(0)), "{r}");
    assert!(r["clock_warning"].as_str().is_some_and(|m| m.contains("Minuten nach")), "the late clock is named: {r}");
    w.sync("now", &hub.url);
    assert_eq!(w.digest("late"), w.digest("now"));

    // Both change the same note; the late laptop's edit comes later in real time, but its
    // timestamp is a year older, so the other value is in force on both, with a conflict.
    let devices = w.json("now", &["list", "devices", "--limit", "1", "--json"]);
    let device = &devices[0];
    let schools = w.json("now", &["list", "schools", "--json"]);
    let school = schools.as_array().unwrap().iter().find(|s| s["id"] == device["school_id"]).unwrap();
    let (nr, inv) = (school["school_number"].as_str().unwrap(), device["inventory_number"].as_str().unwrap());
    set_note(&w, "now", 0, nr, inv, "rot");
    set_note(&w, "late", -YEAR, nr, inv, "blau");
    w.sync("now", &hub.url);
    late(&["sync"]).assert().success();
    w.sync("now", &hub.url);
    assert_eq!(w.digest("late"), w.digest("now"), "converged despite the clock");
    let note = |name: &str| {
        let list = w.json(name, &["list", "devices", "--search", inv, "--json"]);
        list.as_array().unwrap().iter().find(|d| d["id"] == device["id"]).unwrap()["notes"].clone()
    };
    assert_eq!((note("late"), note("now")), (Value::from("rot"), Value::from("rot")));
    let conflicts = w.json("late", &["conflicts", "--json"]);
    assert_eq!(conflicts, w.json("now", &["conflicts", "--json"]), "the same conflict on both");
    assert_eq!(conflicts.as_array().unwrap().len(), 1, "{conflicts}");
    assert_eq!(conflicts[0]["loser"]["value"], "blau");

    // Having seen the newer timestamps, the late laptop's clock has caught up: its next edit wins.
    set_note(&w, "late", -YEAR, nr, inv, "grün");
    late(&["sync"]).assert().success();
    w.sync("now", &hub.url);
    assert_eq!((note("late"), note("now")), (Value::from("grün"), Value::from("grün")));
    assert_eq!(w.digest("late"), w.digest("now"));

    // A laptop a year ahead: its change is refused as from the future, with the reason and a
    // warning about its clock (exit code 3); it still receives everything else.
    w.enroll("early", &hub, "department", &[]);
    w.cli("early").env("SCHULINVENTAR_CLOCK_OFFSET_SECS", YEAR.to_string()).args(["sync"]).assert().success();
    set_note(&w, "early", YEAR, nr, inv, "gelb");
    let out = w
        .cli("early")
        .env("SCHULINVENTAR_CLOCK_OFFSET_SECS", YEAR.to_string())
        .args(["sync", "--json"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rejected"].as_u64(), Some(1), "{r}");
    assert_eq!(r["rejected_ops"][0]["code"], "future", "{r}");
    assert!(r["clock_warning"].as_str().is_some_and(|m| m.contains("Uhr")), "{r}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Warnung"), "the warning on stderr too");
    w.sync("now", &hub.url);
    assert_eq!(note("now"), Value::from("grün"), "the refused change did not travel");
}

#[test]
fn hub_gc_purges_an_acknowledged_deletion_and_says_who_holds_one_back() {
    let w = World::new();
    let (hub, _) = w.hub_with_demo("a");
    w.enroll("b", &hub, "department", &[]);
    for name in ["a", "b"] {
        w.sync(name, &hub.url);
    }
    let device: String = {
        let mut store = schulinventar_core::Store::open(&w.db("a")).unwrap();
        let id: String = store
            .conn()
            .query_row(
                "SELECT id FROM devices d WHERE deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM loans WHERE device_id = d.id)
                   AND NOT EXISTS (SELECT 1 FROM invoice_items WHERE item_id = d.id)
                 ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        store.delete::<schulinventar_core::DeviceData>(&id).unwrap();
        id
    };
    w.sync("a", &hub.url);
    w.sync("a", &hub.url);
    let gc = |json: bool| {
        let mut c = Command::cargo_bin("schulinventar").unwrap();
        c.args(["hub", "gc", "--older-than-days", "0", "--data"]).arg(w.hub_dir());
        if json {
            c.arg("--json");
        }
        c.assert().success().get_output().stdout.clone()
    };

    // Laptop b has not fetched the deletion: nothing goes, and the text names it.
    let text = String::from_utf8(gc(false)).unwrap();
    assert!(text.contains("Keine gelöschten Einträge endgültig entfernt."), "{text}");
    assert!(text.contains("„b“"), "{text}");
    let r: Value = serde_json::from_slice(&gc(true)).unwrap();
    assert_eq!((r["purged"].as_u64(), r["waiting"].as_u64()), (Some(0), Some(1)), "{r}");
    assert_eq!(r["waiting_for"][0]["name"], "b", "{r}");

    w.sync("b", &hub.url);
    w.sync("b", &hub.url);
    let r: Value = serde_json::from_slice(&gc(true)).unwrap();
    assert_eq!((r["purged"].as_u64(), r["waiting"].as_u64()), (Some(1), Some(0)), "{r}");
    assert_eq!(r["purged_by_entity"]["device"].as_u64(), Some(1), "{r}");
    assert_eq!(r["older_than_days"].as_u64(), Some(0), "{r}");

    for name in ["a", "b"] {
        let r = w.sync(name, &hub.url);
        assert_eq!(r["purged"].as_u64(), Some(1), "{r}");
        assert_eq!(w.count(w.db(name), &format!("SELECT count(*) FROM devices WHERE id = '{device}'")), 0);
    }
    assert_eq!(w.digest("a"), w.digest("b"));
    w.cli("a").arg("sync").assert().success().stdout(predicate::str::contains("Offene Konflikte: 0"));
}
