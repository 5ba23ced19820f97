//! The HTTP API. Every handler authenticates, then runs its storage call on a blocking thread
//! (SQLite work never blocks the async runtime); storage access is serialised by one mutex, so
//! hub sequence numbers are handed out and committed strictly in order.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use schulinventar_sync::protocol::*;

use crate::storage::{Device, HubError, HubStorage};

/// Largest request body: a push page of a few thousand operations fits many times over.
const BODY_LIMIT: usize = 64 << 20;

#[derive(Clone)]
pub struct AppState {
    storage: Arc<Mutex<Box<dyn HubStorage>>>,
}

impl AppState {
    pub fn new(storage: impl HubStorage + 'static) -> AppState {
        AppState { storage: Arc::new(Mutex::new(Box::new(storage))) }
    }

    /// Runs `f` with the storage on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn HubStorage) -> Result<T, HubError> + Send + 'static,
    ) -> Result<T, HubError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = storage.lock().map_err(|_| HubError::Internal("Speicher gesperrt".into()))?;
            f(guard.as_mut())
        })
        .await
        .map_err(|e| HubError::Internal(e.to_string()))?
    }

    async fn device(&self, headers: &HeaderMap) -> Result<Device, HubError> {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| HubError::Unauthorized {
                code: "no_token",
                message: "Anmeldung fehlt: Dieses Gerät ist beim Hub nicht angemeldet \
                          (schulinventar enroll --hub URL --code CODE)."
                    .into(),
            })?;
        self.with(move |s| s.authenticate(&token)).await
    }
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let status = match &self {
            HubError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            HubError::Forbidden { .. } => StatusCode::FORBIDDEN,
            HubError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            HubError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "Anfrage fehlgeschlagen");
        } else {
            tracing::info!(status = status.as_u16(), code = self.code(), "Anfrage abgelehnt");
        }
        (status, Json(ErrorBody { code: self.code().to_owned(), error: self.to_string() })).into_response()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/status", get(status))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, HubError> {
    let hub_node = state.with(|s| Ok(s.hub_node())).await?;
    Ok(Json(Health { status: "ok".into(), hub_node }))
}

async fn enroll(
    State(state): State<AppState>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, HubError> {
    let name = req.device_name.clone();
    let resp = state.with(move |s| s.enroll(&req.code, &req.device_name)).await?;
    tracing::info!(device = resp.device_id, name = %name, role = resp.role.as_str(), "Gerät angemeldet");
    Ok(Json(resp))
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<StatusResponse>, HubError> {
    let device = state.device(&headers).await?;
    Ok(Json(state.with(move |s| s.status(&device)).await?))
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, HubError> {
    let device = state.device(&headers).await?;
    let (id, n) = (device.id, req.ops.len());
    let resp = state.with(move |s| s.push(&device, req.ops, SystemTime::now())).await?;
    let count = |st: OpStatus| resp.results.iter().filter(|r| r.status == st).count();
    tracing::info!(
        device = id,
        ops = n,
        accepted = count(OpStatus::Accepted),
        duplicate = count(OpStatus::Duplicate),
        rejected = count(OpStatus::Rejected),
        "push"
    );
    Ok(Json(resp))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, HubError> {
    let device = state.device(&headers).await?;
    let id = device.id;
    let limit = q.limit.unwrap_or(PAGE);
    let resp = state.with(move |s| s.pull(&device, q.after, limit)).await?;
    tracing::info!(device = id, after = q.after, ops = resp.ops.len(), next = resp.next, more = resp.more, "pull");
    Ok(Json(resp))
}
