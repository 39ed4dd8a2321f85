//! The settings page in a real browser: headless Chromium driven through chromedriver
//! (WebDriver), against the `example-axum` binary started with `--admin-token`.
//!
//! An administrator signs in, creates a token on the page and copies it; the Entra ID flow runs
//! with that token; the page's activity log shows those requests (and a refusal with its
//! `scimType` and detail), filtered by refusals and by one resource; the token is rotated on
//! the page and the old secret's next request is refused and shows in the log; the token is
//! revoked and signing out ends the session. Once with the in-memory store and activity log,
//! once with both in a SQLite file (`--database-url`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them), or
//! `CHROMEDRIVER` (and `CHROMIUM`, the browser binary) set to where they are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines
)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ADMIN_TOKEN: &str = "browser-test-admin-token-0123456789";
const ENTRA: &str = "Microsoft Entra ID provisioning (browser test)";
const LABEL: &str = "Microsoft Entra ID";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A child process killed on drop, with the line of its output that said it was ready.
struct Process {
    _child: Child,
}

/// Starts `command`, and returns the process and what `ready` finds in the first stdout line
/// it matches.
async fn start(
    mut command: Command,
    what: &str,
    ready: impl Fn(&str) -> Option<String>,
) -> (Process, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "{what} could not be started ({error}): install Debian's chromium and \
                 chromium-driver packages (.ci/run does), or set CHROMEDRIVER and CHROMIUM"
            )
        });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(found) = ready(&line) {
                return found;
            }
        }
        panic!("{what} exited before it was ready");
    })
    .await
    .unwrap_or_else(|_| panic!("{what} was not ready within 60 s"));
    // Keep reading stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (Process { _child: child }, found)
}

/// `example-axum` with the settings page, on an ephemeral port; its base URL.
async fn server(extra: &[&str]) -> (Process, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-axum"));
    command
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
        .args(["--admin-token", ADMIN_TOKEN])
        .args(extra)
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_DATABASE_URL");
    start(command, "example-axum", |line| {
        let url = line.trim().strip_prefix("Tenant URL:")?.trim();
        Some(url.strip_suffix("/scim/v2")?.to_owned())
    })
    .await
}

/// chromedriver on a port of its choosing; its URL.
async fn chromedriver() -> (Process, String) {
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
    let mut command = Command::new(&binary);
    command.arg("--port=0");
    start(command, &binary, |line| {
        let (_, port) = line.split_once("started successfully on port ")?;
        let port: u16 = port.trim().trim_end_matches('.').parse().ok()?;
        Some(format!("http://127.0.0.1:{port}"))
    })
    .await
}

/// A headless Chromium session.
async fn browser(driver: &str) -> Client {
    let mut options = json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1400,1000",
        ],
    });
    let binary = std::env::var("CHROMIUM").ok().or_else(|| {
        let debian = PathBuf::from("/usr/bin/chromium");
        debian.exists().then(|| debian.display().to_string())
    });
    if let Some(binary) = binary {
        options["binary"] = json!(binary);
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        // Confirmation dialogs stay open until the test accepts them.
        "unhandledPromptBehavior": "ignore",
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .unwrap_or_else(|error| panic!("no Chromium session from chromedriver: {error}"))
}

async fn css(browser: &Client, selector: &str) -> Element {
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("no element {selector} on the page within 30 s: {error}"))
}

async fn click(browser: &Client, selector: &str) {
    css(browser, selector).await.click().await.unwrap();
}

async fn type_into(browser: &Client, selector: &str, keys: &str) {
    css(browser, selector).await.send_keys(keys).await.unwrap();
}

async fn text(browser: &Client, selector: &str) -> String {
    css(browser, selector).await.text().await.unwrap()
}

async fn value(browser: &Client, selector: &str) -> String {
    let field = css(browser, selector).await;
    field.prop("value").await.unwrap().unwrap_or_default()
}

/// The log's rows as (identity provider, request, resource id, status, error, change), and
/// whether each is marked refused.
async fn log_rows(browser: &Client) -> Vec<Row> {
    let mut rows = Vec::new();
    for row in browser
        .find_all(Locator::Css("#log tr.entry"))
        .await
        .unwrap()
    {
        let cell = |selector: &'static str| {
            let row = row.clone();
            async move {
                row.find(Locator::Css(selector))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let resource_id = match row.find(Locator::Css(".resource-id")).await {
            Ok(link) => link.text().await.unwrap(),
            Err(_) => String::new(),
        };
        rows.push(Row {
            identity_provider: cell(".idp").await,
            request: cell(".request").await,
            resource_id,
            status: cell(".status").await.parse().unwrap(),
            error: cell(".error-detail").await,
            change: cell(".change").await,
            refused: row
                .attr("class")
                .await
                .unwrap()
                .unwrap_or_default()
                .split(' ')
                .any(|class| class == "refused"),
        });
    }
    rows
}

#[derive(Debug, Clone)]
struct Row {
    identity_provider: String,
    request: String,
    resource_id: String,
    status: u16,
    error: String,
    change: String,
    refused: bool,
}

/// The identity provider's side: SCIM requests with a bearer token.
struct Idp {
    http: reqwest::Client,
    scim: String,
}

impl Idp {
    async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.scim))
            .bearer_auth(token)
            .header("user-agent", ENTRA);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The Entra ID flow (default dialect) with `token`: Test Connection, a user looked up,
