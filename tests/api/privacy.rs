//! Issue 34, first part: personal data under Law 91/2025 — the notice and the record of
//! processing built from the running settings, consent recorded with the notice's version,
//! and retention swept for contacts and audit rows.

use crate::both_backends;
use crate::helpers::*;
use hailong::domain::invite::Via;
use hailong::service::invite::{InviteSettings, SmsSettings, ZnsSettings};

/// The version printed on `/privacy`.
fn version_on(page: &str) -> String {
    let (_, rest) = page.split_once("<code>").expect("a version");
    rest.split_once("</code>").unwrap().0.to_string()
}

/// The recipients the notice lists.
fn recipients_on(page: &str) -> Vec<String> {
    let Some((_, list)) = page.split_once("<ul id=\"recipients\">") else {
        return Vec::new();
    };
    let list = list.split_once("</ul>").unwrap().0;
    list.split("<li>")
        .filter_map(|l| l.split_once("</li>").map(|(x, _)| x.to_string()))
        .collect()
}

/// The notice lists exactly the recipients the settings give (the webhook's host, the Zalo
/// and SMS providers' hosts), names the controller, and says so in English too; without them
/// it says no one outside the unit receives anything.
async fn the_notice_lists_exactly_the_configured_recipients(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.get("/privacy").await.text().await.unwrap();
    assert!(page.contains("Không có bên nào ngoài đơn vị"), "{page}");
    assert!(
        page.contains("--controller-name"),
        "an unset controller is said"
    );
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.privacy.controller_name = "UBND phường An Lạc".into();
    s.privacy.controller_contact = "565 Kinh Dương Vương; 028 3876 0000".into();
    s.webhook_url = Some("http://10.1.2.3:9000/hook".into());
    s.webhook_secret = Some("a-shared-secret-of-some-length".into());
    s.invite = InviteSettings {
        via: Via::parse("zns,sms").unwrap(),
        zns: Some(ZnsSettings {
            url: "https://business.openapi.zalo.me".into(),
            token_file: "/nonexistent".into(),
            refresh_url: None,
            template: "1".into(),
        }),
        sms: Some(SmsSettings {
            url: "https://user:secret@rest.esms.vn/send".into(),
            token_file: None,
            auth_header: "Authorization".into(),
            body: r#"{"to":"{phone}","text":"{text}"}"#.into(),
            ok: None,
            template: "{link}".into(),
        }),
        ..Default::default()
    };
    let app = spawn_on(backend, &db, s).await;
    let page = app.get("/privacy").await.text().await.unwrap();
    assert_eq!(
        recipients_on(&page),
        ["10.1.2.3:9000", "business.openapi.zalo.me", "rest.esms.vn"]
    );
    assert!(page.contains("UBND phường An Lạc") && !page.contains("user:secret"));
    let en = app.get("/privacy?lang=en").await.text().await.unwrap();
    assert!(en.contains("Personal data") && en.contains("Legal basis"));
    // The footer of every page leads there.
    let front = app.get("/").await.text().await.unwrap();
    assert!(front.contains("href=\"/privacy\""));
}
both_backends!(the_notice_lists_exactly_the_configured_recipients);

/// A contact given with feedback is recorded with the version of the notice the service
/// runs under (the item's received day is the consent's day); no contact, no version.
async fn consent_is_recorded_with_the_notice_version(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let version = version_on(&app.get("/privacy").await.text().await.unwrap());
    assert_eq!(version.len(), 12);
    let form = app.get("/feedback/phuong-a").await.text().await.unwrap();
    assert!(
        form.contains("href=\"/privacy\""),
        "the contact field links the notice"
    );
    let with = crate::feedback::file_via_page(
        &app,
        "phuong-a",
        "Xin hỏi giờ làm việc.",
        "0912 345 678",
        false,
    )
    .await;
    let without = crate::feedback::file_via_page(
        &app,
        "phuong-a",
        "Xin hỏi giờ làm việc thứ Bảy.",
        "",
        false,
    )
    .await;
    let row = |code: &str| {
        let hash = hailong::domain::ticket::TicketCode::parse(code)
            .unwrap()
            .hash();
        app.store
            .read(|c| hailong::store::privacy::notice_version_of(c, &hash))
            .unwrap()
    };
    assert_eq!(row(&with), Some(version));
    assert_eq!(row(&without), None);
}
both_backends!(consent_is_recorded_with_the_notice_version);

