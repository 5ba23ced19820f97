//! The sync hub: an HTTP API (axum) in front of the department's replica. Laptops enrol with a
//! one-time code, then push their operations and pull everything in their scope after their
//! cursor. See [`sqlite`] for how scopes and cursors are stored.

pub mod server;
pub mod sqlite;
pub mod storage;
pub mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use server::{router, AppState};
pub use sqlite::SqliteStorage;
pub use storage::{Device, HubError, HubResult, HubStorage, NewEnrolment};

/// A PEM certificate chain and its private key: the hub then speaks HTTPS only.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Serves the hub on an already bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    storage: impl HubStorage + 'static,
    tls: Option<&TlsFiles>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(AppState::new(storage));
    match tls {
        None => axum::serve(listener, app).with_graceful_shutdown(shutdown).await,
        Some(files) => {
            let config = tls::server_config(&files.cert, &files.key)?;
            let listener = tls::TlsListener::new(listener, config)?;
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await
        }
    }
}

/// A hub running on its own thread (for tests and benchmarks); stopped when dropped.
pub struct RunningHub {
    pub addr: SocketAddr,
    https: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl RunningHub {
    pub fn url(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.addr)
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a hub over the data directory `dir` on `listen` (port 0: any free port).
pub fn spawn(dir: &Path, listen: &str) -> std::io::Result<RunningHub> {
    spawn_with(dir, listen, None)
}

/// [`spawn`], over HTTPS when `tls` is given.
pub fn spawn_with(dir: &Path, listen: &str, tls: Option<TlsFiles>) -> std::io::Result<RunningHub> {
    if let Some(files) = &tls {
        tls::server_config(&files.cert, &files.key)?;
    }
    let storage = SqliteStorage::open(dir).map_err(std::io::Error::other)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let https = tls.is_some();
    let thread = std::thread::spawn(move || {
        runtime.block_on(serve(listener, storage, tls.as_ref(), async {
            let _ = stopped.await;
        }))
    });
    Ok(RunningHub { addr, https, stop: Some(stop), thread: Some(thread) })
}

/// Runs the hub in the foreground on `listen` over the data directory `data` until Ctrl-C or
/// SIGTERM.
/// `bound` is told the hub's URL first (the port may have been 0).
pub fn run_blocking(data: &Path, listen: &str, tls: Option<TlsFiles>, bound: impl FnOnce(&str)) -> std::io::Result<()> {
    if let Some(files) = &tls {
        // Refuse unusable files before binding anything.
        tls::server_config(&files.cert, &files.key)?;
    }
    let storage = SqliteStorage::open(data).map_err(std::io::Error::other)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr()?);
        bound(&url);
        tracing::info!(url = %url, data = %data.display(), "Hub gestartet");
        serve(listener, storage, tls.as_ref(), async {
            stop_signal().await;
            tracing::info!("Hub wird beendet");
        })
        .await
    })
}

/// Ctrl-C, or SIGTERM (a service manager stopping the hub): open requests are finished first.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Structured logs of the hub on stderr (one line per request).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).try_init();
}
