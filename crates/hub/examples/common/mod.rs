//! What the sync examples share.

/// Waits for the store's last checkpoint, which runs on after a large import or pull, and says
/// how long that took.
pub fn settle(store: &mut schulinventar_core::Store) {
    let t = std::time::Instant::now();
    store.settle();
    println!("  its last checkpoint, beside the store: done {:.2} s later", t.elapsed().as_secs_f64());
}

/// CPU time of the calling thread so far (Linux; zero elsewhere): the bundle figures are given
/// both as elapsed and as CPU time, which a busy or uneven virtual machine disturbs less.
pub fn thread_cpu() -> std::time::Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .unwrap_or(0);
    std::time::Duration::from_nanos(ns)
}
