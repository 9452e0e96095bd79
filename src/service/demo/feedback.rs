//! The demo district's feedback (synthetic): for each ward and quarter of 2021, a few items a
//! citizen might send, most answered and published, some late, one declined now and then,
//! so that the public replies, the desk sheet, the queue and the figures show something at
//! once. Drawn from a fixed seed; marked synthetic.

use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::feedback::{Calendar, Status};
use crate::domain::local_midnight_utc;
use crate::domain::ticket::TicketCode;
use crate::service::feedback::DEFAULT_SUBJECTS;
use crate::store::feedback::{self as fb, NewFeedback, StepChange};
use crate::store::{DbConnection, StoreError};

/// Questions and the replies a desk gave, by subject (the default list's order).
const BANK: &[(usize, &str, &str)] = &[
    (0, "Cho tôi hỏi đăng ký khai sinh cho con cần mang theo giấy tờ gì?", "Chị mang giấy chứng sinh của cơ sở y tế, giấy tờ tùy thân của cha mẹ và giấy chứng nhận kết hôn (nếu có). Có thể nộp trực tuyến trên Cổng dịch vụ công."),
    (0, "Chứng thực bản sao có cần mang bản chính không?", "Có. Người yêu cầu chứng thực bản sao từ bản chính phải xuất trình bản chính để đối chiếu."),
    (1, "Cán bộ tiếp nhận hướng dẫn chưa rõ, tôi phải đi lại hai lần.", "Đơn vị xin lỗi anh. Bộ phận một cửa đã nhắc nhở cán bộ và niêm yết lại danh mục giấy tờ của từng thủ tục tại quầy."),
    (2, "Hồ sơ cấp đổi giấy chứng nhận của tôi đã quá hẹn mà chưa có kết quả.", "Hồ sơ phải bổ sung trích đo địa chính nên chậm; đơn vị đã gửi thư xin lỗi và hẹn trả kết quả mới. Mời anh đến nhận kết quả tại quầy số 3."),
    (2, "Thời gian chờ lấy số thứ tự buổi sáng quá lâu.", "Từ tháng sau, đơn vị bổ sung một quầy tiếp nhận vào buổi sáng thứ Hai và thứ Sáu, là những ngày đông người."),
    (3, "Lệ phí chứng thực chữ ký là bao nhiêu?", "Lệ phí chứng thực chữ ký là 10.000 đồng/trường hợp, theo Thông tư 226/2016/TT-BTC."),
    (4, "Khu vực chờ không đủ ghế, người già phải đứng.", "Đơn vị đã bố trí thêm 12 ghế và ưu tiên người cao tuổi, phụ nữ mang thai tại quầy số 1."),
    (4, "Máy lấy số thường bị hỏng.", "Máy đã được sửa và kiểm tra hằng tuần; khi máy hỏng, cán bộ phát số bằng phiếu giấy."),
];

/// The demo's items for `units` over the quarters given (year, quarter 1–4), written on
/// `conn` (the demo's transaction); items of a quarter marked open stay unanswered (the
/// queue's work). Returns how many.
pub fn insert(
    conn: &mut DbConnection,
    seed: u64,
    units: &[&str],
    quarters: &[(i32, u32, bool)],
) -> Result<usize, StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let cal = Calendar::default();
    let mut n = 0;
    for unit in units {
        for &(year, quarter, open) in quarters {
            let start = NaiveDate::from_ymd_opt(year, 3 * quarter - 2, 1).unwrap_or_default();
            for _ in 0..rng.random_range(1..=3) {
                let mut day =
                    start + Duration::days(rng.random_range(0..if open { 55 } else { 85 }));
                while !cal.is_working(day) {
                    day += Duration::days(1);
                }
                let i = rng.random_range(0..BANK.len());
                let Some(&(subject, question, reply)) = BANK.get(i) else {
                    continue;
                };
                let received_at = (local_midnight_utc(day)
                    + Duration::minutes(rng.random_range(480..1020)))
                .naive_utc();
                let code = TicketCode::generate(&mut rng);
                let id = fb::insert(
                    conn,
                    &NewFeedback {
                        code_hash: code.hash(),
                        unit_code: unit.to_string(),
                        subject: DEFAULT_SUBJECTS
                            .get(subject)
                            .copied()
                            .unwrap_or("other")
                            .to_string(),
                        body: question.to_string(),
                        contact: None,
                        consent_publish: rng.random::<f64>() < 0.8,
                        from_survey: false,
                        status: Status::Received.as_str().to_string(),
                        received_at,
                        received_date: day,
                        synthetic: true,
                        notice_version: None,
                    },
                )?;
                n += 1;
                if open {
                    continue;
                }
                settle(conn, &mut rng, id, day, question, reply)?;
            }
        }
    }
    Ok(n)
}

/// An item's way after it arrived on `day`: declined now and then, else answered (most
/// within the 15 working days, some late) and published, and often rated.
fn settle(
    conn: &mut DbConnection,
    rng: &mut StdRng,
    id: i64,
    day: NaiveDate,
    question: &str,
    reply: &str,
) -> Result<(), StoreError> {
    let cal = Calendar::default();
    let now = Utc::now().naive_utc();
    let decided = cal.add_working_days(day, rng.random_range(0..=2));
    if rng.random::<f64>() < 0.08 {
        fb::apply(
            conn,
            id,
            "received",
            &StepChange {
                status: Some(Status::Declined.as_str().into()),
                decided_at: Some(decided.and_hms_opt(9, 0, 0).unwrap_or(now)),
                decided_date: Some(decided),
                decided_by: Some("demo".into()),
                decline_reason: Some(
                    "Nội dung không thuộc thẩm quyền của đơn vị; đã hướng dẫn gửi đến cơ quan có thẩm quyền."
                        .into(),
                ),
                ..StepChange::default()
            },
        )?;
        return Ok(());
    }
    // Most answers within the 15 working days; some late.
    let days = if rng.random::<f64>() < 0.85 {
        rng.random_range(2..=14)
    } else {
        rng.random_range(16..=25)
    };
    let answered = cal.add_working_days(day, days);
    let published = cal.add_working_days(answered, rng.random_range(0..=3));
    fb::apply(
        conn,
        id,
        "received",
        &StepChange {
            status: Some(Status::Published.as_str().into()),
            decided_at: Some(decided.and_hms_opt(9, 0, 0).unwrap_or(now)),
            decided_date: Some(decided),
            decided_by: Some("demo".into()),
            reply: Some(reply.to_string()),
            answered_at: Some(answered.and_hms_opt(10, 0, 0).unwrap_or(now)),
            answered_date: Some(answered),
            answered_by: Some("demo".into()),
            published_at: Some(published.and_hms_opt(11, 0, 0).unwrap_or(now)),
            published_date: Some(published),
            published_question: Some(question.to_string()),
            ..StepChange::default()
        },
    )?;
    if rng.random::<f64>() < 0.6 {
        fb::rate(
            conn,
            id,
            rng.random::<f64>() < 0.78,
            answered.and_hms_opt(20, 0, 0).unwrap_or(now),
        )?;
    }
    Ok(())
}
