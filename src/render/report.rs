//! The report as one self-contained HTML page (inline CSS and SVG, nothing fetched), in
//! Vietnamese or English, laid out for A4 portrait: what a clerk e-mails and a chairman prints.

use askama::Template;

use crate::domain::form::Lang;
use crate::domain::index::Measure;
use crate::domain::report::ReportData;
use crate::domain::table::IndexRow;
use crate::render::chart::{self, Bar, Point};
use crate::render::numbers::{change, count, decimal, percent};

pub struct Texts {
    pub demo: &'static str,
    pub sipas: &'static str,
    pub change: &'static str,
    pub responses: &'static str,
    pub participation: &'static str,
    pub overall: &'static str,
    pub online: &'static str,
    pub by_unit: &'static str,
    pub bars_note: &'static str,
    pub factors: &'static str,
    pub factors_caption: &'static str,
    pub unit: &'static str,
    pub trend: &'static str,
    pub expectations: &'static str,
    pub area: &'static str,
    pub share: &'static str,
    pub other_forms: &'static str,
    pub method: &'static str,
    pub period: &'static str,
    pub form: &'static str,
    pub indices_def: &'static str,
    pub indices_text: &'static str,
    pub ci_def: &'static str,
    pub ci_text: &'static str,
    pub change_text: &'static str,
    pub sample: &'static str,
}

const VI: Texts = Texts {
    demo: "Dữ liệu mô phỏng (demo) – không phải kết quả khảo sát thật.",
    sipas: "Chỉ số hài lòng (SIPAS)",
    change: "Thay đổi so với kỳ trước",
    responses: "Số phiếu",
    participation: "Tỷ lệ tham gia",
    overall: "Hài lòng chung",
    online: "Nộp hồ sơ trực tuyến",
    by_unit: "Chỉ số SIPAS theo đơn vị",
    bars_note: "Thanh ngang: chỉ số; vạch đen: khoảng tin cậy 95 %. * Dưới 30 phiếu: kết quả chưa đủ tin cậy. Hai đơn vị có khoảng tin cậy chồng lên nhau không khác biệt rõ ràng: không nên xếp hạng theo chênh lệch đó.",
    factors: "Chỉ số theo yếu tố",
    factors_caption: "Tỷ lệ hài lòng (%) theo từng yếu tố; màu nền: ≥ 90 · 80–90 · 70–80 · < 70.",
    unit: "Đơn vị",
    trend: "Diễn biến qua các kỳ",
    expectations: "Người dân mong muốn cải thiện",
    area: "Nội dung",
    share: "Tỷ lệ lựa chọn",
    other_forms: "Phiếu khác trong kỳ (không gộp)",
    method: "Phụ lục: phương pháp",
    period: "Kỳ báo cáo",
    form: "Phiếu khảo sát",
    indices_def: "Cách tính",
    indices_text: "Chỉ số tiêu chí = số phiếu trả lời 4–5 / số phiếu có câu trả lời hợp lệ (1–5; “không ý kiến” không tính). Chỉ số yếu tố = trung bình các tiêu chí; SIPAS = trung bình các yếu tố (trọng số bằng nhau). Hài lòng chung tính riêng, không gộp vào SIPAS.",
    ci_def: "Khoảng tin cậy 95 %",
    ci_text: "Tiêu chí và tỷ lệ: khoảng Wilson. Yếu tố và SIPAS: chỉ số ± 1,96 × sai số chuẩn của tỷ lệ hài lòng từng người trả lời.",
    change_text: "Khác biệt có ý nghĩa khi |thay đổi| > 1,96 × √(SE² hiện tại + SE² kỳ trước).",
    sample: "Cỡ mẫu",
};

