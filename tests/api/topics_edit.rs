//! Issue 36: where comment topics are read — the report's "Người dân nói về" (shares and
//! intervals by hand, quotes masked, short and naming no one), the dashboard, the feedback
//! queue — and `/staff/topics`, where a rule change is previewed, then saved as an audited
//! version that every node tags by. Both backends.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;
use hailong::domain::user::Role;

async fn comment(app: &TestApp, unit: &str, text: &str) {
    let mut fields = full_answers("4");
    fields.push(("comment".into(), text.into()));
    let r = app
        .post_form(&format!("/s/{unit}"), &as_refs(&fields))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{text}");
}

fn this_quarter() -> String {
    let today = hailong::domain::local_date(chrono::Utc::now());
    hailong::domain::period::Period::quarter_containing(
        today,
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap()
    .label
}

/// The text between `from` and the next `to` after it.
fn between<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {page}"));
    let rest = &page[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// Five comments in Phường A, four complaining of time: 80.00 % [37.55, 96.38] (Wilson by
/// hand); of the four, one names a clerk and one held a phone number — neither is quoted; the
/// long one is cut to 200 characters around its words.
async fn the_report_says_what_people_complain_about(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let long = format!(
        "{}chờ lâu{}",
        "hôm nay trời đẹp và ".repeat(10),
        " rồi về nhà nghỉ ngơi".repeat(12)
    );
    for text in [
        "Phải chờ lâu quá, cả buổi sáng mới xong",
        "chị Lan ở quầy 2 làm chậm",
        "Gọi 0912345678 hỏi mãi, chờ lâu",
        "Nhân viên nhiệt tình, cảm ơn",
        long.as_str(),
    ] {
        comment(&app, "phuong-a", text).await;
    }
    let admin = app.signed_in(Role::Admin, None).await;
    let page = admin
        .get(&format!("/reports/{}", this_quarter()))
        .await
        .text()
        .await
        .unwrap();
    let section = between(&page, "<section class=\"topics\">", "</section>");
    assert!(section.contains("Trong 5 ý kiến"), "{section}");
    let time = between(section, "Thời gian giải quyết, trả kết quả", "</tr>");
    assert!(
        time.contains("<td>4</td><td>80,00 %</td><td>37,55 % – 96,38 %</td>"),
        "{time}"
    );
    let quoted = between(
        section,
        "<b>Thời gian giải quyết, trả kết quả:</b>",
        "</li>",
    );
    let quotes: Vec<&str> = quoted
        .split("<q>")
        .skip(1)
        .map(|q| &q[..q.find("</q>").unwrap()])
        .collect();
    assert_eq!(quotes.len(), 2, "{quoted}");
    for q in &quotes {
        let plain = q.replace("<mark>", "").replace("</mark>", "");
        assert!(
            plain.chars().count() <= 200,
            "{} characters: {plain}",
            plain.chars().count()
        );
        let marked = between(q, "<mark>", "</mark>");
        assert!(marked.contains("chờ"), "{q}");
    }
    assert!(
        quotes
            .iter()
            .any(|q| q.starts_with('…') && q.ends_with('…')),
        "{quotes:?}"
    );
    for never in ["Lan", "0912", "[…]", "Gọi"] {
        assert!(!section.contains(never), "{never} in {section}");
    }
    assert!(
        section.contains("Ý kiến khen, không chê điều gì: 1 (20,00 %)"),
        "{section}"
    );
    the_dashboard_and_the_english_report_agree(&admin).await;
}

/// The dashboard says the same of the unit; the English report says it in English.
async fn the_dashboard_and_the_english_report_agree(admin: &StaffClient<'_>) {
    let home = admin.get("/staff").await.text().await.unwrap();
    let row = between(&home, "Phường A</th>", "</tr>");
    assert!(
        row.contains("Thời gian giải quyết, trả kết quả (4)"),
        "{row}"
    );
    let en = admin
        .get(&format!("/reports/{}?lang=en", this_quarter()))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("What citizens wrote about")
            && en.contains("5 written comments (questionnaires")
    );
}
both_backends!(the_report_says_what_people_complain_about);

/// The feedback queue narrowed to a topic lists the items about it only.
async fn the_feedback_queue_is_filtered_by_topic(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    crate::feedback::file_via_page(
        &app,
        "phuong-a",
        "Phòng chờ nóng quá, không có ghế ngồi",
        "",
        false,
    )
    .await;
    crate::feedback::file_via_page(
        &app,
        "phuong-a",
        "Hồ sơ trễ hẹn ba tuần chưa có kết quả",
        "",
        false,
    )
    .await;
    let admin = app.signed_in(Role::Admin, None).await;
    let all = admin.get("/staff/feedback").await.text().await.unwrap();
    let facilities = admin
        .get("/staff/feedback?topic=facilities")
        .await
        .text()
        .await
        .unwrap();
    let time = admin
        .get("/staff/feedback?topic=time")
        .await
        .text()
        .await
        .unwrap();
    let ids = |page: &str| -> Vec<String> {
        page.split("href=\"/staff/feedback/")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(ids(&all).len(), 2, "{all}");
    assert_eq!(ids(&facilities).len(), 1, "{facilities}");
    assert_eq!(ids(&time).len(), 1, "{time}");
    assert_ne!(ids(&facilities), ids(&time));
    assert!(facilities.contains("<option value=\"facilities\" selected>"));
    // A topic that is not one is no filter.
    let unknown = admin
        .get("/staff/feedback?topic=nope")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(ids(&unknown).len(), 2);
}
both_backends!(the_feedback_queue_is_filtered_by_topic);

const R1: &str = "[[topic]]\ncode = \"time\"\ncomplaint = [\"chờ lâu\"]\n";
const R2: &str = "[[topic]]\ncode = \"time\"\ncomplaint = [\"chờ lâu\"]\n\n[[topic]]\ncode = \"cost\"\ncomplaint = [\"giữ xe\"]\n";

/// The fingerprint a preview gives to save with.
fn fingerprint(page: &str) -> String {
    between(page, "name=\"fingerprint\" value=\"", "\">")
        .trim_start_matches("name=\"fingerprint\" value=\"")
        .to_string()
}

/// The export's row of Phường A for a topic, today.
async fn csv_row(admin: &StaffClient<'_>, topic: &str) -> String {
    let today = hailong::domain::local_date(chrono::Utc::now());
    let q = format!("/exports/topics.csv?from={today}&to={today}");
    let csv = admin.get(&q).await.text().await.unwrap();
    csv.lines()
        .find(|l| l.contains(",phuong-a,") && l.contains(&format!(",{topic},")))
        .unwrap_or_default()
        .to_string()
}

/// Saves `rules` with `note` and the fingerprint; the page.
async fn save(admin: &StaffClient<'_>, rules: &str, note: &str, fp: &str) -> reqwest::Response {
    admin
        .post_form(
            "/staff/topics",
            &[("rules", rules), ("note", note), ("fingerprint", fp)],
        )
        .await
}

/// An officer may not; bad rules are refused with their line; only the previewed text is
/// saved, with a note; a preview counts by hand what a change tags and untags; every save is a
/// version, audited, and the exports and another node tag by the newest at once.
async fn rules_are_previewed_then_saved_as_versions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    comment(&app, "phuong-a", "Phải chờ lâu quá").await;
    comment(&app, "phuong-a", "Tiền giữ xe cao").await;
    let officer = app.signed_in(Role::Officer, Some("phuong-a")).await;
    let r = officer.get("/staff/topics").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin = app.signed_in(Role::Admin, None).await;
    bad_rules_and_unpreviewed_saves_are_refused(&admin).await;
    let preview = admin
        .post_form("/staff/topics/preview", &[("rules", R1)])
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("Trên 2 ý kiến"), "{preview}");
    let saved = save(&admin, R1, "chỉ còn thời gian", &fingerprint(&preview)).await;
    let saved = saved.text().await.unwrap();
    assert!(
        saved.contains("Đã lưu phiên bản 1") && saved.contains("phiên bản 1, "),
        "{saved}"
    );
    assert!(csv_row(&admin, "cost").await.contains(",cost,0,"));
    a_second_version_is_previewed_by_hand(&admin).await;
    assert!(csv_row(&admin, "cost").await.contains(",cost,1,"));
    versions_are_kept_and_audited(&app, &admin).await;
    // Another node on the same database tags by version 2 at its first request.
    let other = spawn_on(backend, &app.db_url, settings(&app.db_url)).await;
    let admin2 = other.signed_in(Role::Admin, None).await;
    assert!(csv_row(&admin2, "cost").await.contains(",cost,1,"));
}
both_backends!(rules_are_previewed_then_saved_as_versions);

