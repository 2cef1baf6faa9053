//! End-to-end tests of `crux samples`: the real binary on the benchmark
//! model, its CSV and Parquet, and its errors.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn crux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crux")).args(args).current_dir(workspace()).output().expect("crux runs")
}

fn fails_with(output: &Output, words: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "exit code 2, stderr: {stderr}");
    assert!(stderr.contains(words), "stderr should mention `{words}`: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// A fresh directory under the target directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a scratch directory");
    directory
}

#[test]
fn csv_at_26_has_the_run_s_mean_of_net_and_parquet_the_same_values() {
    let output =
        crux(&["samples", "bench/ref-v1.toml", "--samples", "10000", "--seed", "3", "--at", "26", "--format", "csv"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("UTF-8 CSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(&header[..3], ["sample", "c", "hard"]);
    assert_eq!(header.last(), Some(&"net"));
    let rows: Vec<Vec<f64>> =
        lines.map(|line| line.split(',').map(|cell| cell.parse().expect(cell)).collect()).collect();
    assert_eq!(rows.len(), 10_000);
    let net: Vec<f64> = rows.iter().map(|row| *row.last().unwrap()).collect();
    let mean = net.iter().sum::<f64>() / net.len() as f64;

    let run = crux(&["run", "bench/ref-v1.toml", "--samples", "10000", "--seed", "3", "--format", "json"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let document: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let axis: Vec<f64> = document["axis"]["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let point = axis.iter().position(|c| (c - 26.0).abs() < 1e-9).expect("26 on the grid");
    let expected = document["net"]["mean"][point].as_f64().unwrap();
    assert!((mean - expected).abs() <= 1e-9 * expected.abs(), "samples {mean}, run {expected}");

    let directory = scratch("samples-parquet");
    let path = directory.join("ref.parquet");
    let written = crux(&[
        "samples",
        "bench/ref-v1.toml",
        "--samples",
        "10000",
        "--seed",
        "3",
        "--at",
        "26",
        "--format",
        "parquet",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(String::from_utf8_lossy(&written.stdout).contains("10000 rows"));
    let file = std::fs::File::open(&path).expect("the Parquet file");
    let batches: Vec<RecordBatch> =
        ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap().map(Result::unwrap).collect();
    let names: Vec<String> = batches[0].schema().fields().iter().map(|field| field.name().clone()).collect();
    assert_eq!(names, header);
    let mut row = 0;
    for batch in &batches {
        for index in 0..batch.num_rows() {
            for (column, name) in names.iter().enumerate().skip(1) {
                let value = batch.column(column).as_primitive::<Float64Type>().value(index);
                assert_eq!(value.to_bits(), rows[row][column].to_bits(), "{name} in row {row}");
            }
            row += 1;
        }
    }
    assert_eq!(row, 10_000);
    let leftovers: Vec<_> = std::fs::read_dir(&directory).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left beside the output");
}

#[test]
fn the_built_in_model_gives_each_sample_s_next_open_frontier_release() {
    // "now" is the next open frontier release: c_open_now + release_step.
    let output = crux(&["samples", "--samples", "2000", "--set", "c_open_now=26.25", "--set", "release_step=0.25"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..2], ["sample", "c"]);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2000);
    assert!(rows.iter().all(|row| row.split(',').nth(1) == Some("26.5")), "c is the next release of each sample");
}

#[test]
fn bad_flags_and_bad_points_exit_2() {
    fails_with(&crux(&["samples", "bench/ref-v1.toml", "--format", "xlsx"]), "invalid value 'xlsx'");
    fails_with(&crux(&["samples", "bench/ref-v1.toml", "--samples", "many"]), "invalid value 'many'");
    fails_with(&crux(&["samples", "bench/ref-v1.toml", "--at", "40"]), "--at 40 is off the axis");
    fails_with(&crux(&["samples", "bench/ref-v1.toml", "--samples", "0"]), "at least 1");
    fails_with(&crux(&["samples", "bench/ref-v1.toml", "--set", "nothing=1"]), "nothing");
    let directory = scratch("samples-bad");
    let path = directory.join("out.csv");
    let failed = crux(&["samples", "bench/ref-v1.toml", "--samples", "0", "-o", path.to_str().unwrap()]);
    fails_with(&failed, "at least 1");
    assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 0, "nothing is left behind");
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::Read;
    for format in ["csv", "parquet"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crux"))
            .args(["samples", "--samples", "300000", "--format", format])
            .current_dir(workspace())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("crux runs");
        // Read a little, as `head -c` does, then close the pipe.
        let mut first = [0u8; 64];
        child.stdout.take().expect("stdout").read_exact(&mut first).expect("the first bytes");
        let mut stderr = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
        let status = child.wait().expect("crux ends");
        assert!(status.success(), "{format}: {status}: {stderr}");
        assert!(stderr.is_empty(), "{format}: nothing on standard error: {stderr}");
    }
}