const EN: Texts = Texts {
    demo: "Synthetic demo data – not real survey results.",
    sipas: "Satisfaction index (SIPAS)",
    change: "Change from the previous period",
    responses: "Responses",
    participation: "Participation",
    overall: "Overall satisfaction",
    online: "Submitted online",
    by_unit: "SIPAS index by unit",
    bars_note: "Bars: index; black whiskers: 95% confidence interval. * Fewer than 30 responses: not yet reliable. Units whose intervals overlap are not clearly different: do not rank them on that difference.",
    factors: "Index by factor",
    factors_caption: "Share satisfied (%) per factor; shading: ≥ 90 · 80–90 · 70–80 · < 70.",
    unit: "Unit",
    trend: "Trend over periods",
    expectations: "What citizens want improved",
    area: "Area",
    share: "Chosen by",
    other_forms: "Other forms in the period (not pooled)",
    method: "Appendix: method",
    period: "Period",
    form: "Questionnaire",
    indices_def: "Computation",
    indices_text: "Criterion index = answers of 4–5 / valid answers (1–5; “no opinion” left out). Factor index = mean of its criteria; SIPAS = mean of the factors (equal weights). Overall satisfaction is shown beside it, never mixed in.",
    ci_def: "95% confidence interval",
    ci_text: "Criteria and shares: Wilson interval. Factors and SIPAS: index ± 1.96 × standard error of each respondent's share satisfied.",
    change_text: "A change is significant when |change| > 1.96 × √(SE² now + SE² before).",
    sample: "Sample size",
};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    lang: &'static str,
    t: &'a Texts,
    title: &'static str,
    district: String,
    period_label: String,
    period_text: String,
    running_head: String,
    switch_url: String,
    switch_lang: &'static str,
    switch_label: &'static str,
    synthetic: bool,
    published: Option<String>,
    sipas: String,
    sipas_ci: String,
    change: String,
    change_note: String,
    responses: String,
    participation: String,
    overall: String,
    online: String,
    bars: String,
    factor_heads: Vec<String>,
    rows: Vec<RowView>,
    trend: String,
    expectations: Vec<(String, String, String)>,
    other_forms: Vec<String>,
    form_text: String,
    alphas: String,
    sample_text: String,
    staff: Option<String>,
}

