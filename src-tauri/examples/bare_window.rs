//! A Tauri window showing an empty page and nothing else, the same size as the app's: the
//! baseline the UI benchmark (`tests/e2e/bench/ui.mjs`) compares the app's memory with.

fn main() {
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        .setup(|app| {
            let blank = tauri::Url::parse("about:blank").expect("a valid URL");
            tauri::WebviewWindowBuilder::new(app, "bare", tauri::WebviewUrl::External(blank))
                .title("Bare Tauri window")
                .inner_size(1100.0, 720.0)
                .build()?;
            Ok(())
        })
        .run(context)
        .expect("the bare window runs");
}
