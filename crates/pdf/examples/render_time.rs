//! Renders N documents of each kind and prints milliseconds per document and PDF sizes.
//! `cargo run --release -p touchstone-pdf --example render_time -- 50 [DIR]` (with DIR, also
//! writes one PDF of each kind there, to look at).

use std::time::Instant;

use touchstone_pdf::{Document, Renderer, ReviewConclusion, samples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(20);
    let out = std::env::args().nth(2).map(std::path::PathBuf::from);
    let started = Instant::now();
    let renderer = Renderer::new(None)?;
    println!("fonts loaded in {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    let docs = [
        Document::InspectionRecord(samples::inspection_record()),
        Document::RectificationOrder(samples::rectification_order()),
        Document::ReviewOpinion(samples::review_opinion(ReviewConclusion::Passed)),
        Document::Table(samples::weekly_table(18)),
        Document::Table(samples::weekly_table(200)),
    ];
    for doc in &docs {
        let first = Instant::now();
        let pdf = renderer.render(doc)?;
        let first_ms = first.elapsed().as_secs_f64() * 1e3;
        let rows = match doc {
            Document::Table(t) => format!(" ({} rows)", t.rows.len()),
            _ => String::new(),
        };
        if let Some(dir) = &out {
            let name = format!("{}{}.pdf", doc.kind(), rows.replace(' ', "_").replace(['(', ')'], ""));
            std::fs::write(dir.join(name), &pdf)?;
        }
        let size = pdf.len();
        let started = Instant::now();
        for i in 0..n {
            // A different number each time, so typst's memoization cannot reuse the layout.
            let mut doc = doc.clone();
            match &mut doc {
                Document::InspectionRecord(d) => d.number = format!("赣市监检〔2026〕{i}号"),
                Document::RectificationOrder(d) => d.number = format!("赣市监责改〔2026〕{i}号"),
                Document::ReviewOpinion(d) => d.number = format!("赣市监复查〔2026〕{i}号"),
                Document::Table(d) => d.subtitles.push(format!("第{i}次")),
            }
            renderer.render(&doc)?;
        }
        println!(
            "{}{rows}: first {first_ms:.1} ms, then {:.1} ms per document over {n}, {size} bytes",
            doc.kind(),
            started.elapsed().as_secs_f64() * 1e3 / n as f64,
        );
    }
    Ok(())
}
