//! QR codes scan: decoded with a real decoder (zbarimg, from Debian's zbar-tools).

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

fn decode_png(bytes: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("hailong-qr-{}.png", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&path)
        .output()
        .expect("zbarimg must be installed (apt-get install zbar-tools); .ci/run installs it");
    assert!(
        out.status.success(),
        "zbarimg found no code: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn the_poster_and_ticket_codes_scan_to_their_urls(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let r = app.get("/units/phuong-a/qr.png").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        decode_png(&r.bytes().await.unwrap()),
        format!("{}/s/phuong-a", app.address)
    );

    let svg = app.get("/units/phuong-a/qr.svg").await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));

    let poster = app.get("/units/phuong-a/poster").await;
    assert_eq!(poster.status(), StatusCode::OK);
    let html = poster.text().await.unwrap();
    assert!(html.contains(
        "Hãy tự tin thực hiện dịch vụ công trực tuyến, chúng tôi luôn đồng hành cùng bạn"
    ));
    assert!(html.contains("Phường A") && html.contains("Ủy ban nhân dân quận Thử"));
    assert!(html.contains("<svg role=\"img\""));
    assert!(html.contains("size:A4"));
    assert_eq!(
        app.get("/units/khong-co/poster").await.status(),
        StatusCode::NOT_FOUND
    );

    let token = app.token("mot-cua", Some("phuong-a"));
    let t: Value = app
        .post_json(
            "/api/v1/tickets",
            Some(&token),
            &json!({"unit": "phuong-a"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = t["code"].as_str().unwrap();
    let png = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{code}/qr.png")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(
        decode_png(&png.bytes().await.unwrap()),
        t["url"].as_str().unwrap()
    );
    let unauth = app.get(&format!("/api/v1/tickets/{code}/qr.png")).await;
    assert_eq!(unauth.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(the_poster_and_ticket_codes_scan_to_their_urls);

#[test]
fn a_single_ticket_from_the_cli_is_a_scannable_png() {
    let db_url = crate::helpers::fresh_database(Backend::Sqlite);
    let dir = std::env::temp_dir().join(format!("hailong-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let units = dir.join("units.csv");
    std::fs::write(&units, crate::helpers::UNITS_CSV).unwrap();
    let bin = env!("CARGO_BIN_EXE_hailong");
    let ok = Command::new(bin)
        .args(["--database-url", &db_url, "units", "import"])
        .arg(&units)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = dir.join("one.png");
    let ok = Command::new(bin)
        .args([
            "--database-url",
            &db_url,
            "--public-url",
            "https://hl.example.vn/",
            "tickets",
            "issue",
            "--unit",
            "phuong-b",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    let url = decode_png(&std::fs::read(&out).unwrap());
    assert!(url.starts_with("https://hl.example.vn/t/"), "{url}");
    let code = url.rsplit('/').next().unwrap();
    assert!(hailong::domain::ticket::TicketCode::parse(code).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posters_come_in_a4_and_a5_and_a_receipt_slip_in_80mm() {
    // `serve --public-url` stores the address; the command line prints it (person test).
    let db = crate::helpers::fresh_database(Backend::Sqlite);
    let mut s = crate::helpers::settings(&db);
    s.public_url = Some("https://hl.example.vn/".into());
    let app = crate::helpers::spawn_on(Backend::Sqlite, &db, s).await;
    app.seed_units();
    let a5 = app
        .get("/units/phuong-a/poster?size=a5")
        .await
        .text()
        .await
        .unwrap();
    assert!(a5.contains("size:A5 portrait") && a5.contains("<svg role=\"img\""));
    let a4 = app
        .get("/units/phuong-a/poster")
        .await
        .text()
        .await
        .unwrap();
    assert!(a4.contains("size:A4 portrait"));
    let dir =
        std::env::temp_dir().join(format!("hailong-receipt-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("r.html");
    let ok = Command::new(env!("CARGO_BIN_EXE_hailong"))
        .args([
            "--database-url",
            &app.db_url,
            "tickets",
            "issue",
            "--unit",
            "phuong-a",
            "--receipt",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("size:80mm auto") && html.matches("<svg").count() == 1);
    assert!(html.contains("https://hl.example.vn/t/"), "{html}");
    assert!(html.contains("Hãy tự tin thực hiện dịch vụ công trực tuyến"));
}

/// `tickets` and `paper print` never print an address a phone cannot reach: with none known
/// they say how to give one; a stored loopback address is refused unless `--public-url` is
/// given (person test: sheets came out with http://127.0.0.1:8080 under the code).
#[test]
fn the_command_line_refuses_to_print_an_address_phones_cannot_reach() {
    let db = crate::helpers::fresh_database(Backend::Sqlite);
    let store = hailong::store::Store::open(&db).unwrap();
    let units = std::env::temp_dir().join(format!("hl-u-{}.csv", uuid::Uuid::new_v4().simple()));
    std::fs::write(&units, crate::helpers::UNITS_CSV).unwrap();
    let bin = env!("CARGO_BIN_EXE_hailong");
    let ok = Command::new(bin)
        .args(["--database-url", &db, "units", "import"])
        .arg(&units)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = std::env::temp_dir().join(format!("hl-p-{}.html", uuid::Uuid::new_v4().simple()));
    let print = |extra: &[&str]| {
        let mut c = Command::new(bin);
        c.args(["--database-url", &db]).args(extra);
        c.args([
            "paper", "print", "--unit", "phuong-a", "--count", "1", "--out",
        ])
        .arg(&out);
        c.output().unwrap()
    };
    let r = print(&[]);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("--public-url"));
    store
        .write(|c| hailong::store::meta::set_setting(c, "public_url", "http://127.0.0.1:8080"))
        .unwrap();
    let r = print(&[]);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("loopback"));
    let r = print(&["--public-url", "http://127.0.0.1:9"]);
    assert!(r.status.success(), "given on purpose: printed");
    store
        .write(|c| hailong::store::meta::set_setting(c, "public_url", "https://dvc.binhtan.vn"))
        .unwrap();
    let r = print(&[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("https://dvc.binhtan.vn/t/"));
}
