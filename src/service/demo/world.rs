//! The demo's units in both worlds: Bình Tân district and its ten wards until 30 June 2025,
//! the five merged wards of Ho Chi Minh City from 1 July 2025, and the comments citizens leave.

use chrono::NaiveDate;

/// A unit of the demo: code, Vietnamese and English names, daily dossiers, whether it issues
/// one-time codes, satisfaction level (share satisfied), parent, first and last day, and
/// predecessors (`code:share;…`).
pub(super) struct DemoUnit {
    pub(super) code: &'static str,
    pub(super) vi: &'static str,
    pub(super) en: &'static str,
    pub(super) base: u32,
    pub(super) tickets: bool,
    pub(super) level: f64,
    pub(super) parent: Option<&'static str>,
    pub(super) from: Option<(i32, u32, u32)>,
    pub(super) to: Option<(i32, u32, u32)>,
    pub(super) predecessors: &'static str,
}

pub(super) const OLD_END: Option<(i32, u32, u32)> = Some((2025, 6, 30));
pub(super) const NEW_START: Option<(i32, u32, u32)> = Some((2025, 7, 1));

const fn old(
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    base: u32,
    tickets: bool,
    level: f64,
) -> DemoUnit {
    DemoUnit {
        code,
        vi,
        en,
        base,
        tickets,
        level,
        parent: Some("quan-binh-tan"),
        from: None,
        to: OLD_END,
        predecessors: "",
    }
}

const fn new(
    code: &'static str,
    vi: &'static str,
    en: &'static str,
    base: u32,
    tickets: bool,
    level: f64,
    predecessors: &'static str,
) -> DemoUnit {
    DemoUnit {
        code,
        vi,
        en,
        base,
        tickets,
        level,
        parent: Some("tp-hcm"),
        from: NEW_START,
        to: None,
        predecessors,
    }
}

/// Bình Tân before 1 July 2025 (the district, its land-registration branch, ten wards) and
/// after (Ho Chi Minh City as the top unit, five wards, the branch renamed), with the lineage
/// of Resolution 1685/NQ-UBTVQH15: "part of" a ward is taken as half of it. Parts of Tân Kiên
/// (Bình Chánh) and Sơn Kỳ (Tân Phú) are outside the demo and left out.
pub(super) const UNITS: &[DemoUnit] = &[
    DemoUnit {
        code: "quan-binh-tan",
        vi: "Ủy ban nhân dân quận Bình Tân",
        en: "Binh Tan District People's Committee",
        base: 70,
        tickets: true,
        level: 0.86,
        parent: None,
        from: None,
        to: OLD_END,
        predecessors: "",
    },
    old(
        "vpdkdd-binh-tan",
        "Chi nhánh Văn phòng Đăng ký đất đai quận Bình Tân",
        "Binh Tan Land Registration Branch",
        80,
        true,
        0.74,
    ),
    old("an-lac", "Phường An Lạc", "An Lac Ward", 26, true, 0.90),
    old(
        "an-lac-a",
        "Phường An Lạc A",
        "An Lac A Ward",
        20,
        false,
        0.84,
    ),
    old(
        "binh-hung-hoa",
        "Phường Bình Hưng Hòa",
        "Binh Hung Hoa Ward",
        28,
        true,
        0.88,
    ),
    old(
        "binh-hung-hoa-a",
        "Phường Bình Hưng Hòa A",
        "Binh Hung Hoa A Ward",
        34,
        true,
        0.81,
    ),
    old(
        "binh-hung-hoa-b",
        "Phường Bình Hưng Hòa B",
        "Binh Hung Hoa B Ward",
        24,
        false,
        0.93,
    ),
    old(
        "binh-tri-dong",
        "Phường Bình Trị Đông",
        "Binh Tri Dong Ward",
        25,
        true,
        0.85,
    ),
    old(
        "binh-tri-dong-a",
        "Phường Bình Trị Đông A",
        "Binh Tri Dong A Ward",
        27,
        false,
        0.79,
    ),
    old(
        "binh-tri-dong-b",
        "Phường Bình Trị Đông B",
        "Binh Tri Dong B Ward",
        23,
        true,
        0.89,
    ),
    old("tan-tao", "Phường Tân Tạo", "Tan Tao Ward", 25, false, 0.83),
    old(
        "tan-tao-a",
        "Phường Tân Tạo A",
        "Tan Tao A Ward",
        22,
        true,
        0.87,
    ),
    DemoUnit {
        code: "tp-hcm",
        vi: "Thành phố Hồ Chí Minh",
        en: "Ho Chi Minh City",
        base: 0,
        tickets: false,
        level: 0.85,
        parent: None,
        from: NEW_START,
        to: None,
        predecessors: "",
    },
    new(
        "vpdkdd-khu-vuc-binh-tan",
        "Chi nhánh Văn phòng Đăng ký đất đai TP.HCM – khu vực Bình Tân",
        "HCMC Land Registration Office, Binh Tan area branch",
        80,
        true,
        0.76,
        "vpdkdd-binh-tan",
    ),
    new(
        "phuong-an-lac",
        "Phường An Lạc",
        "An Lac Ward",
        66,
        true,
        0.89,
        "an-lac;an-lac-a;binh-tri-dong-b",
    ),
    new(
        "phuong-binh-tan",
        "Phường Bình Tân",
        "Binh Tan Ward",
        50,
        false,
        0.86,
        "binh-hung-hoa-b;binh-tri-dong-a:0.5;tan-tao:0.5",
    ),
    new(
        "phuong-tan-tao",
        "Phường Tân Tạo",
        "Tan Tao Ward",
        36,
        true,
        0.84,
        "tan-tao-a;tan-tao:0.5",
    ),
    new(
        "phuong-binh-tri-dong",
        "Phường Bình Trị Đông",
        "Binh Tri Dong Ward",
        55,
        true,
        0.85,
        "binh-tri-dong;binh-hung-hoa-a:0.5;binh-tri-dong-a:0.5",
    ),
    new(
        "phuong-binh-hung-hoa",
        "Phường Bình Hưng Hòa",
        "Binh Hung Hoa Ward",
        45,
        false,
        0.87,
        "binh-hung-hoa;binh-hung-hoa-a:0.5",
    ),
];

pub(super) fn ymd(d: Option<(i32, u32, u32)>) -> Option<NaiveDate> {
    d.and_then(|(y, m, dd)| NaiveDate::from_ymd_opt(y, m, dd))
}

pub(super) const COMMENTS: &[&str] = &[
    "Cán bộ hướng dẫn nhiệt tình, cảm ơn.",
    "Nên bố trí thêm ghế ngồi chờ vào buổi sáng.",
    "Thời gian chờ hơi lâu.",
    "Đề nghị niêm yết rõ hơn phí, lệ phí.",
    "Nộp hồ sơ trực tuyến thuận tiện.",
];
