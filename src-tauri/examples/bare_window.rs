//! A Tauri window showing a one-line page and nothing else, the same size as the app's: the
//! baseline the UI benchmark (`tests/e2e/bench/ui.mjs`) compares the app's memory with. The page
//! is one line served by a custom scheme (WebKit starts no web process for `about:blank`).

fn main() {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .register_uri_scheme_protocol("bare", |_ctx, _request| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(b"<!doctype html><title>Leer</title><p>Leer</p>".to_vec())
                .expect("a valid response")
        })
        .setup(|app| {
            let blank = tauri::Url::parse("bare://localhost/").expect("a valid URL");
            tauri::WebviewWindowBuilder::new(app, "bare", tauri::WebviewUrl::External(blank))
                .title("Bare Tauri window")
                .inner_size(1100.0, 720.0)
                .build()?;
            Ok(())
        })
        .run(context)
        .expect("the bare window runs");
}
