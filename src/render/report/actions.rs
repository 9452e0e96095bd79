//! The report's "Đã nghe – đã làm": the published actions against the previous period, each
//! criterion beside its change to this period (issue 37).

use crate::domain::lang::Lang;
use crate::domain::report::ReportData;
use crate::render::numbers::percent;
use crate::texts::tr;

/// Unit, what (about what), status, the criterion's change in words.
pub type ActionLine = (String, String, &'static str, Option<String>);

fn target_name(data: &ReportData, lang: Lang, (kind, code): &(String, String)) -> String {
    if kind == "topic" {
        return super::topics::topic_name(lang, code).to_string();
    }
    data.form
        .components
        .iter()
        .flat_map(|c| c.criteria.iter())
        .find(|c| &c.code == code)
        .map_or_else(|| code.clone(), |c| c.text.get(lang).to_string())
}

pub fn lines(data: &ReportData, lang: Lang) -> Vec<ActionLine> {
    data.actions
        .iter()
        .map(|a| {
            let status = match a.status.as_str() {
                "done" => tr(lang, "actions.status_done"),
                "doing" => tr(lang, "actions.status_doing"),
                _ => tr(lang, "actions.status_planned"),
            };
            let change = a
                .change
                .as_ref()
                .map(|(since, before, after, points, significant)| {
                    let key = if *significant {
                        "actions.change_significant"
                    } else {
                        "actions.change_not"
                    };
                    let points = format!("{points:+.2}");
                    tr(lang, key)
                        .replace("{since}", since)
                        .replace("{now}", &data.period.label)
                        .replace("{before}", &percent(Some(*before), lang))
                        .replace("{after}", &percent(Some(*after), lang))
                        .replace(
                            "{points}",
                            &if lang == Lang::Vi {
                                points.replace('.', ",")
                            } else {
                                points
                            },
                        )
                });
            let what = format!("{} ({})", a.what, target_name(data, lang, &a.target));
            (a.unit_name.clone(), what, status, change)
        })
        .collect()
}