async fn bad_rules_and_unpreviewed_saves_are_refused(admin: &StaffClient<'_>) {
    let page = admin.get("/staff/topics").await.text().await.unwrap();
    assert!(
        page.contains("bộ quy tắc kèm theo") && page.contains("Chưa có phiên bản nào"),
        "{page}"
    );
    let bad = admin
        .post_form(
            "/staff/topics/preview",
            &[("rules", "[[topic]]\ncode = \"nope\"\n")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("dòng 2"));
    let r = save(admin, R1, "thử", "0").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("đã khác với bản vừa xem trước"));
}

/// R2 against R1, by hand: cost tags one comment more ("Tiền giữ xe cao"), time is unmoved; a
/// note of nothing visible is refused.
async fn a_second_version_is_previewed_by_hand(admin: &StaffClient<'_>) {
    let preview = admin
        .post_form("/staff/topics/preview", &[("rules", R2)])
        .await
        .text()
        .await
        .unwrap();
    let cost = between(&preview, "<th scope=\"row\">Chi phí", "</tr>");
    assert!(
        cost.contains("<td>0</td><td>1</td><td>1</td><td>0</td>"),
        "{cost}"
    );
    let time = between(&preview, "<th scope=\"row\">Thời gian", "</tr>");
    assert!(
        time.contains("<td>1</td><td>1</td><td>0</td><td>0</td>"),
        "{time}"
    );
    assert!(
        preview.contains("Tiền <mark>giữ xe</mark> cao"),
        "{preview}"
    );
    let fp = fingerprint(&preview);
    let no_note = save(admin, R2, " \u{200B} ", &fp).await;
    assert_eq!(no_note.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = save(admin, R2, "thêm chi phí giữ xe", &fp).await;
    assert!(r.text().await.unwrap().contains("Đã lưu phiên bản 2"));
}

/// Version 1 opens in the editor; both versions are listed and audited.
async fn versions_are_kept_and_audited(app: &TestApp, admin: &StaffClient<'_>) {
    let v1 = admin
        .get("/staff/topics?from=1")
        .await
        .text()
        .await
        .unwrap();
    let editor = between(&v1, "<textarea", "</textarea>");
    assert!(
        editor.contains("code = &#34;time&#34;") && !editor.contains("cost"),
        "{v1}"
    );
    assert!(v1.contains("thêm chi phí giữ xe") && v1.contains("chỉ còn thời gian"));
    let audit: Vec<String> = app
        .store
        .read(|c| hailong::store::users::audit_recent(c, 50))
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "topics.save")
        .map(|a| a.target)
        .collect();
    assert_eq!(audit.len(), 2, "{audit:?}");
}
