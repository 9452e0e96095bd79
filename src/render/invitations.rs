//! The invitations of a period as CSV (`hailong export invitations`): one row per unit and
//! route, with the response share of METHODOLOGY §3.

use crate::domain::invite::Line;
use crate::domain::period::Period;
use crate::render::table::{pct, BOM};

pub const HEADER: [&str; 13] = [
    "period",
    "period_start",
    "period_end",
    "unit_code",
    "route",
    "queued",
    "delivered",
    "failed",
    "held",
    "opted_out",
    "invited_responses",
    "invited_response_pct",
    "waiting",
];

pub fn csv(period: &Period, lines: &[Line]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(BOM.as_bytes().to_vec());
    w.write_record(HEADER)?;
    for l in lines {
        let c = &l.counts;
        w.write_record([
            period.label.clone(),
            period.start.to_string(),
            period.end.to_string(),
            l.unit.clone(),
            l.route.as_str().to_string(),
            c.queued.to_string(),
            c.delivered.to_string(),
            c.failed.to_string(),
            c.held.to_string(),
            c.opted_out.to_string(),
            c.answered.to_string(),
            pct(c.response_pct()),
            l.waiting.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