/// `hailong privacy register` prints the register the service last started with: another
/// comment retention, another register (and another notice version).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_follows_the_running_settings() {
    let db = fresh_database(Backend::Sqlite);
    let (ok, _, err) = crate::cli::run(&db, &["privacy", "register"]);
    assert!(!ok && err.contains("has not started"), "{err}");
    let mut s = settings(&db);
    s.comment_retention_days = 730;
    drop(spawn_on(Backend::Sqlite, &db, s).await);
    let (ok, first, err) = crate::cli::run(&db, &["privacy", "register", "--format", "json"]);
    assert!(ok, "{err}");
    assert!(first.contains("comments_days:730"), "{first}");
    let mut s = settings(&db);
    s.comment_retention_days = 365;
    drop(spawn_on(Backend::Sqlite, &db, s).await);
    let (_, second, _) = crate::cli::run(&db, &["privacy", "register", "--format", "json"]);
    assert!(second.contains("comments_days:365"), "{second}");
    let v =
        |json: &str| serde_json::from_str::<serde_json::Value>(json).unwrap()["version"].clone();
    assert_ne!(v(&first), v(&second));
    let (ok, md, _) = crate::cli::run(&db, &["privacy", "register", "--lang", "en"]);
    assert!(ok && md.starts_with("# Record of processing"), "{md}");
    assert!(md.contains("| Survey answers and comments"), "{md}");
    assert!(
        md.contains("free-text comments deleted after 365 days"),
        "{md}"
    );
}

/// The sweep deletes a closed item's contact after its period, a completed request after
/// its own and audit rows after theirs, and says so in the audit log with counts; an open
/// item keeps its contact.
async fn retention_sweeps_contacts_and_audit_rows(backend: Backend) {
    use hailong::service::retention::{sweep, Retention};
    let app = spawn_app(backend).await;
    app.seed_units();
    let (old, open) = two_items(&app, "0912 345 679").await;
    let id = crate::feedback::id_of(&app, &old);
    let long_ago = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    exec(
        &app.db_url,
        &format!("UPDATE feedback SET status = 'answered', answered_date = '{long_ago}', decided_date = '{long_ago}' WHERE id = {id}"),
    );
    let fields = [("kind", "access"), ("code", open.as_str())];
    assert_eq!(
        app.post_form("/privacy/request", &fields).await.status(),
        200
    );
    let admin = app
        .signed_in(hailong::domain::user::Role::Admin, None)
        .await;
    let done = admin.post_form("/staff/privacy/1/complete", &[]).await;
    assert_eq!(done.status(), 200);
    let r = Retention {
        comment_days: 0,
        contact_days: 365,
        request_days: 365,
        audit_years: 1,
    };
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let n = sweep(&app.store, r, later).unwrap();
    assert!(n >= 2, "a contact and the audit rows of today: {n}");
    let contact = |code: &str| {
        let hash = hailong::domain::ticket::TicketCode::parse(code)
            .unwrap()
            .hash();
        app.store
            .read(|c| hailong::store::feedback::by_code_hash(c, &hash))
            .unwrap()
            .unwrap()
            .contact
    };
    assert_eq!(contact(&old), None);
    assert!(contact(&open).is_some());
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    assert!(
        audit.iter().any(|a| a.action == "retention.personal_data"
            && a.target.contains("1 contacts")
            && a.target.contains("1 requests completed")),
        "{audit:?}"
    );
}
both_backends!(retention_sweeps_contacts_and_audit_rows);

/// Runs one statement on a connection of its own.
fn exec(db_url: &str, sql: &str) {
    use diesel::{Connection, RunQueryDsl};
    match db_url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut c = diesel::SqliteConnection::establish(path).unwrap();
            diesel::sql_query(sql).execute(&mut c).unwrap();
        }
        None => {
            let mut c = diesel::PgConnection::establish(db_url).unwrap();
            diesel::sql_query(sql).execute(&mut c).unwrap();
        }
    };
}