struct RowView {
    name: String,
    small: bool,
    n: String,
    cells: Vec<(String, &'static str)>,
    sipas: (String, &'static str),
}

fn shade(x: Option<f64>) -> &'static str {
    match x {
        Some(v) if v >= 90.0 => "g4",
        Some(v) if v >= 80.0 => "g3",
        Some(v) if v >= 70.0 => "g2",
        Some(_) => "g1",
        None => "",
    }
}

fn ci_text(m: &Measure, lang: Lang) -> String {
    match m.ci {
        Some(ci) => format!(
            "{} – {}",
            percent(Some(ci.low), lang),
            percent(Some(ci.high), lang)
        ),
        None => "–".into(),
    }
}

/// Extra bits the caller adds: a "published on" line, and (for staff) the publishing form.
#[derive(Default)]
pub struct Extras {
    pub published: Option<String>,
    pub staff_html: Option<String>,
    /// The page's own address without the query, for the language switch.
    pub self_url: String,
}

pub fn render(
    data: &ReportData,
    district: &str,
    lang: Lang,
    extras: Extras,
) -> Result<String, askama::Error> {
    let t = match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    };
    let total: Option<&IndexRow> = data.total.as_ref();
    let factor_heads: Vec<String> = data
        .form
        .components
        .iter()
        .map(|c| c.title.get(lang).to_string())
        .collect();
    let rows: Vec<RowView> = data
        .units
        .iter()
        .chain(total)
        .map(|r| RowView {
            name: if r.unit_code == crate::domain::table::TOTAL {
                lang.pick("Toàn quận (chung)", "All units (pooled)")
                    .to_string()
            } else {
                r.unit_name.clone()
            },
            small: r.responses < crate::domain::table::SMALL_SAMPLE,
            n: count(r.responses, lang),
            cells: r
                .indices
                .factors
                .iter()
                .map(|f| (decimal(f.index, lang), shade(f.index)))
                .collect(),
            sipas: (
                decimal(r.indices.sipas.index, lang),
                shade(r.indices.sipas.index),
            ),
        })
        .collect();
    let bars: Vec<Bar> = data
        .units
        .iter()
        .map(|r| Bar {
            label: r.unit_name.clone(),
            value: r.indices.sipas.index,
            low: r.indices.sipas.ci.map(|c| c.low),
            high: r.indices.sipas.ci.map(|c| c.high),
            small: r.responses < crate::domain::table::SMALL_SAMPLE,
            text: percent(r.indices.sipas.index, lang),
        })
        .collect();
    let bars_desc = data
        .units
        .iter()
        .map(|r| format!("{}: {}", r.unit_name, percent(r.indices.sipas.index, lang)))
        .collect::<Vec<_>>()
        .join("; ");
    let points: Vec<Point> = data
        .trend
        .iter()
        .map(|p| Point {
            label: p.label.clone(),
            value: p.sipas.as_ref().and_then(|m| m.index),
            low: p.sipas.as_ref().and_then(|m| m.ci.map(|c| c.low)),
            high: p.sipas.as_ref().and_then(|m| m.ci.map(|c| c.high)),
        })
        .collect();
    let trend_desc = points
        .iter()
        .map(|p| format!("{}: {}", p.label, percent(p.value, lang)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut expectations: Vec<(String, f64, String, String)> =
        match (&data.form.expectations, total) {
            (Some(e), Some(r)) => r
                .indices
                .expectations
                .iter()
                .filter_map(|m| {
                    let label = e
                        .options
                        .iter()
                        .find(|o| o.code == m.code)?
                        .text
                        .as_ref()?
                        .get(lang)
                        .to_string();
                    Some((
                        label,
                        m.index.unwrap_or(-1.0),
                        percent(m.index, lang),
                        count(m.n_satisfied.unwrap_or(0), lang),
                    ))
                })
                .collect(),
            _ => Vec::new(),
        };
    expectations.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (change_value, change_note) = match &data.change {
        Some(c) => (
            format!("{} {}", change(c.points, lang), lang.pick("điểm", "pts")),
            format!(
                "{} {} · {}",
                lang.pick("so với", "vs"),
                c.previous_label,
                if c.significant {
                    lang.pick("có ý nghĩa thống kê", "significant")
                } else {
                    lang.pick("không có ý nghĩa thống kê", "not significant")
                }
            ),
        ),
        None => (
            "–".into(),
            lang.pick("chưa có số liệu kỳ trước", "no previous period")
                .into(),
        ),
    };
    let alphas = total
        .map(|r| {
            r.indices
                .factors
                .iter()
                .zip(&data.form.components)
                .map(|(f, c)| {
                    format!(
                        "{}: {}",
                        c.title.get(lang),
                        f.alpha
                            .map(|a| decimal(Some(a), lang))
                            .unwrap_or_else(|| "–".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    let responses_n = total.map(|r| r.responses).unwrap_or(0);
    let sample_text = format!(
        "{} {} {} {}.",
        lang.pick("Cần", "Needed for ±5 % at 95 %:"),
        count(data.sample_needed, lang),
        lang.pick(
            "phiếu để sai số ±5 % (độ tin cậy 95 %); kỳ này có",
            "responses; this period has"
        ),
        count(responses_n, lang)
    );
    let period_text = format!(
        "{} {} ({} – {}; {})",
        lang.pick("Kỳ", "Period"),
        data.period.label,
        data.period.start.format("%d/%m/%Y"),
        data.period.end.format("%d/%m/%Y"),
        match data.period.scheme {
            crate::domain::period::Scheme::Calendar =>
                lang.pick("theo năm dương lịch", "calendar periods"),
            crate::domain::period::Scheme::Decree09 => lang.pick(
                "kỳ báo cáo theo Nghị định 09/2019/NĐ-CP",
                "reporting cut-off of Decree 09/2019"
            ),
        }
    );
    let page = ReportPage {
        lang: lang.code(),
        t,
        title: lang.pick(
            "Kết quả khảo sát sự hài lòng",
            "Citizen satisfaction survey results",
        ),
        district: district.to_string(),
        period_label: data.period.label.clone(),
        running_head: format!("{district} · {}", data.period.label).replace('"', "'"),
        period_text,
        switch_url: format!("{}{}", extras.self_url, lang.pick("?lang=en", "?lang=vi")),
        switch_lang: lang.pick("en", "vi"),
        switch_label: lang.pick("English", "Tiếng Việt"),
        synthetic: data.synthetic,
        published: extras.published,
        sipas: total
            .map(|r| percent(r.indices.sipas.index, lang))
            .unwrap_or_else(|| "–".into()),
        sipas_ci: total
            .map(|r| ci_text(&r.indices.sipas, lang))
            .unwrap_or_else(|| "–".into()),
        change: change_value,
        change_note,
        responses: count(responses_n, lang),
        participation: total
            .map(|r| percent(r.participation, lang))
            .unwrap_or_else(|| "–".into()),
        overall: total
            .and_then(|r| r.indices.overall.as_ref())
            .map(|m| percent(m.index, lang))
            .unwrap_or_else(|| "–".into()),
        online: total
            .map(|r| percent(r.indices.online.index, lang))
            .unwrap_or_else(|| "–".into()),
        bars: chart::bars(t.by_unit, &bars_desc, &bars),
        factor_heads,
        rows,
        trend: if points.len() >= 2 {
            chart::trend(t.trend, &trend_desc, &points)
        } else {
            String::new()
        },
        expectations: expectations
            .into_iter()
            .map(|(a, _, b, c)| (a, b, c))
            .collect(),
        other_forms: data
            .other_forms
            .iter()
            .map(|r| {
                format!(
                    "{}@{}: {} {}, SIPAS {}",
                    r.form_id,
                    r.form_version,
                    count(r.responses, lang),
                    lang.pick("phiếu", "responses"),
                    percent(r.indices.sipas.index, lang)
                )
            })
            .collect(),
        form_text: format!(
            "{} ({}@{}){}",
            data.form.title.get(lang),
            data.form.id,
            data.form.version,
            data.form
                .source
                .as_ref()
                .map(|s| format!(" — {s}"))
                .unwrap_or_default()
        ),
        alphas,
        sample_text,
        staff: extras.staff_html,
    };
    page.render()
}
