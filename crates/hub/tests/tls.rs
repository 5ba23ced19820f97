//! The hub over HTTPS with a self-signed certificate the client is told to trust.

use schulinventar_core::Store;
use schulinventar_hub::{spawn_with, HubStorage, SqliteStorage, TlsFiles};
use schulinventar_sync::client::{self, ClientError};
use schulinventar_sync::protocol::Role;

#[test]
fn a_laptop_enrols_and_syncs_over_https_and_refuses_an_unknown_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let hub = spawn_with(&dir.path().join("hub"), "127.0.0.1:0", Some(TlsFiles { cert: cert.clone(), key })).unwrap();
    assert!(hub.url().starts_with("https://127.0.0.1:"));
    let code = || {
        let mut s = SqliteStorage::open(&dir.path().join("hub")).unwrap();
        s.create_enrolment(Role::Department, &[], 1).unwrap().code
    };

    // Not trusted: the public roots do not know this certificate.
    let mut a = Store::open(&dir.path().join("a.sqlite")).unwrap();
    match client::enroll(&mut a, &hub.url(), &code(), "a").unwrap_err() {
        ClientError::Unreachable { detail, .. } => assert!(!detail.is_empty()),
        e => panic!("{e:?}"),
    }
    // Plain HTTP to the HTTPS port gets nowhere either.
    let plain = hub.url().replace("https://", "http://");
    assert!(client::enroll(&mut a, &plain, &code(), "a").is_err());

    // This test binary is its own process: setting the variable affects no other test.
    std::env::set_var("SCHULINVENTAR_HUB_CA", &cert);
    client::enroll(&mut a, &hub.url(), &code(), "a").unwrap();
    schulinventar_core::demo::generate(&mut a, schulinventar_core::demo::Scale::Small, 3, &mut |_, _| {}).unwrap();
    let r = client::sync(&mut a, None, 1000).unwrap();
    assert!(r.pushed > 500, "{r:?}");
    let mut b = Store::open(&dir.path().join("b.sqlite")).unwrap();
    client::enroll(&mut b, &hub.url(), &code(), "b").unwrap();
    let r2 = client::sync(&mut b, None, 1000).unwrap();
    assert_eq!(r2.pulled, r.pushed);
    assert_eq!(schulinventar_sync::digest(&a).unwrap(), schulinventar_sync::digest(&b).unwrap());
}
