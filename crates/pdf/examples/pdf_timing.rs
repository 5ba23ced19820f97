//! Times the Verwendungsnachweis PDF on a database: building the document, typesetting and
//! writing the PDF, with the peak resident memory. `cargo run --release -p schulinventar-pdf
//! --example pdf_timing -- DB PROGRAMME [TEMPLATE [CELLS]]` (TEMPLATE: a changed report.typ to
//! try, "" for the built-in one; CELLS: table cells per typesetting run).

use std::time::Instant;

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (db, programme) = (&args[1], &args[2]);
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let t = Instant::now();
    let request = schulinventar_reports::ReportRequest {
        kind: schulinventar_reports::ReportKind::Verwendungsnachweis,
        programme_id: Some(programme.clone()),
        authority_id: None,
        school_number: None,
        months: None,
    };
    let doc = schulinventar_reports::build(&conn, &request, chrono::Local::now().date_naive())?;
    println!("document built: {:.2} s, peak {} MB", t.elapsed().as_secs_f64(), peak_rss_mb());
    let template = args.get(3).filter(|a| !a.is_empty()).map(std::fs::read_to_string).transpose()?;
    let cells = args.get(4).map(|a| a.parse()).transpose()?.unwrap_or(schulinventar_pdf::CELLS_PER_PIECE);
    let t = Instant::now();
    let pdf = match template {
        Some(tpl) => schulinventar_pdf::render_with(&doc, &tpl, cells, &|_| {})?,
        None => schulinventar_pdf::render_with(&doc, schulinventar_pdf::TEMPLATE, cells, &|_| {})?,
    };
    println!("pdf: {:.2} s, {} bytes, peak {} MB", t.elapsed().as_secs_f64(), pdf.len(), peak_rss_mb());
    std::fs::write("/tmp/pdf_timing.pdf", pdf)?;
    Ok(())
}
