//! Turning values into bytes for people: QR codes, and (later) CSV, charts, numbers.

pub mod chart;
pub mod numbers;
pub mod qr;
pub mod report;
pub mod slips;
pub mod table;
