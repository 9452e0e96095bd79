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
    let app = spawn_app(Backend::Sqlite).await;
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
    assert!(html.contains("Hãy tự tin thực hiện dịch vụ công trực tuyến"));
}