/// A breach found two hours ago has about 70 hours left and stands on the admins' dashboard
/// until the notification is recorded; one found four days ago is overdue; a time in the
/// future is refused (422) with what was typed kept; an officer may not see the page.
async fn a_breach_counts_72_hours_until_it_is_notified(backend: Backend) {
    use hailong::domain::user::Role;
    let app = spawn_app(backend).await;
    app.seed_units();
    let admin = app.signed_in(Role::Admin, None).await;
    let officer = app.signed_in(Role::Officer, Some("phuong-a")).await;
    assert_eq!(officer.get("/staff/breaches").await.status(), 403);
    let local = |hours_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours_ago))
            .with_timezone(&hailong::domain::local_offset())
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let record = |found: String, what: &'static str| {
        let admin = &admin;
        async move {
            let fields = [
                ("found_at", found.as_str()),
                ("what", what),
                ("people", "12"),
                ("measures", "Đổi mật khẩu"),
            ];
            admin.post_form("/staff/breaches", &fields).await
        }
    };
    let r = record(local(-3), "Tương lai").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("không thể ở tương lai") && html.contains("Tương lai"),
        "{html}"
    );
    let r = record(local(2), "Mất máy tính xách tay có danh bạ phản ánh").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("giờ để thông báo") && html.contains("Mất máy tính"),
        "{html}"
    );
    assert_eq!(record(local(96), "Gửi nhầm email").await.status(), 200);
    let page = admin.get("/staff/breaches").await.text().await.unwrap();
    assert!(page.contains("Quá hạn thông báo"), "{page}");
    let home = admin.get("/staff").await.text().await.unwrap();
    assert_eq!(home.matches("Sự cố dữ liệu #").count(), 2, "{home}");
    for id in breach_ids(&page) {
        let r = admin
            .post_form(&format!("/staff/breaches/{id}/notified"), &[])
            .await;
        assert_eq!(r.status(), 200);
    }
    let home = admin.get("/staff").await.text().await.unwrap();
    assert!(!home.contains("Sự cố dữ liệu #"), "{home}");
    let audit = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "privacy.breach_notified")
            .count(),
        2
    );
}
both_backends!(a_breach_counts_72_hours_until_it_is_notified);

fn breach_ids(page: &str) -> Vec<String> {
    page.split("action=\"/staff/breaches/")
        .skip(1)
        .filter_map(|s| s.split_once('/').map(|(id, _)| id.to_string()))
        .collect()
}

