//! The page in a real browser: headless Chromium driven over WebDriver
//! (chromedriver). Loads the page, changes a belief and waits for the verdict
//! and the charts to update, checks that an invalid belief shows its message
//! next to the field, saves a profile and finds it in the compare view.
//!
//! Skipped, with the reason printed, when Chromium or chromedriver is not
//! installed (`.ci/run` installs both). The screenshot it takes is written to
//! the target directory's `tmp/` (wherever `CARGO_TARGET_DIR` puts it), and
//! to `docs/web-page.png` when `CRUX_UPDATE_SCREENSHOT=1`.

mod common;

use common::{LiveServer, builtin_model, limits};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: [&str; 3] = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
const CHROMEDRIVER: [&str; 2] = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|path| path.exists())
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_driver(path: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver listens within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

async fn wait_for<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn attribute(client: &Client, css: &str, name: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.attr(name).await.ok()?
}

async fn text(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

async fn type_into(client: &Client, css: &str, value: &str) {
    let field = client.find(Locator::Css(css)).await.expect("the field exists");
    field.clear().await.expect("clears");
    field.send_keys(value).await.expect("types");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_recomputes_in_the_browser_and_saves_a_profile() {
    let (Some(chromium), Some(chromedriver)) = (find(&CHROMIUM), find(&CHROMEDRIVER)) else {
        println!(
            "skipped: the browser test needs Chromium and chromedriver (Debian packages `chromium` and `chromium-driver`; .ci/run installs them)"
        );
        return;
    };
    let config = crux_server::Config::new(builtin_model(), limits());
    let server = LiveServer::start(config).await;
    let addr = server.addr;
    let driver = start_driver(&chromedriver);
    let profile_dir = std::env::temp_dir().join(format!("crux-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile_dir);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,2200",
                format!("--user-data-dir={}", profile_dir.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session starts");
    let base = format!("http://{addr}");

    client.goto(&format!("{base}/")).await.expect("the page loads");
    let verdict_before = text(&client, "#verdict").await.expect("a verdict");
    let crossing_before = attribute(&client, "#net-chart", "data-crossing").await.expect("a chart");
    assert!(verdict_before.contains("Negative"), "{verdict_before}");
    let importance = async || {
        let name = attribute(&client, "#importance-chart .row", "data-label").await?;
        let total = attribute(&client, "#importance-chart .row", "data-total").await?;
        Some(format!("{name} {total}"))
    };
    let importance_before = importance().await.expect("the crux-importance chart");

    // The answered page as a newcomer sees it.
    client.execute("window.scrollTo(0, 0)", vec![]).await.expect("scrolls");
    let screenshot = client.screenshot().await.expect("a screenshot");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-page.png");
    std::fs::write(&target, &screenshot).expect("the screenshot is written");
    if std::env::var_os("CRUX_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/web-page.png"), &screenshot)
            .expect("the screenshot is written to docs/");
    }

    // A small race hazard: the verdict and the chart change in place.
    type_into(&client, "#p-race_hazard", "3 to 50").await;
    let crossing_after = wait_for("the chart to update", async || {
        let now = attribute(&client, "#net-chart", "data-crossing").await?;
        (now != crossing_before).then_some(now)
    })
    .await;
    let verdict_after = text(&client, "#verdict").await.expect("a verdict");
    assert_ne!(verdict_after, verdict_before);
    let (before, after): (f64, f64) = (crossing_before.parse().unwrap(), crossing_after.parse().unwrap());
    assert!(after > before, "E[net] turns negative later: {before} -> {after}");
    // The crux-importance chart was recomputed with the new belief.
    let importance_after = importance().await.expect("the crux-importance chart");
    assert_ne!(importance_after, importance_before);
    assert!(client.current_url().await.unwrap().as_str().contains("set.race_hazard="));

    // The interval inputs edit `a to b` params.
    let low = client.find(Locator::Css(".param[data-param=\"misuse_harm\"] input.p5")).await.unwrap();
    assert_eq!(low.prop("value").await.unwrap().as_deref(), Some("30"));
    low.clear().await.unwrap();
    low.send_keys("2").await.unwrap();
    wait_for("the interval to be written as an expression", async || {
        let value = client.find(Locator::Css("#p-misuse_harm")).await.ok()?.prop("value").await.ok()??;
        (value == "2 to 200").then_some(())
    })
    .await;

    // An invalid belief: the message shows next to its field.
    type_into(&client, "#p-release_step", "0.05 to").await;
    let message = wait_for("the field's error", async || {
        let message = text(&client, ".param[data-param=\"release_step\"] .field-error").await?;
        (!message.is_empty()).then_some(message)
    })
    .await;
    assert!(message.contains("line 1, col"), "{message}");
    client.find(Locator::Css(".param[data-param=\"release_step\"] button.reset")).await.unwrap().click().await.unwrap();
    wait_for("the error to clear", async || {
        let hidden = attribute(&client, ".param[data-param=\"release_step\"] .field-error", "hidden").await;
        hidden.is_some().then_some(())
    })
    .await;
    let status = wait_for("the recompute to finish", async || {
        let status = text(&client, "#status").await?;
        (status == "updated").then_some(status)
    })
    .await;
    assert_eq!(status, "updated");

    // Save the beliefs as a profile and find it in the compare view.
    type_into(&client, "#save-profile input[name=name]", "Late <threshold>").await;
    type_into(&client, "#save-profile input[name=respondent]", "Browser test").await;
    client.find(Locator::Css("#save-profile button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for("the profile to be saved", async || {
        let status = text(&client, "#save-status").await?;
        status.starts_with("Saved as profile").then_some(())
    })
    .await;
    wait_for("the profile list to show it", async || {
        let list = text(&client, "#profile-list").await?;
        list.contains("Late <threshold>").then_some(())
    })
    .await;
    client.find(Locator::Css("#profile-list button[type=submit]")).await.unwrap().click().await.unwrap();
    let table = wait_for("the compare view", async || text(&client, "#comparison").await).await;
    assert!(table.contains("Late <threshold>"), "{table}");
    let differences = text(&client, "#differences").await.expect("the differing beliefs");
    assert!(differences.contains("3 to 50"), "{differences}");

    client.close().await.expect("the browser closes");
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile_dir);
    server.stop().await;
}
