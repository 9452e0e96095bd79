//! The use cases: each a function over the store and domain values. The web and the
//! command line both call these; neither holds business rules of its own.

pub mod backup;
pub mod demo;
pub mod dossiers;
pub mod export;
pub mod forms;
pub mod indices;
pub mod publish;
pub mod report;
pub mod retention;
pub mod submit;
pub mod tickets;
pub mod tokens;
pub mod units;
pub mod users;