/// A citizen asks with a tracking code (a wrong one, or a correction without a contact, is
/// refused the same way as any wrong proof); an admin acknowledges, extends once with a
/// reason, completes; access gives that item's data and nobody else's; a deletion leaves
/// the contact in no table.
async fn a_request_is_acknowledged_extended_and_completed(backend: Backend) {
    use hailong::domain::user::Role;
    let app = spawn_app(backend).await;
    app.seed_units();
    let holidays = two_holidays(&app.db_url);
    let (mine, other) = two_items(&app, "0987 111 222").await;
    let ask = |kind: &'static str, code: String, correction: &'static str| {
        let app = &app;
        async move {
            let fields = [
                ("kind", kind),
                ("code", code.as_str()),
                ("correction", correction),
            ];
            let r = app.post_form("/privacy/request", &fields).await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = ask("access", "AAAAAAAAAAAAAAA".into(), "").await;
    assert_eq!(status, 422);
    assert!(html.contains("Không tìm thấy phản ánh"), "{html}");
    let long: &'static str = Box::leak("9".repeat(10_000).into_boxed_str());
    for bad in ["", "\u{200b}\u{200b}", long] {
        let (status, html) = ask("correction", mine.clone(), bad).await;
        assert_eq!(status, 422);
        assert!(
            html.contains("số điện thoại hoặc email mới hợp lệ"),
            "{html}"
        );
    }
    let (status, html) = ask("access", mine.clone(), "").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã nhận yêu cầu số"), "{html}");
    let admin = app.signed_in(Role::Admin, None).await;
    let id = the_queue_and_the_data(&admin).await;
    let queue = admin.get("/staff/privacy").await.text().await.unwrap();
    for (label, n) in [("Hạn xác nhận: ", 2), ("Hạn giải quyết: ", 15)] {
        let due = working_days_by_hand(&holidays, n).format("%d/%m/%Y");
        assert!(
            queue.contains(&format!("{label}{due}")),
            "{label}{due}: {queue}"
        );
    }
    let step = |step: &'static str, reason: &'static str| {
        let (admin, id) = (&admin, id.clone());
        async move {
            admin
                .post_form(
                    &format!("/staff/privacy/{id}/{step}"),
                    &[("reason", reason)],
                )
                .await
                .status()
        }
    };
    assert_eq!(step("acknowledge", "").await, 200);
    assert_eq!(step("acknowledge", "").await, 422, "once");
    assert_eq!(step("extend", "x").await, 422, "a reason is needed");
    assert_eq!(step("extend", "Cần đối chiếu hồ sơ giấy").await, 200);
    assert_eq!(step("extend", "Lần nữa").await, 422, "one extension");
    assert_eq!(step("complete", "").await, 200);
    a_deletion_leaves_no_contact(&app, &admin, other).await;
}
both_backends!(a_request_is_acknowledged_extended_and_completed);

async fn a_deletion_leaves_no_contact(app: &TestApp, admin: &StaffClient<'_>, code: String) {
    let r = app
        .post_form(
            "/privacy/request",
            &[("kind", "deletion"), ("code", code.as_str())],
        )
        .await;
    assert_eq!(r.status(), 200);
    let queue = admin.get("/staff/privacy").await.text().await.unwrap();
    let id = queue
        .split("/staff/privacy/")
        .filter_map(|s| s.split('/').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .max()
        .unwrap();
    let r = admin
        .post_form(&format!("/staff/privacy/{id}/complete"), &[])
        .await;
    assert_eq!(r.status(), 200);
    for (table, line) in crate::invitations::dump_tables(&app.db_url) {
        assert!(
            !line.contains("987 111 222") && !line.contains("lệ phí"),
            "{table}: {line}"
        );
    }
}

/// The queue shows the request with its deadlines; its data is that item's and nobody else's.
async fn the_queue_and_the_data(admin: &StaffClient<'_>) -> String {
    let queue = admin.get("/staff/privacy").await.text().await.unwrap();
    let id = queue
        .split("/staff/privacy/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert!(
        queue.contains("Hạn xác nhận") && queue.contains("Hạn giải quyết"),
        "{queue}"
    );
    let data = admin
        .get(&format!("/staff/privacy/{id}/data.json"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        data.contains("0912 345 678") && data.contains("giờ làm việc"),
        "{data}"
    );
    assert!(
        !data.contains("0987 111 222") && !data.contains("lệ phí"),
        "only that item: {data}"
    );
    id
}

/// Holidays on the next two weekdays after today (in the database, before the calendar is
/// first read).
fn two_holidays(db_url: &str) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    let today = hailong::domain::local_date(chrono::Utc::now());
    let days: Vec<_> = today
        .iter_days()
        .skip(1)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .take(2)
        .collect();
    for d in &days {
        exec(
            db_url,
            &format!("INSERT INTO holidays (day, name) VALUES ('{d}', 'Nghỉ bù')"),
        );
    }
    days
}

/// The `n`th working day after today, counted one day at a time: weekends and `holidays` off.
fn working_days_by_hand(holidays: &[chrono::NaiveDate], n: usize) -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = hailong::domain::local_date(chrono::Utc::now());
    today
        .iter_days()
        .skip(1)
        .filter(|d| d.weekday().number_from_monday() <= 5 && !holidays.contains(d))
        .nth(n - 1)
        .unwrap()
}

/// Two feedback items of two people: one about working hours with "0912 345 678", one about
/// fees with `contact`. Their tracking codes.
async fn two_items(app: &TestApp, contact: &str) -> (String, String) {
    let file = |text: &'static str, contact: String| async move {
        crate::feedback::file_via_page(app, "phuong-a", text, &contact, false).await
    };
    (
        file("Xin hỏi giờ làm việc.", "0912 345 678".into()).await,
        file("Xin hỏi lệ phí.", contact.to_string()).await,
    )
}

/// Requests from one address are limited (10 an hour by default): the eleventh is told to
/// wait, whatever its code.
async fn requests_from_one_address_are_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let fields = [("kind", "access"), ("code", "AAAAAAAAAAAAAAA")];
        statuses.push(
            app.post_form("/privacy/request", &fields)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..10], &[422; 10]);
    assert_eq!(statuses[10], 429, "{statuses:?}");
}
both_backends!(requests_from_one_address_are_limited);
