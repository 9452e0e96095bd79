//! Integration tests: one binary, the real server on a random port, SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::as_conversions,
    clippy::indexing_slicing
)]

mod actions;
mod api;
mod appraisal;
mod cli;
mod durability;
mod faults;
mod feedback;
mod forms;
mod hardening;
mod hardening2;
mod helpers;
mod indices;
mod invitations;
mod kiosks;
mod layers;
mod lineage;
mod nodes;
mod officers;
mod openapi;
mod paper;
mod privacy;
mod privacy_phone;
mod public_face;
mod publication_day;
mod qr;
mod releases;
mod report;
mod returned;
mod staff;
mod staff_names;
mod survey;
mod tickets;
mod topics;
mod topics_edit;
