//! Export memory benchmark: pushes N enterprise-like rows (default 1,000,000; nine text columns,
//! Chinese names) through the same streamed export writers the server uses — batches of 500 as
//! the list's pages arrive, the constant-memory XLSX worksheet, the temporary file streamed back
//! as the response body — and reports the process's peak resident memory (VmHWM).
//!
//!     cargo run --release -p touchstone-web --example export_bench -- [ROWS] [xlsx|csv] [OUT]
//!
//! `bench/export.sh` runs it at several sizes; BENCHMARKS.md records the figures.

use std::io::Write;
use std::time::Instant;

use futures::StreamExt;
use tokio::sync::mpsc;
use touchstone_web::export::{Batch, csv_body, xlsx_body};

const PAGE: usize = 500;

fn row(i: usize) -> Vec<String> {
    let counties = ["南昌县", "新建区", "瑞金市", "共青城市", "章贡区"];
    vec![
        format!("91360121MA{:08}", i),
        format!("{}某某电线电缆有限公司第{}分厂", counties[i % counties.len()], i),
        "张建国".into(),
        format!("138****{:04}", i % 10_000),
        format!("江西省南昌市{}莲塘镇工业园 {} 号", counties[i % counties.len()], i % 997),
        format!("江西省 南昌市 {}", counties[i % counties.len()]),
        "小型".into(),
        "在营".into(),
        "小蓝经济技术开发区".into(),
    ]
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let xlsx = args.get(2).map(|f| f != "csv").unwrap_or(true);
    let dir = tempfile::tempdir()?;
    let out_path = args.get(3).map(std::path::PathBuf::from).unwrap_or_else(|| dir.path().join("export.out"));
    let header: Vec<String> =
        ["统一社会信用代码", "名称", "法定代表人", "电话", "地址", "行政区划", "规模", "状态", "所在园区"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let started = Instant::now();
    let (tx, rx) = mpsc::channel::<Batch>(2);
    let body = if xlsx { xlsx_body(header, rx, dir.path().to_path_buf()) } else { csv_body(header, rx) };
    tokio::spawn(async move {
        let mut i = 0;
        while i < rows {
            let n = PAGE.min(rows - i);
            let batch = (i..i + n).map(row).collect();
            if tx.send(Ok(batch)).await.is_err() {
                return;
            }
            i += n;
        }
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(&out_path)?);
    let mut bytes = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        out.write_all(&chunk)?;
    }
    out.flush()?;
    println!(
        "format={} rows={rows} bytes={bytes} seconds={:.1} peak_rss_kib={}",
        if xlsx { "xlsx" } else { "csv" },
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}