/// created, looked up again and deactivated with Entra's string boolean, a group created and
/// the user added to it, and a create of the same user again (refused: `uniqueness`). The
/// user's and the group's ids.
async fn entra_flow(idp: &Idp, token: &str) -> (String, String) {
    use reqwest::Method;
    let filter = |name: &str| format!("/Users?filter=userName+eq+%22{name}%22");
    let (status, body) = idp
        .send(
            token,
            Method::GET,
            &filter("8f0f4ad6-2c4e-4e5b-9d53-0f1e1b7c9a10"),
            None,
        )
        .await;
    assert_eq!((status, &body["totalResults"]), (200, &json!(0)));
    let (status, body) = idp
        .send(token, Method::GET, &filter("Test_User@contoso.com"), None)
        .await;
    assert_eq!((status, &body["totalResults"]), (200, &json!(0)));
    let user = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User@contoso.com",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
        "roles": [],
    });
    let (status, created) = idp
        .send(token, Method::POST, "/Users", Some(user.clone()))
        .await;
    assert_eq!(status, 201, "{created}");
    let user_id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = idp
        .send(
            token,
            Method::PATCH,
            &format!("/Users/{user_id}"),
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "Replace", "path": "active", "value": "False"}
            ]})),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (status, group) = idp
        .send(
            token,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": "Sales", "members": []})),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    let (status, _) = idp
        .send(
            token,
            Method::PATCH,
            &format!("/Groups/{group_id}"),
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "Add", "path": "members", "value": [{"value": user_id}]}
            ]})),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (status, refused) = idp.send(token, Method::POST, "/Users", Some(user)).await;
    assert_eq!((status, &refused["scimType"]), (409, &json!("uniqueness")));
    (user_id, group_id)
}

