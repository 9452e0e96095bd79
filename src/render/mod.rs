//! Turning values into bytes for people: QR codes, CSV and spreadsheets, charts,
//! numbers, reports, and pre-compressed pages.

pub mod chart;
pub mod numbers;
pub mod qr;
pub mod report;
pub mod slips;
pub mod splice;
pub mod table;
