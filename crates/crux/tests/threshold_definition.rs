//! One threshold definition (issue 14, point 9): for one seed and the
//! built-in model, the per-sample threshold that `crux run --format json`
//! reports, the one `crux plot` draws and the one the web page shows are the
//! same numbers: quantiles over all samples with "never" beyond the grid, the
//! same share that never crosses, the same median mark.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SAMPLES: &str = "20000";
const SEED: &str = "3";

fn crux() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crux"))
}

fn scratch(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("crux-threshold-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a scratch directory");
    directory
}

/// The threshold of `crux run --format json`.
fn json_threshold() -> Value {
    let output = crux()
        .args(["run", "-n", SAMPLES, "--seed", SEED, "--format", "json", "--no-sensitivity"])
        .output()
        .expect("crux runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    document["threshold"].clone()
}

/// The text of every `<text>` element of an SVG file.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|part| part.split_once('>'))
        .map(|(_, rest)| rest)
        .map(|rest| rest.split("</text>").next().unwrap_or("").trim().to_string())
        .collect()
}

/// What `crux plot` draws of the threshold: the note's median and 90%
/// interval, its shares in percent, and the median mark's label.
struct Plotted {
    quantiles: [Option<f64>; 3],
    never_percent: f64,
    from_start_percent: f64,
    mark: Option<f64>,
}

fn plotted() -> Plotted {
    let out = scratch("plot");
    let output = crux().args(["plot", "-n", SAMPLES, "--seed", SEED, "--out"]).arg(&out).output().expect("crux runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let svg = std::fs::read_to_string(out.join("thresholds.svg")).expect("the threshold chart");
    let _ = std::fs::remove_dir_all(&out);
    let texts = svg_texts(&svg);
    let note =
        texts.iter().find(|text| text.contains("90% interval")).unwrap_or_else(|| panic!("no note in {texts:?}"));
    // "median X, 90% interval A to B; never negative on the axis: N%; negative from the first point: M%"
    let value = |text: &str| if text.starts_with("beyond") { None } else { Some(text.parse::<f64>().expect(text)) };
    let (quantiles, shares) = note.split_once("; ").expect("shares after the quantiles");
    let median = quantiles.strip_prefix("median ").and_then(|rest| rest.split_once(", 90% interval ")).expect(note);
    let (low, high) = median.1.split_once(" to ").expect(note);
    let percent = |label: &str| {
        let start = shares.find(label).unwrap_or_else(|| panic!("no {label:?} in {note}")) + label.len();
        shares[start..].split('%').next().expect(note).parse::<f64>().expect(note)
    };
    let mark = texts
        .iter()
        .filter_map(|text| text.trim().strip_prefix("median "))
        .find(|rest| !rest.contains(','))
        .map(|rest| rest.trim().parse::<f64>().expect(rest));
    Plotted {
        quantiles: [value(low), value(median.0), value(high)],
        never_percent: percent("never negative on the axis: "),
        from_start_percent: percent("negative from the first point: "),
        mark,
    }
}

/// `crux serve` on the built-in model, on a free loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
    directory: PathBuf,
}

impl Server {
    fn start() -> Server {
        let directory = scratch("serve");
        let mut child = crux()
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--timeout", "600", "--db"])
            .arg(directory.join("store.db"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("crux runs");
        let addr = common::listening_address(&mut child);
        Server { child, addr, directory }
    }

    /// The results part of the page, as the page fetches it when beliefs change.
    fn page(&self) -> String {
        let body = format!("{{\"samples\": {SAMPLES}, \"seed\": {SEED}}}");
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(10)).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(600))).expect("a timeout");
        let head = format!(
            "POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("sends");
        stream.write_all(body.as_bytes()).expect("sends");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).expect("a reply");
        let reply = String::from_utf8_lossy(&reply).to_string();
        assert!(reply.starts_with("HTTP/1.1 200"), "{}", &reply[..reply.len().min(2000)]);
        reply
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// The data attributes of the page's threshold figure, and the text of its
/// median mark (`median` for the key).
fn figure_attributes(page: &str) -> BTreeMap<String, String> {
    let start = page.find("<figure id=\"threshold-figure\"").expect("the page has the threshold chart");
    let tag = &page[start..start + page[start..].find('>').expect("a whole tag")];
    let mut attributes: BTreeMap<String, String> = tag
        .split(" data-")
        .skip(1)
        .filter_map(|attribute| attribute.split_once("=\""))
        .map(|(name, value)| (name.to_string(), value.trim_end_matches('"').to_string()))
        .collect();
    let figure = &page[start..start + page[start..].find("</figure>").expect("a whole figure")];
    let label = figure.split("class=\"threshold-label\"").nth(1).expect("a median mark");
    let text = label.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).expect("its text").0;
    attributes.insert("median".to_string(), text.to_string());
    attributes
}

