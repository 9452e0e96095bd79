//! Issue 35: people's names. A member of staff has a display name (`users add --name`, the
//! users page), and every staff page that named a login names the person, with the unit's
//! name — never the login, the unit's code or "(officer)".

use chrono::Utc;

use crate::both_backends;
use crate::helpers::*;
use hailong::domain::user::Role;

const LAN: &str = "Nguyễn Thị Lan";
const MINH: &str = "Trần Văn Minh";

async fn staff_pages_name_people_not_logins(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_units();
    let (lan, minh) = crate::paper::two_clerks(&app).await;
    let now = Utc::now();
    for (login, name) in [("lan.clerk", LAN), ("minh.clerk", MINH)] {
        hailong::service::users::set_display_name(&app.store, "test", login, name, now).unwrap();
    }
    let home = lan.get("/staff").await.text().await.unwrap();
    assert!(
        home.contains(&format!("{LAN} · Cán bộ một cửa · Phường A")),
        "{home}"
    );
    assert!(
        !home.contains("(officer)") && !home.contains("lan.clerk"),
        "{home}"
    );
    let admin = app.signed_in(Role::Admin, None).await;
    let users = admin.get("/staff/users").await.text().await.unwrap();
    assert!(users.contains(LAN) && users.contains(MINH), "{users}");
    let q = hailong::domain::period::Period::quarter_containing(
        hailong::domain::local_date(now),
        hailong::domain::period::Scheme::Calendar,
    )
    .unwrap();
    let officers = admin
        .get(&format!("/staff/officers?period={}&unit=phuong-a", q.label))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        officers.contains(LAN) && officers.contains(MINH),
        "{officers}"
    );
    assert!(!officers.contains("lan.clerk"), "{officers}");
    let kiosks = admin.get("/staff/kiosks").await.text().await.unwrap();
    assert!(
        !kiosks.contains("(phuong-a)"),
        "no unit code in the choices: {kiosks}"
    );
    // Two clerks who differ: the third look names them.
    let code = crate::paper::sheets(&app, "phuong-a", 1, 30).remove(0);
    crate::paper::enter(&lan, &code, "4", &[("overall", "5")]).await;
    for _ in 0..2 {
        crate::paper::enter(&minh, &code, "4", &[("overall", "3")]).await;
    }
    let check = admin.get("/staff/paper/check").await.text().await.unwrap();
    assert!(check.contains(&format!("Lần nhập 1 ({LAN})")), "{check}");
    // A bad name is refused with the reason.
    let r = admin
        .post_form(
            "/staff/users",
            &[
                ("username", "hoa.clerk"),
                ("display_name", "\u{200b}"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("a name needs letters"));
}
both_backends!(staff_pages_name_people_not_logins);

/// `hailong users add --name` and `users name` set it; `users list` shows it last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_sets_a_name() {
    let db = fresh_database(Backend::Sqlite);
    drop(spawn_on(Backend::Sqlite, &db, settings(&db)).await);
    let (ok, _, err) = crate::cli::run(
        &db,
        &[
            "users",
            "add",
            "hoa",
            "--role",
            "viewer",
            "--name",
            "Lê Thị Hoà",
        ],
    );
    assert!(ok, "{err}");
    let (_, list, _) = crate::cli::run(&db, &["users", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("hoa\t") && l.ends_with("\tLê Thị Hoà")),
        "{list}"
    );
    let (ok, out, err) = crate::cli::run(&db, &["users", "name", "hoa", "Lê Thị Hoa"]);
    assert!(ok && out.contains("Lê Thị Hoa"), "{err}");
    let (ok, _, err) = crate::cli::run(&db, &["users", "name", "hoa", "   "]);
    assert!(!ok && err.contains("a name needs letters"), "{err}");
}
