//! Issue 37, "Đã nghe – đã làm": an action is recorded only against a published period and a
//! criterion the unit's form has; it is public only once published; beside it, its criterion's
//! change to the next published period with the two-proportion test, counted by hand. Both
//! backends.

use reqwest::StatusCode;

use crate::both_backends;
use crate::feedback::text_of;
use crate::helpers::*;
use hailong::domain::user::Role;

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn publish(admin: &StaffClient<'_>, label: &str) {
    let r = admin
        .post_form(&format!("/reports/{label}/publish"), &[("reason", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// The fields of an action of Phường A for 2026-Q2, with `change` applied.
async fn record(admin: &StaffClient<'_>, change: (&str, &str)) -> (StatusCode, String) {
    let mut fields = [
        ("unit", "phuong-a".to_string()),
        ("period", "2026-Q2".to_string()),
        ("target", format!("criterion:{}", first_criterion())),
        ("what", "Bố trí thêm cán bộ hướng dẫn".to_string()),
        ("who", "Văn phòng UBND phường".to_string()),
        ("due_on", "2026-09-30".to_string()),
    ];
    if let Some(f) = fields.iter_mut().find(|(k, _)| *k == change.0) {
        f.1 = change.1.to_string();
    }
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = admin.post_form("/staff/actions", &refs).await;
    (r.status(), r.text().await.unwrap())
}

fn first_criterion() -> String {
    let registry = hailong::service::forms::FormRegistry::builtin().unwrap();
    let form = registry.latest("sipas-2017").unwrap();
    let code = form.criteria().next().unwrap().1.code.clone();
    code
}

async fn you_said_we_did(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    // 2026-Q2: 6 of 10 satisfied with every criterion; 2026-Q3: 9 of 10.
    crate::lineage::answers_on(&app, "phuong-a", d("2026-04-10"), "2222444444");
    crate::lineage::answers_on(&app, "phuong-a", d("2026-07-10"), "4444444442");
    let registry = hailong::service::forms::FormRegistry::builtin().unwrap();
    hailong::service::indices::rebuild_tallies(&app.store, &registry).unwrap();
    let admin = app.signed_in(Role::Admin, None).await;
    publish(&admin, "2026-Q2").await;
    bad_actions_are_refused(&app, &admin).await;
    let (status, page) = record(&admin, ("", "")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        &page[page.find("<main>").unwrap_or(0)..]
    );
    assert!(page.contains("Đã ghi việc #1"));
    let public = || async {
        app.get("/units/phuong-a/feedback")
            .await
            .text()
            .await
            .unwrap()
    };
    assert!(
        !public().await.contains("Bố trí thêm cán bộ"),
        "not public before it is published"
    );
    let r = admin
        .post_form(
            "/staff/actions/1",
            &[("status", "done"), ("published", "1")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text()
            .await
            .unwrap_or_default()
            .split("<main>")
            .nth(1)
            .unwrap_or_default()
    );
    let page = public().await;
    assert!(
        page.contains("Bố trí thêm cán bộ") && page.contains("Đã xong"),
        "{page}"
    );
    assert!(!page.contains("Tiêu chí này"), "no later publication yet");
    publish(&admin, "2026-Q3").await;
    // 60 % → 90 %: +30 points; pooled p = 15/20, SE = 100·√(0.75·0.25·(1/10 + 1/10)) = 19.36;
    // 30 < 1.96 × 19.36 = 37.95: not significant.
    let page = public().await;
    let line = "Tiêu chí này: 60,00 % (2026-Q2) → 90,00 % (2026-Q3), +30,00 điểm — chưa đủ để khẳng định có thay đổi.";
    assert!(page.contains(line), "{page}");
    // The next report (2026-Q3, published after the action) lists it beside the change.
    let report = text_of(&app, "/reports/2026-Q3").await;
    let listed = report
        .split("<section class=\"acts\">")
        .nth(1)
        .unwrap_or_default();
    assert!(
        listed.contains("Bố trí thêm cán bộ hướng dẫn") && listed.contains(line),
        "{listed}"
    );
    on_front_and_in_feed(&app, line).await;
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "action.record"));
    assert!(audit
        .iter()
        .any(|a| a.action == "action.update" && a.target == "#1 done published=true"));
}
both_backends!(you_said_we_did);

/// The front page lists the action done; the feed carries it: its own id, the unit's page,
/// the criterion's change.
async fn on_front_and_in_feed(app: &TestApp, line: &str) {
    let front = text_of(app, "/").await;
    assert!(front.contains("Bố trí thêm cán bộ hướng dẫn") && front.contains(line));
    let xml = text_of(app, "/feed.xml").await;
    let feed: atom_syndication::Feed = xml.parse().expect("an Atom feed");
    let acts: Vec<_> = feed
        .entries()
        .iter()
        .filter(|e| e.id().starts_with("urn:hailong:action:"))
        .collect();
    assert_eq!(acts.len(), 1, "{xml}");
    let e = acts[0];
    assert_eq!(e.id(), "urn:hailong:action:1:done");
    assert!(
        e.title().as_str().starts_with("Đã làm – "),
        "{}",
        e.title().as_str()
    );
    assert!(e.title().as_str().contains("Bố trí thêm cán bộ hướng dẫn"));
    let base = app.address.trim_end_matches('/');
    assert_eq!(
        e.links()[0].href(),
        format!("{base}/units/phuong-a/feedback")
    );
    let summary = e.summary().map(|s| s.as_str()).unwrap_or_default();
    assert!(summary.contains(line), "{summary}");
}

/// An unpublished period, a criterion the form lacks, 10,000 characters, invisible text, a
/// day that is none, an officer who is not the unit's lead: refused, nothing stored.
async fn bad_actions_are_refused(app: &TestApp, admin: &StaffClient<'_>) {
    let long = "ý".repeat(10_000);
    for (field, value, says) in [
        ("period", "2026-Q3", "chưa được công bố"),
        ("target", "criterion:khong-co", "không có tiêu chí"),
        ("target", "topic:nope", "Chọn một tiêu chí"),
        ("what", long.as_str(), "1–500 ký tự"),
        ("what", "\u{200B}\u{2800} ", "1–500 ký tự"),
        ("due_on", "30/09/2026", "NĂM-THÁNG-NGÀY"),
    ] {
        let (status, page) = record(admin, (field, value)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert!(page.contains(says), "{field}: {says}");
    }
    let officer = app.signed_in(Role::Officer, Some("phuong-a")).await;
    assert_eq!(
        officer.get("/staff/actions").await.status(),
        StatusCode::FORBIDDEN
    );
    let n = app
        .store
        .read(|c| hailong::store::actions::list(c, None, false, 10))
        .unwrap();
    assert!(n.is_empty());
}