/// A JSON number, or `word` for null, as the page writes it.
fn as_attribute(value: &Value, word: &str) -> String {
    match value {
        Value::Null => word.to_string(),
        Value::String(text) => text.clone(),
        Value::Number(number) => number.as_f64().expect("a number").to_string(),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn run_plot_and_the_web_page_give_the_same_threshold() {
    // The plot and the page take the longest: run them alongside the JSON.
    let server = Server::start();
    let page = std::thread::spawn(move || figure_attributes(&server.page()));
    let plot = std::thread::spawn(plotted);
    let json = json_threshold();
    let sample = &json["sample"];
    let page = page.join().expect("the page");
    let plot = plot.join().expect("the plot");

    // The JSON itself: quantiles over all samples, a share that never
    // crosses, and (this model has both) a quantile beyond the grid.
    let quantiles: Vec<Option<f64>> = ["p05", "p50", "p95"].iter().map(|key| sample[key].as_f64()).collect();
    for key in ["p05", "p50", "p95"] {
        assert!(sample[key].is_f64() || sample[key].is_null(), "sample.{key}: {}", sample[key]);
    }
    let never = sample["never_share"].as_f64().expect("never_share");
    assert!(never > 0.05 && never < 0.95, "{never}");
    // With more than 5% never crossing, the 95% quantile is beyond the grid.
    assert_eq!(quantiles[2], None, "{sample}");
    let median = quantiles[1].expect("the median is on the grid at this seed");
    // The median over all samples lies above the median of those that cross.
    assert!(median >= sample["if_crossing"]["p50"].as_f64().expect("if_crossing"), "{sample}");

    // `crux plot`: the same quantiles, shares and median mark.
    assert_eq!(plot.quantiles.to_vec(), quantiles, "plot against JSON");
    assert!((plot.never_percent - 100.0 * never).abs() <= 0.051, "{} against {never}", plot.never_percent);
    let from_start = sample["from_start_share"].as_f64().expect("from_start_share");
    assert!(
        (plot.from_start_percent - 100.0 * from_start).abs() <= 0.051,
        "{} against {from_start}",
        plot.from_start_percent
    );
    assert_eq!(plot.mark, Some(median), "the plot's median mark");

    // The web page: its figure's data attributes are the JSON's numbers.
    for key in ["p05", "p50", "p95"] {
        assert_eq!(page[key], as_attribute(&sample[key], "beyond"), "page {key}: {page:?}");
    }
    assert_eq!(page["never-share"], as_attribute(&sample["never_share"], ""), "{page:?}");
    assert_eq!(page["from-start-share"], as_attribute(&sample["from_start_share"], ""), "{page:?}");
    assert_eq!(page["mean-crossing"], as_attribute(&json["mean_crossing"], "never"), "{page:?}");
    assert_eq!(page["median-crossing"], as_attribute(&json["median_crossing"], "never"), "{page:?}");
    assert_eq!(page["median"], format!("median {median}"), "the page's median mark");
    for key in ["p05", "p50", "p95"] {
        assert_eq!(page[&format!("year-{key}")], as_attribute(&json["year"][key], "beyond"), "page year {key}");
    }
}
