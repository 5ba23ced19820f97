use schulinventar_core::demo::{self, Scale};
use schulinventar_core::Store;
use schulinventar_hub::{spawn, HubStorage, SqliteStorage};
use schulinventar_sync::client;
use schulinventar_sync::protocol::{Role, PAGE};
use std::time::Instant;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hub = spawn(&dir.path().join("hub"), "127.0.0.1:0").expect("hub");
    let url = hub.url();
    let mut h = SqliteStorage::open(&dir.path().join("hub")).expect("hub storage");
    let code = h.create_enrolment(Role::Department, &[], 1).expect("code").code;
    drop(h);
    let mut dept = Store::open(&dir.path().join("dept.sqlite")).expect("store");
    client::enroll(&mut dept, &url, &code, "dept").expect("enrol");
    demo::generate(&mut dept, Scale::Municipality, 1, &mut |_, _| {}).expect("demo");
    eprintln!("demo done; push starts");
    let t = Instant::now();
    let r = client::sync(&mut dept, None, PAGE).expect("push");
    eprintln!("push {} ops, {} pages, {:.2} s", r.pushed, r.push_pages, t.elapsed().as_secs_f64());
}
