//! Citizens' feedback: the whole loop through the real server (file → accept → answer →
//! publish → rate), bad input, merge and decline, masking on every public page, deadlines
//! across a weekend and a holiday, the figures in the index table, the export, and the
//! signed webhook received once per event and retried after a failure.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::StaffClient;
use crate::helpers::{
    as_refs, fresh_database, full_answers, settings, spawn_app, spawn_on, Backend, TestApp,
};
use hailong::domain::feedback::{Overdue, Status, Step};
use hailong::domain::user::Role;
use hailong::service::feedback::{self, FeedbackError, FeedbackSettings, Filing};
use hailong::service::users::Staff;

const CONTACT: &str = "0912 345 678";
const TEXT: &str = "Hồ sơ của tôi nộp từ tuần trước chưa có kết quả. Gọi tôi số 0987.654.321 hoặc viết cho an.nguyen@example.vn.";

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

fn count_feedback(app: &TestApp) -> usize {
    app.store
        .read(|c| hailong::store::feedback::queue(c, None, None, None, 1))
        .unwrap()
        .1 as usize
}

/// Files through the page; returns the tracking code.
pub(crate) async fn file_via_page(
    app: &TestApp,
    unit: &str,
    text: &str,
    contact: &str,
    consent: bool,
) -> String {
    let mut form = vec![("subject", "other"), ("text", text), ("contact", contact)];
    if consent {
        form.push(("consent", "yes"));
    }
    let r = app.post_form(&format!("/feedback/{unit}"), &form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let to = location(&r);
    let code = to
        .strip_prefix("/feedback/track/")
        .and_then(|r| r.split('?').next())
        .expect("to the tracking page")
        .to_string();
    assert_eq!(code.len(), 15);
    code
}

pub(crate) fn id_of(app: &TestApp, code: &str) -> i64 {
    app.store
        .read(|c| {
            let hash = hailong::domain::ticket::TicketCode::parse(code)
                .expect("a code")
                .hash();
            hailong::store::feedback::by_code_hash(c, &hash)
        })
        .unwrap()
        .expect("stored")
        .id
}

pub(crate) async fn step(staff: &StaffClient<'_>, id: i64, step: &str, text: &str) -> StatusCode {
    let r = staff
        .post_form(
            &format!("/staff/feedback/{id}"),
            &[("step", step), ("text", text)],
        )
        .await;
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(
        status == StatusCode::SEE_OTHER || status.is_client_error(),
        "{status}: {body}"
    );
    status
}

/// A page's text.
pub(crate) async fn text_of(app: &TestApp, path: &str) -> String {
    app.get(path).await.text().await.unwrap()
}

/// The citizen's rating of a reply (`yes` or `no`).
pub(crate) async fn rate(app: &TestApp, code: &str, satisfied: &str) -> reqwest::Response {
    app.post_form(
        &format!("/feedback/track/{code}/rate"),
        &[("satisfied", satisfied)],
    )
    .await
}

/// Nothing personal on a public page: the contact given, the phone and the e-mail in the text.
pub(crate) fn assert_masked(page: &str, what: &str) {
    for secret in [
        "345 678",
        "0912",
        "654.321",
        "0987",
        "an.nguyen",
        "example.vn",
    ] {
        assert!(!page.contains(secret), "{what} shows {secret}");
    }
}

async fn the_whole_loop(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let officer = app.staff("can-bo-a", Role::Officer, Some("phuong-a")).await;
    let officer_b = app.staff("can-bo-b", Role::Officer, Some("phuong-b")).await;
    let viewer = app.staff("lanh-dao", Role::Viewer, None).await;
    the_page_is_vietnamese_first(&app).await;
    bad_input_gets_a_clear_4xx_and_stores_nothing(&app).await;
    let code = filed_and_tracked_without_the_contact(&app).await;
    let id = staff_of_the_unit_alone_see_it(&app, &officer, &officer_b, &viewer, &code).await;
    accepted_answered_and_published(&officer, id).await;
    public_pages_show_it_masked(&app).await;
    the_citizen_rates_the_reply_once(&app, &code).await;
    every_step_is_in_the_audit_log(&app, id).await;
    let year = chrono::Datelike::year(&hailong::domain::local_date(Utc::now()));
    let token = app.token("hnv", None);
    the_figures_are_in_the_index_table(&app, &token, year).await;
    the_report_and_the_api_say_the_same(&app, &officer, &viewer, &token, year).await;
}
both_backends!(the_whole_loop);

/// The page: Vietnamese first, the unit's subjects and "other", no script.
async fn the_page_is_vietnamese_first(app: &TestApp) {
    let page = app.get("/feedback/phuong-a").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Gửi phản ánh, kiến nghị") && html.contains("Phường A"));
    assert!(html.contains("value=\"other\"") && html.contains("Thủ tục hành chính"));
    assert!(!html.contains("<script"));
    let en = app
        .get("/feedback/phuong-a?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Send feedback or a request"));
}

