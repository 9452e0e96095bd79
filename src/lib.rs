//! Hailong ("hài lòng", satisfied): the citizen-satisfaction survey of Vietnamese one-stop
//! reception desks. Data flows web → service → domain ← store, and out through render.

pub mod domain;
pub mod store;
pub mod service;
pub mod render;
