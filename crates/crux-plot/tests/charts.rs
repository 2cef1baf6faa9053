//! Every kind of chart is written as SVG and PNG, with its labels.

use crux_plot::*;
use std::path::PathBuf;

fn output_directory(name: &str) -> PathBuf {
    let directory = std::env::var_os("CRUX_PLOT_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("crux-plot-test-{}", std::process::id())))
        .join(name);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn charts() -> Vec<(&'static str, Chart)> {
    let x: Vec<f64> = (0..61).map(|i| 23.0 + 0.1 * i as f64).collect();
    let mean: Vec<f64> = x.iter().map(|c| 3.0 - 2.0 * (c - 25.0).max(0.0).powi(2)).collect();
    let spread = |k: f64| -> Vec<f64> { x.iter().zip(&mean).map(|(c, m)| m + k * (1.0 + (c - 23.0))).collect() };
    vec![
        (
            "bands",
            Chart::Bands(Bands {
                title: "Net effect of open release".into(),
                x_label: "capability c (log10 training FLOP)".into(),
                y_label: "net (bp of catastrophe probability)".into(),
                x: x.clone(),
                median: spread(0.1),
                p05: spread(-1.6),
                p25: spread(-0.7),
                p75: spread(0.7),
                p95: spread(1.6),
                mean: mean.clone(),
                marks: vec![Mark { x: 26.22, label: "E[net] = 0 at c = 26.2".into() }],
            }),
        ),
        (
            "histogram",
            Chart::Histogram(Histogram {
                title: "Where each sample's net turns negative".into(),
                x_label: "threshold c (log10 training FLOP)".into(),
                y_label: "share of samples (%)".into(),
                bins: (0..60).map(|i| (x[i], x[i + 1], (-(x[i] - 26.0).powi(2)).exp() * 5.0)).collect(),
                note: Some("Never negative on the axis: 12.5% of samples".into()),
                marks: vec![Mark { x: 26.0, label: "median 26.0".into() }],
            }),
        ),
        (
            "tornado",
            Chart::Tornado(Tornado {
                title: "Which inputs carry the uncertainty of net at c = 26".into(),
                x_label: "Sobol index (share of the variance of net)".into(),
                sections: vec![
                    TornadoSection {
                        heading: "Cruxes".into(),
                        rows: vec![
                            TornadoRow { label: "crux 1 net effect".into(), first: 0.45, total: 0.6, total_conf: 0.03 },
                            TornadoRow { label: "crux 2 threshold".into(), first: 0.2, total: 0.3, total_conf: 0.02 },
                        ],
                    },
                    TornadoSection {
                        heading: "Params".into(),
                        rows: vec![
                            TornadoRow { label: "misuse_severity".into(), first: 0.3, total: 0.42, total_conf: 0.02 },
                            TornadoRow { label: "decentral".into(), first: 0.1, total: 0.12, total_conf: 0.01 },
                            TornadoRow { label: "hard".into(), first: 0.0, total: 0.05, total_conf: 0.004 },
                        ],
                    },
                ],
            }),
        ),
        (
            "contributions",
            Chart::Contributions(Contributions {
                title: "Mechanisms at c = 26 (mean effect)".into(),
                x_label: "mean effect on net (bp)".into(),
                rows: vec![
                    Contribution { label: "research".into(), value: 2.5, kind: ContributionKind::Benefit },
                    Contribution { label: "misuse".into(), value: -4.0, kind: ContributionKind::Risk },
                    Contribution { label: "net".into(), value: -1.5, kind: ContributionKind::Total },
                ],
            }),
        ),
        (
            "lines",
            Chart::Lines(Lines {
                title: "Value of information across capability".into(),
                x_label: "capability c (log10 training FLOP)".into(),
                y_label: "expected value of information (bp)".into(),
                series: vec![
                    Series {
                        name: "EVPI (everything)".into(),
                        points: x.iter().map(|c| (*c, (c - 23.0) * 2.0)).collect(),
                    },
                    Series { name: "crux 1".into(), points: x.iter().map(|c| (*c, (c - 23.0))).collect() },
                ],
                marks: vec![],
                zero_line: true,
            }),
        ),
        (
            "swing",
            Chart::Swing(Swing {
                title: "How far the threshold moves with each judgement".into(),
                x_label: "capability c where E[net] turns negative".into(),
                base: 26.0,
                base_label: "every judgement as drawn: 26".into(),
                low_name: "held at its 10th percentile".into(),
                high_name: "held at its 90th percentile".into(),
                rows: vec![
                    SwingRow {
                        label: "race_hazard".into(),
                        low: 27.5,
                        high: 24.6,
                        low_text: "27.5".into(),
                        high_text: "24.6".into(),
                    },
                    SwingRow {
                        label: "c_misuse".into(),
                        low: 25.5,
                        high: 30.1,
                        low_text: "25.5".into(),
                        high_text: "never".into(),
                    },
                    SwingRow {
                        label: "tiny".into(),
                        low: 26.0,
                        high: 26.0,
                        low_text: "26".into(),
                        high_text: "26".into(),
                    },
                ],
                marks: vec![Mark { x: 30.0, label: "end of the axis".into() }],
            }),
        ),
    ]
}

#[test]
fn every_chart_is_written_as_svg_and_png() {
    let directory = output_directory("all");
    for (stem, chart) in charts() {
        let paths = chart.write(&directory, stem).unwrap();
        assert_eq!(paths.len(), 2);
        let svg = std::fs::read_to_string(&paths[0]).unwrap();
        assert!(svg.starts_with("<svg"), "{stem}.svg is SVG");
        let png = std::fs::read(&paths[1]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is PNG");
        assert!(png.len() > 10_000, "{stem}.png has content ({} bytes)", png.len());
        // Titles and axis labels are in the SVG as text.
        let title = match &chart {
            Chart::Bands(chart) => &chart.title,
            Chart::Histogram(chart) => &chart.title,
            Chart::Tornado(chart) => &chart.title,
            Chart::Contributions(chart) => &chart.title,
            Chart::Lines(chart) => &chart.title,
            Chart::Swing(chart) => &chart.title,
        };
        let escaped = title.replace('&', "&amp;").replace('\'', "&apos;");
        assert!(svg.contains(&escaped), "{stem}.svg has its title");
        assert!(!directory.join(format!("{stem}.partial.png")).exists());
    }
}

#[test]
fn an_unwritable_directory_is_an_error_not_a_panic() {
    let (_, chart) = charts().remove(0);
    let error = chart.write(std::path::Path::new("/nonexistent/directory"), "bands").unwrap_err();
    assert!(error.to_string().contains("cannot write"), "{error}");
}