/// Bad input: a clear 4xx, nothing stored.
async fn bad_input_gets_a_clear_4xx_and_stores_nothing(app: &TestApp) {
    let r = app
        .post_form(
            "/feedback/phuong-a",
            &[("subject", "other"), ("text", "   ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Vui lòng nhập nội dung"));
    let long = "ạ".repeat(4001);
    let r = app
        .post_form(
            "/feedback/phuong-a",
            &[("subject", "other"), ("text", &long)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/feedback/phuong-a",
            &[("subject", "other"), ("text", "x"), ("contact", "gọi tôi")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/feedback/phuong-a",
            &[("subject", "Không có trong danh sách"), ("text", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form("/feedback/khong-co", &[("subject", "other"), ("text", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post_form(
            "/feedback/phuong-cu",
            &[("subject", "other"), ("text", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("/feedback/phuong-moi"));
    let r = app
        .client
        .post(app.url("/feedback/phuong-a"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"subject=other&text=%FF%FE".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count_feedback(app), 0, "nothing stored from bad input");
}

/// Filed: the tracking page shows the code and the status; the contact is not on it.
async fn filed_and_tracked_without_the_contact(app: &TestApp) -> String {
    let code = file_via_page(app, "phuong-a", TEXT, CONTACT, true).await;
    let track = app.get(&format!("/feedback/track/{code}?new=1")).await;
    assert_eq!(track.status(), StatusCode::OK);
    let html = track.text().await.unwrap();
    let grouped = hailong::domain::ticket::TicketCode::parse(&code)
        .unwrap()
        .grouped();
    assert!(
        html.contains(&grouped) && html.contains("Đã tiếp nhận"),
        "{grouped}"
    );
    assert_masked(&html, "the tracking page");
    // A mistyped code says so (the check symbol), an unknown one too.
    let wrong: String = code.chars().rev().collect();
    assert_eq!(
        app.get(&format!("/feedback/track/{wrong}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // Nothing to rate yet.
    let r = rate(app, &code, "yes").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    code
}

/// Staff: the officer of the unit sees it with the contact; the other unit's officer and leaders do not.
async fn staff_of_the_unit_alone_see_it(
    app: &TestApp,
    officer: &StaffClient<'_>,
    officer_b: &StaffClient<'_>,
    viewer: &StaffClient<'_>,
    code: &str,
) -> i64 {
    let id = id_of(app, code);
    let queue = officer.get("/staff/feedback").await;
    assert_eq!(queue.status(), StatusCode::OK);
    assert!(queue
        .text()
        .await
        .unwrap()
        .contains(&format!("/staff/feedback/{id}")));
    let item = officer
        .get(&format!("/staff/feedback/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(item.contains(CONTACT), "the officer sees the contact");
    assert_masked(
        item.split("class=\"ok\"").nth(1).unwrap_or(""),
        "the publication preview",
    );
    assert_eq!(
        officer_b
            .get(&format!("/staff/feedback/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let other_queue = officer_b.get("/staff/feedback").await.text().await.unwrap();
    assert!(!other_queue.contains(&format!("/staff/feedback/{id}")));
    assert_eq!(
        viewer.get("/staff/feedback").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get(&format!("/staff/feedback/{id}")).await.status(),
        StatusCode::FORBIDDEN
    );
    // A step without the form's CSRF token is refused.
    let r = officer
        .post_exactly(
            &format!("/staff/feedback/{id}"),
            &[("csrf", "x"), ("step", "accept")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Publishing before answering is refused.
    assert_eq!(step(officer, id, "publish", "").await, StatusCode::CONFLICT);
    id
}

async fn accepted_answered_and_published(officer: &StaffClient<'_>, id: i64) {
    assert_eq!(step(officer, id, "accept", "").await, StatusCode::SEE_OTHER);
    assert_eq!(
        step(officer, id, "answer", "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let reply = format!("Hồ sơ đã có kết quả; mời anh đến nhận. Chúng tôi đã gọi số {CONTACT}.");
    assert_eq!(
        step(officer, id, "answer", &reply).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(officer, id, "publish", "").await,
        StatusCode::SEE_OTHER
    );
}

/// Public pages: the question (masked) and the reply (masked), newest first.
async fn public_pages_show_it_masked(app: &TestApp) {
    for path in [
        "/units/phuong-a/feedback",
        "/feedback",
        "/units/phuong-a/feedback/print",
        "/units/phuong-a/feedback?lang=en",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Hồ sơ đã có kết quả"),
            "{path} shows the reply"
        );
        assert!(
            html.contains("chưa có kết quả"),
            "{path} shows the question"
        );
        assert_masked(&html, path);
    }
    assert_eq!(
        app.get("/units/khong-co/feedback").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The citizen reads the reply and rates it, once.
async fn the_citizen_rates_the_reply_once(app: &TestApp, code: &str) {
    let html = text_of(app, &format!("/feedback/track/{code}")).await;
    assert!(html.contains("Hồ sơ đã có kết quả") && html.contains("name=\"satisfied\""));
    let r = rate(app, code, "yes").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = rate(app, code, "no").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = text_of(app, &format!("/feedback/track/{code}")).await;
    assert!(html.contains("Bạn đã đánh giá: hài lòng") && !html.contains("name=\"satisfied\""));
}

/// Every step is in the audit log.
async fn every_step_is_in_the_audit_log(app: &TestApp, id: i64) {
    let log = hailong::service::audit::recent(&app.store, 100).unwrap();
    for action in ["feedback.accept", "feedback.answer", "feedback.publish"] {
        assert!(
            log.iter().any(|e| e.action == action
                && e.actor == "can-bo-a"
                && e.target == format!("#{id}")),
            "{action} in the audit log"
        );
    }
    assert!(log
        .iter()
        .any(|e| e.action == "feedback.publish" && e.outcome == "refused"));
}

/// The figures, in the index table's new columns.
async fn the_figures_are_in_the_index_table(app: &TestApp, token: &str, year: i32) {
    let csv = app
        .client
        .get(app.url(&format!("/exports/indices.csv?period={year}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    // SPEC §9's nine columns, then §11's five at the very end.
    assert_eq!(
        header[header.len() - 5..],
        [
            "invitations_delivered",
            "invited_responses",
            "invited_response_pct",
            "dossiers_returned",
            "on_time_return_pct"
        ]
    );
    assert_eq!(
        header[header.len() - 14..header.len() - 5],
        [
            "prev_period",
            "prev_sipas_pct",
            "sipas_pooled_pct",
            "sipas_pooled_ci_low",
            "sipas_pooled_ci_high",
            "feedback_received",
            "feedback_answered",
            "feedback_on_time_pct",
            "feedback_reply_satisfied_pct"
        ]
    );
    let row_a: Vec<&str> = lines
        .find(|l| l.contains(",phuong-a,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |name: &str| row_a[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("feedback_received"), "1");
    assert_eq!(col("feedback_answered"), "1");
    assert_eq!(col("feedback_on_time_pct"), "100.00");
    assert_eq!(col("feedback_reply_satisfied_pct"), "100.00");
    assert_eq!(col("prev_period"), (year - 1).to_string());
}

/// The report's section (the officer's live preview of their unit).
async fn the_report_and_the_api_say_the_same(
    app: &TestApp,
    officer: &StaffClient<'_>,
    viewer: &StaffClient<'_>,
    token: &str,
    year: i32,
) {
    let report = officer.get(&format!("/reports/{year}")).await;
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.unwrap();
    assert!(
        report.contains(
            "Tiếp nhận 1 phản ánh, kiến nghị (0 không tiếp nhận); đã trả lời 1, đúng hạn 100"
        ),
        "the report's feedback section"
    );
    assert_masked(&report, "the report");

    // The API: figures and items, masked, no contact; a leader is refused.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/feedback?period={year}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert_masked(&body, "the API");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"]["received"], 1);
    assert_eq!(v["items"][0]["status"], "published");
    assert_eq!(v["items"][0]["reply_satisfied"], true);
    assert_eq!(
        viewer
            .get(&format!("/api/v1/feedback?period={year}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

async fn merge_and_decline(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let admin = app.staff("noi-vu", Role::Admin, None).await;
    let kept = file_via_page(
        &app,
        "phuong-a",
        "Đường vào bộ phận một cửa bị ngập.",
        "",
        false,
    )
    .await;
    let dup = file_via_page(
        &app,
        "phuong-a",
        "Lối vào ngập nước khi mưa.",
        "dan@example.vn",
        false,
    )
    .await;
    let other_unit = file_via_page(&app, "phuong-b", "Không liên quan.", "", false).await;
    let spam = file_via_page(&app, "phuong-a", "Quảng cáo.", "", false).await;
    let (kept_id, dup_id, spam_id) = (id_of(&app, &kept), id_of(&app, &dup), id_of(&app, &spam));
    let other_id = id_of(&app, &other_unit);
    // An admin narrows the queue to one unit.
    let queue_b = admin
        .get("/staff/feedback?unit=phuong-b")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue_b.contains(&format!("/staff/feedback/{other_id}\"")));
    assert!(!queue_b.contains(&format!("/staff/feedback/{kept_id}\"")));
    duplicates_merge_within_a_unit(&admin, [kept_id, dup_id, other_id], [&kept, &dup]).await;
    declining_needs_a_reason_the_citizen_reads(&app, &admin, spam_id, &spam).await;
    the_duplicates_citizen_follows_the_kept_item(&app, &admin, kept_id, &dup).await;
    // Figures: a merged duplicate counts once (in the kept item); a declined one is received.
    let today = hailong::domain::local_date(Utc::now());
    let period = hailong::domain::period::Period::parse(
        &chrono::Datelike::year(&today).to_string(),
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap();
    let (per, _) = feedback::figures(
        &app.store,
        &FeedbackSettings::default(),
        &period,
        None,
        Utc::now(),
    )
    .unwrap();
    let a = &per["phuong-a"];
    assert_eq!((a.received, a.answered, a.declined), (2, 1, 1));
}
both_backends!(merge_and_decline);

/// Merging into another unit's item, or into itself, is refused; into the kept one works,
/// and staff never see a tracking code.
async fn duplicates_merge_within_a_unit(
    admin: &StaffClient<'_>,
    [kept_id, dup_id, other_id]: [i64; 3],
    [kept, dup]: [&str; 2],
) {
    assert_eq!(
        step(admin, dup_id, "merge", &format!("#{other_id}")).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(admin, dup_id, "merge", &dup_id.to_string()).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(admin, dup_id, "merge", &format!("#{kept_id}")).await,
        StatusCode::SEE_OTHER
    );
    let item = admin
        .get(&format!("/staff/feedback/{kept_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        item.contains(&format!("#{dup_id}")),
        "the kept item lists its duplicate"
    );
    assert!(
        !item.contains(dup) && !item.contains(kept),
        "staff never see a tracking code"
    );
}

async fn declining_needs_a_reason_the_citizen_reads(
    app: &TestApp,
    admin: &StaffClient<'_>,
    spam_id: i64,
    spam: &str,
) {
    assert_eq!(
        step(admin, spam_id, "decline", "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(
            admin,
            spam_id,
            "decline",
            "Nội dung không thuộc thẩm quyền."
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let html = text_of(app, &format!("/feedback/track/{spam}")).await;
    assert!(html.contains("Không tiếp nhận") && html.contains("không thuộc thẩm quyền"));
    assert_eq!(
        step(admin, spam_id, "answer", "x").await,
        StatusCode::CONFLICT
    );
}

/// The duplicate's citizen follows the kept item: its reply, and may rate it. Without
/// consent, the published entry has the subject and the reply, not the question.
async fn the_duplicates_citizen_follows_the_kept_item(
    app: &TestApp,
    admin: &StaffClient<'_>,
    kept_id: i64,
    dup: &str,
) {
    assert_eq!(
        step(admin, kept_id, "answer", "Đã khơi thông cống thoát nước.").await,
        StatusCode::SEE_OTHER
    );
    let html = text_of(app, &format!("/feedback/track/{dup}")).await;
    assert!(html.contains("được gộp") && html.contains("Đã khơi thông cống"));
    let r = rate(app, dup, "no").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Without consent, the published entry has the subject and the reply, not the question.
    assert_eq!(
        step(admin, kept_id, "publish", "").await,
        StatusCode::SEE_OTHER
    );
    let public = app
        .get("/units/phuong-a/feedback")
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("Đã khơi thông cống") && !public.contains("bị ngập"));
}

fn at(date: &str, hour: u32) -> DateTime<Utc> {
    // Local (UTC+7) time on a date.
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    hailong::domain::local_offset()
        .from_local_datetime(&d.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// Deadlines count working days: a Friday evening's item is due to be decided on Tuesday; a
/// holiday moves it a day more. Checked through the service on a real database, with the
/// clock passed in.
async fn deadlines_skip_the_weekend_and_holidays(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let admin = Staff {
        id: 1,
        username: "noi-vu".into(),
        role: Role::Admin,
        unit: None,
        must_change_password: false,
        lead: false,
    };
    let settings = FeedbackSettings::default();
    let filed = at("2026-04-24", 19); // Friday evening
    let filing = Filing {
        unit: "phuong-a".into(),
        subject: "other".into(),
        text: "Xin hỏi thủ tục đăng ký khai sinh.".into(),
        contact: String::new(),
        consent: true,
    };
    let code = feedback::file(&app.store, &settings, &filing, filed).unwrap();
    let id = id_of(&app, code.as_str());
    let w = Watch {
        app: &app,
        settings: &settings,
        admin: &admin,
        id,
    };
    a_holiday_moves_the_decision_a_day(&w);
    the_answer_and_publication_count_working_days(&w);
    let period = hailong::domain::period::Period::parse(
        "2026-Q2",
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap();
    let (per, total) =
        feedback::figures(&app.store, &settings, &period, None, at("2026-06-30", 12)).unwrap();
    assert_eq!(per["phuong-a"].on_time_pct(), Some(0.0));
    assert_eq!(per["phuong-a"].median_days, Some(16.0));
    assert_eq!(total.answered, 1);
    // An officer of another unit cannot step it.
    let other = Staff {
        id: 2,
        username: "can-bo-b".into(),
        role: Role::Officer,
        unit: Some("phuong-b".into()),
        must_change_password: false,
        lead: false,
    };
    assert!(matches!(
        feedback::step(&app.store, &other, id, Step::Publish, "", Utc::now()),
        Err(FeedbackError::Denied(_))
    ));
    let row = app
        .store
        .read(|c| hailong::store::feedback::by_id(c, id))
        .unwrap()
        .unwrap();
    assert_eq!(row.status, Status::Answered.as_str());
}
both_backends!(deadlines_skip_the_weekend_and_holidays);

/// One item watched in the queue, at any hour.
struct Watch<'a> {
    app: &'a TestApp,
    settings: &'a FeedbackSettings,
    admin: &'a Staff,
    id: i64,
}

impl Watch<'_> {
    /// The item as the queue shows it `now`.
    fn at(&self, now: DateTime<Utc>) -> hailong::service::feedback::QueueItem {
        let (store, settings, admin) = (&self.app.store, self.settings, self.admin);
        feedback::queue(store, settings, admin, None, None, (false, None), None, now)
            .unwrap()
            .items
            .into_iter()
            .find(|q| q.row.id == self.id)
            .unwrap()
    }
}

/// Without holidays: decide by Tuesday 28 April; with Monday 27 a holiday (imported as
/// CSV), by Wednesday 29; a bad line of the list is named and nothing is kept.
fn a_holiday_moves_the_decision_a_day(w: &Watch<'_>) {
    assert_eq!(w.at(at("2026-04-28", 16)).overdue, None);
    assert_eq!(w.at(at("2026-04-29", 9)).overdue, Some(Overdue::Decide));
    // Monday 27 April made a holiday (imported as CSV): decide by Wednesday 29.
    let n = feedback::import_holidays_by(
        &w.app.store,
        w.admin,
        "date,name\n2026-04-27,Giỗ Tổ Hùng Vương (bù)\n2026-04-30,Ngày Giải phóng miền Nam\n2026-05-01,Quốc tế Lao động\n",
        at("2026-04-20", 9),
    )
    .unwrap();
    assert_eq!(n, 3);
    let q = w.at(at("2026-04-29", 9));
    assert_eq!(q.overdue, None);
    assert_eq!(q.due.decide, NaiveDate::from_ymd_opt(2026, 4, 29).unwrap());
    assert_eq!(w.at(at("2026-05-04", 9)).overdue, Some(Overdue::Decide));
    // A bad line is named and nothing is kept.
    let e = feedback::import_holidays_by(
        &w.app.store,
        w.admin,
        "2026-09-02,Quốc khánh\n2026-13-01,x\n",
        at("2026-04-20", 9),
    )
    .unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    assert_eq!(feedback::holidays(&w.app.store).unwrap().len(), 3);
}

/// Accepted on Wednesday: the answer is due 15 working days after receipt (Friday 24 April),
/// three holidays between: Wednesday 20 May. Answered a day late (16 working days); to be
/// published within 2 working days of the answer, over a weekend: by Monday 25 May.
fn the_answer_and_publication_count_working_days(w: &Watch<'_>) {
    feedback::step(
        &w.app.store,
        w.admin,
        w.id,
        Step::Accept,
        "",
        at("2026-04-29", 10),
    )
    .unwrap();
    let q = w.at(at("2026-05-20", 16));
    assert_eq!(q.due.answer, NaiveDate::from_ymd_opt(2026, 5, 20).unwrap());
    assert_eq!(q.overdue, None);
    assert_eq!(w.at(at("2026-05-21", 8)).overdue, Some(Overdue::Answer));
    feedback::step(
        &w.app.store,
        w.admin,
        w.id,
        Step::Answer,
        "Mời chị mang giấy chứng sinh.",
        at("2026-05-21", 9),
    )
    .unwrap();
    assert_eq!(w.at(at("2026-05-25", 16)).overdue, None);
    assert_eq!(w.at(at("2026-05-26", 8)).overdue, Some(Overdue::Publish));
}

/// A survey with a long comment or a low score offers to turn the comment into feedback:
/// one tap, nothing retyped, once.
async fn a_survey_comment_becomes_feedback(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let mut answers = full_answers("2");
    let comment = format!("Chờ quá lâu, gọi {CONTACT} giúp tôi.");
    answers.push(("comment".into(), comment.clone()));
    let id = uuid::Uuid::new_v4().to_string();
    answers.push(("submission_id".into(), id.clone()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let thanks = location(&r);
    assert!(thanks.contains(&format!("r={id}")), "{thanks}");
    let html = app.get(&thanks).await.text().await.unwrap();
    assert!(html.contains("/feedback/from-survey") && html.contains(&id));
    assert!(!html.contains(CONTACT), "the comment is not shown again");
    let r = app
        .post_form(
            "/feedback/from-survey",
            &[("submission_id", id.as_str()), ("consent", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r)
        .strip_prefix("/feedback/track/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let row = app
        .store
        .read(|c| hailong::store::feedback::by_id(c, id_of(&app, &code)))
        .unwrap()
        .unwrap();
    assert_eq!(row.body, comment);
    assert!(row.from_survey && row.contact.is_none());
    // Once only.
    let r = app
        .post_form("/feedback/from-survey", &[("submission_id", id.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A satisfied survey with a short comment gets the plain thank-you page.
    let mut answers = full_answers("5");
    answers.push(("comment".into(), "Tốt.".into()));
    let r = app.post_form("/s/phuong-a", &as_refs(&answers)).await;
    assert!(!location(&r).contains("r="));
}
both_backends!(a_survey_comment_becomes_feedback);

/// One request the receiver saw: signature, delivery id, event, body, and its answer.
type Call = (Option<String>, Option<String>, Option<String>, String, u16);

/// What the test receiver saw: headers and body of each request, and how it answered.
#[derive(Default)]
struct Received {
    calls: Vec<Call>,
    fail_next: usize,
}

async fn receiver(seen: Arc<Mutex<Received>>) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    let data = web::Data::new(seen);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |req: HttpRequest, body: web::Bytes, seen: web::Data<Arc<Mutex<Received>>>| async move {
                let h = |n: &str| {
                    req.headers()
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let mut s = seen.lock().unwrap();
                let status = if s.fail_next > 0 {
                    s.fail_next -= 1;
                    500
                } else {
                    200
                };
                s.calls.push((
                    h("x-hailong-signature"),
                    h("x-hailong-delivery"),
                    h("x-hailong-event"),
                    String::from_utf8_lossy(&body).into_owned(),
                    status,
                ));
                HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
            },
        ))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{addr}/hook"), handle)
}

async fn the_webhook_is_signed_sent_once_and_retried(backend: Backend) {
    let seen = Arc::new(Mutex::new(Received {
        fail_next: 1,
        ..Received::default()
    }));
    let (url, handle) = receiver(seen.clone()).await;
    let secret = "a-shared-secret-of-some-length";
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.webhook_url = Some(url);
    s.webhook_secret = Some(secret.into());
    s.low_score_digest_secs = 1;
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    // The first digest only marks where counting starts.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let code = file_via_page(&app, "phuong-a", TEXT, CONTACT, true).await;
    let id = id_of(&app, &code);
    let mut answers = full_answers("1");
    answers.push(("comment".into(), "Rất tệ, liên hệ 0912345678".into()));
    assert_eq!(
        app.post_form("/s/phuong-a", &as_refs(&answers))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // A satisfied survey sends nothing.
    assert_eq!(
        app.post_form("/s/phuong-a", &as_refs(&full_answers("5")))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // The first delivery fails once (500) and is retried after 5 s.
    wait_for_two_deliveries(&seen).await;
    // Give a wrong second sending a chance to show itself.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let calls = std::mem::take(&mut seen.lock().unwrap().calls);
    handle.stop(false).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("hailong_webhook_pending 0"), "{metrics}");
    let delivered = each_event_is_delivered_once(&app, &calls);
    each_body_is_signed_and_holds_no_text(&app, &delivered, secret, id);
}
both_backends!(the_webhook_is_signed_sent_once_and_retried);

async fn wait_for_two_deliveries(seen: &Mutex<Received>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let ok = seen
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.4 == 200)
            .count();
        if ok >= 2 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Two events, each delivered once; the one failure retried with the same delivery id; the
/// outbox empty after. The delivered calls.
fn each_event_is_delivered_once<'a>(app: &TestApp, calls: &'a [Call]) -> Vec<&'a Call> {
    let delivered: Vec<_> = calls.iter().filter(|c| c.4 == 200).collect();
    assert_eq!(
        delivered.len(),
        2,
        "two events, each delivered once: {calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| c.4 == 500).count(),
        1,
        "one failure, retried"
    );
    let failed = calls.iter().find(|c| c.4 == 500).unwrap();
    assert!(
        delivered.iter().any(|d| d.1 == failed.1),
        "the failed event was sent again with the same delivery id"
    );
    let mut events: Vec<&str> = delivered.iter().map(|d| d.2.as_deref().unwrap()).collect();
    events.sort();
    assert_eq!(events, ["feedback.received", "survey.low_scores"]);
    // Delivered rows are gone: the outbox keeps no trace of when a low score came.
    assert_eq!(
        app.store
            .read(|c| hailong::store::feedback::due(
                c,
                chrono::Utc::now().naive_utc() + chrono::Duration::days(1),
                100
            ))
            .unwrap()
            .len(),
        0
    );
    delivered
}

/// The signature is HMAC-SHA256 of the body (checked with the hmac crate itself); no text,
/// no contact, no score, no time of an answer.
fn each_body_is_signed_and_holds_no_text(
    app: &TestApp,
    delivered: &[&Call],
    secret: &str,
    id: i64,
) {
    for (sig, _, _, body, _) in delivered {
        use hmac::{Hmac, Mac};
        let hex_sig = sig.as_deref().unwrap().strip_prefix("sha256=").unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        mac.verify_slice(&hex::decode(hex_sig).unwrap())
            .expect("a valid signature");
        // No text, no contact.
        for secret in ["345 678", "345678", "0987", "example", "Hồ sơ", "Rất tệ"] {
            assert!(
                !body.contains(secret),
                "the webhook carries {secret}: {body}"
            );
        }
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["unit"], "phuong-a");
        if v["event"] == "feedback.received" {
            assert_eq!(
                v["staff_link"],
                format!("{}/staff/feedback/{id}", app.address)
            );
        } else {
            // A count for the unit, no score and no time of an answer.
            assert_eq!(v["count"], 1);
            assert!(v.get("score").is_none() && v.get("at").is_none());
        }
    }
}

#[test]
fn a_webhook_without_a_secret_or_on_https_does_not_start() {
    let db = fresh_database(Backend::Sqlite);
    let mut s = settings(&db);
    s.webhook_url = Some("http://127.0.0.1:9/hook".into());
    let e = hailong::startup::Application::build(s.clone())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("--webhook-secret"), "{e}");
    s.webhook_url = Some("https://example.org/hook".into());
    s.webhook_secret = Some("x".repeat(20).into());
    let e = hailong::startup::Application::build(s)
        .err()
        .expect("refused");
    assert!(e.to_string().contains("http://"), "{e}");
}

/// `hailong export feedback`: masked texts, no contacts unless asked, and then audited.
#[test]
fn the_cli_exports_feedback_masked_and_contacts_only_on_request() {
    let db = fresh_database(Backend::Sqlite);
    let store = hailong::store::Store::open(&db).unwrap();
    crate::helpers::seed_units_into(&store);
    let filing = Filing {
        unit: "phuong-a".into(),
        subject: "other".into(),
        text: TEXT.into(),
        contact: CONTACT.into(),
        consent: false,
    };
    feedback::file(
        &store,
        &FeedbackSettings::default(),
        &filing,
        at("2026-05-04", 9),
    )
    .unwrap();
    let run = |args: &[&str]| crate::cli::run(&db, args);
    let (ok, csv, err) = run(&["export", "feedback", "--period", "2026-Q2"]);
    assert!(ok, "{err}");
    let csv = csv.trim_start_matches('\u{feff}');
    assert!(csv.starts_with("id,unit,subject,status,received,"), "{csv}");
    assert!(
        csv.contains("phuong-a") && csv.contains("chưa có kết quả"),
        "{csv}"
    );
    assert_masked(csv, "the export");
    let out =
        std::env::temp_dir().join(format!("hailong-fb-{}.csv", uuid::Uuid::new_v4().simple()));
    let (ok, _, err) = run(&[
        "export",
        "feedback",
        "--period",
        "2026-Q2",
        "--with-contacts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok && err.contains("with contacts"), "{err}");
    assert!(std::fs::read_to_string(&out).unwrap().contains(CONTACT));
    let log = hailong::service::audit::recent(&store, 10).unwrap();
    assert!(log.iter().any(|e| e.action == "feedback.export"
        && e.actor == "cli"
        && e.target.ends_with("with contacts")));
    let (ok, _, err) = run(&["export", "feedback", "--period", "2026-Q5"]);
    assert!(!ok && err.contains("2026-Q5"), "{err}");
    let (ok, _, err) = run(&[
        "export", "feedback", "--period", "2026-Q2", "--unit", "khong-co",
    ]);
    assert!(!ok && err.contains("khong-co"), "{err}");
}

/// A flood of feedback from one address meets the poster posts' limit: 429, nothing stored.
async fn a_flood_of_feedback_gets_429(backend: Backend) {
    let db = fresh_database(backend);
    let mut s = settings(&db);
    s.rate_limit = hailong::web::ratelimit::Limit::parse("3/600").unwrap();
    let app = spawn_on(backend, &db, s).await;
    app.seed_units();
    let mut statuses = Vec::new();
    for i in 0..5 {
        let text = format!("Phản ánh số {i}");
        let r = app
            .post_form(
                "/feedback/phuong-a",
                &[("subject", "other"), ("text", &text)],
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429]);
    assert_eq!(count_feedback(&app), 3);
}
both_backends!(a_flood_of_feedback_gets_429);
