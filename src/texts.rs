//! Fixed wording that more than one layer prints: the slogan of SPEC §4 (posters, slips,
//! thank-you pages) and the mark on synthetic demo data. Pages and renderers take it from
//! here, so the wording is changed in one place.

/// The slogan of the district plan, printed on posters, code slips and thank-you pages.
pub const SLOGAN: &str =
    "Hãy tự tin thực hiện dịch vụ công trực tuyến, chúng tôi luôn đồng hành cùng bạn";
pub const DEMO_VI: &str = "Dữ liệu mô phỏng (demo) – không phải kết quả khảo sát thật.";
pub const DEMO_EN: &str = "Synthetic demo data – not real survey results.";