/// The token row labelled `label` on the settings page.
async fn token_row(browser: &Client, label: &str) -> Element {
    for row in browser
        .find_all(Locator::Css("#tokens tr.token"))
        .await
        .unwrap()
    {
        let text = row
            .find(Locator::Css(".label"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text == label {
            return row;
        }
    }
    panic!("no token labelled {label:?} on the page");
}

/// Clicks a rotate or revoke button and accepts its confirmation dialog.
async fn click_and_confirm(browser: &Client, button: Element, expected: &str) {
    button.click().await.unwrap();
    // The dialog opens from the form's submit handler.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let question = loop {
        match browser.get_alert_text().await {
            Ok(question) => break question,
            Err(error) if tokio::time::Instant::now() > deadline => {
                panic!("no confirmation dialog within 30 s: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert!(question.contains(expected), "{question}");
    browser.accept_alert().await.unwrap();
}

async fn run(extra: &[&str]) {
    let (_server, base) = server(extra).await;
    let (_driver, driver_url) = chromedriver().await;
    let browser = browser(&driver_url).await;
    let idp = Idp {
        http: reqwest::Client::new(),
        scim: format!("{base}/scim/v2"),
    };

    // Signing in: a wrong token is refused, the admin token opens the page.
    browser.goto(&format!("{base}/admin")).await.unwrap();
    type_into(&browser, "#admin-token", "not-the-admin-token").await;
    click(&browser, "#login button[type=submit]").await;
    let error = text(&browser, "#error").await;
    assert!(error.contains("not the admin token"), "{error}");
    type_into(&browser, "#admin-token", ADMIN_TOKEN).await;
    click(&browser, "#login button[type=submit]").await;
    let scim_url = value(&browser, "#connection #scim-url").await;
    assert_eq!(scim_url, idp.scim);
    let none = text(&browser, "#no-activity").await;
    assert!(none.contains("No requests"), "{none}");

    // Creating a token: its secret is shown once, with the Tenant URL, and copied.
    type_into(&browser, "#mint-label", LABEL).await;
    type_into(&browser, "#mint-days", "365").await;
    click(&browser, "#mint button[type=submit]").await;
    let secret = value(&browser, "#secret").await;
    assert!(secret.starts_with("scim_"), "{secret:?}");
    assert_eq!(value(&browser, "#scim-url").await, idp.scim);
    let copy = css(&browser, "button[data-copy=secret]").await;
    copy.click().await.unwrap();
    // The page's script (allowed by its Content-Security-Policy) handles the click once the
    // clipboard answers.
    let label = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(
            "//button[@data-copy='secret' and normalize-space(text())!='Copy']",
        ))
        .await
        .unwrap_or_else(|error| panic!("the copy button did nothing: {error}"))
        .text()
        .await
        .unwrap();
    assert!(label == "Copied" || label == "Press Ctrl+C", "{label:?}");
    click(&browser, "#done").await;
    css(&browser, "#tokens").await;
    let row = token_row(&browser, LABEL).await;
    let last_used = row
        .find(Locator::Css(".last-used"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(last_used, "never");
    assert!(!browser.source().await.unwrap().contains(&secret));

    // The identity provider provisions with it; the log shows what it sent.
    let (user_id, group_id) = entra_flow(&idp, &secret).await;
    browser.goto(&format!("{base}/admin")).await.unwrap();
    css(&browser, "#log").await;
    let rows = log_rows(&browser).await;
    assert!(
        rows.iter().all(|row| row.identity_provider == ENTRA),
        "{rows:#?}"
    );
    let created = rows
        .iter()
        .find(|row| row.request == "POST /Users" && row.status == 201)
        .unwrap_or_else(|| panic!("no created user in {rows:#?}"));
    assert_eq!(
        (&*created.resource_id, &*created.change),
        (&*user_id, "created")
    );
    let deactivated = rows
        .iter()
        .find(|row| row.request == format!("PATCH /Users/{user_id}"))
        .unwrap_or_else(|| panic!("no PATCH of the user in {rows:#?}"));
    assert_eq!(deactivated.change, "patched: active");
    assert!(rows
        .iter()
        .any(|row| row.request == format!("PATCH /Groups/{group_id}")
            && row.change == "patched: members"));
    let duplicate = rows
        .iter()
        .find(|row| row.status == 409)
        .unwrap_or_else(|| panic!("no refused duplicate in {rows:#?}"));
    assert!(duplicate.refused);
    assert!(duplicate.error.starts_with("uniqueness: "), "{duplicate:?}");
    assert!(rows
        .iter()
        .filter(|row| row.status < 400)
        .all(|row| !row.refused));
    let last_used = token_row(&browser, LABEL)
        .await
        .find(Locator::Css(".last-used"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(last_used.ends_with(" UTC"), "{last_used:?}");
    assert!(!browser.source().await.unwrap().contains(&secret));

    // One resource's entries: follow the user's id in the log.
    let link = browser
        .find(Locator::XPath(&format!(
            "//table[@id='log']//a[@class='resource-id' and text()='{user_id}']"
        )))
        .await
        .unwrap();
    link.click().await.unwrap();
    css(&browser, &format!("#filter-resource[value='{user_id}']")).await;
    let rows = log_rows(&browser).await;
    assert!(rows.len() >= 2, "{rows:#?}");
    assert!(
        rows.iter().all(|row| row.resource_id == user_id),
        "{rows:#?}"
    );
    click(&browser, "#filter-clear").await;
    css(&browser, "#filter-resource[value='']").await;

    // Rotating: a new secret on the page; the old one is refused at once, and that is logged.
    let rotate = token_row(&browser, LABEL)
        .await
        .find(Locator::Css("form.rotate button"))
        .await
        .unwrap();
    click_and_confirm(&browser, rotate, "stops working").await;
    let rotated = value(&browser, "#secret").await;
    assert!(rotated.starts_with("scim_") && rotated != secret);
    let (status, _) = idp
        .send(&secret, reqwest::Method::GET, "/Users", None)
        .await;
    assert_eq!(status, 401, "the old secret still works after rotation");
    let (status, _) = idp
        .send(&rotated, reqwest::Method::GET, "/Groups", None)
        .await;
    assert_eq!(status, 200);
    click(&browser, "#done").await;
    click(&browser, "#filter-refusals").await;
    click(&browser, "#filter button[type=submit]").await;
    css(&browser, "#filter-refusals[checked]").await;
    let rows = log_rows(&browser).await;
    assert!(
        rows.iter().all(|row| row.refused && row.status >= 400),
        "{rows:#?}"
    );
    let newest = rows.first().unwrap_or_else(|| panic!("no refusals shown"));
    assert_eq!(newest.status, 401, "{rows:#?}");
    assert_eq!(newest.request, "GET /Users");
    assert!(newest.identity_provider.contains("(not authenticated)"));
    assert!(rows.iter().any(|row| row.status == 409));
    let page = browser.source().await.unwrap();
    assert!(!page.contains(&secret) && !page.contains(&rotated));

    // Revoking: refused at once; signing out ends the session.
    browser.goto(&format!("{base}/admin")).await.unwrap();
    let revoke = token_row(&browser, LABEL)
        .await
        .find(Locator::Css("form.revoke button"))
        .await
        .unwrap();
    click_and_confirm(&browser, revoke, "refused at once").await;
    let notice = text(&browser, "#notice").await;
    assert!(notice.contains("revoked"), "{notice}");
    let (status, _) = idp
        .send(&rotated, reqwest::Method::GET, "/Users", None)
        .await;
    assert_eq!(status, 401);
    click(&browser, "header form button[type=submit]").await;
    css(&browser, "#login").await;
    browser.goto(&format!("{base}/admin")).await.unwrap();
    css(&browser, "#login").await;

    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_page_in_chromium_with_the_in_memory_store() {
    run(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_page_in_chromium_with_a_sqlite_database() {
    let dir = std::env::temp_dir().join(format!("scimkit-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scim.db");
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    run(&["--database-url", &url]).await;
    let _ = std::fs::remove_dir_all(&dir);
}
