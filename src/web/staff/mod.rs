//! Staff pages, one file per page: sign-in and password (`session`), the dashboard, the audit
//! log, code slips; `forms` holds the guards and CSRF-checked form readers they share.

mod audit;
mod dashboard;
mod feedback;
mod forms;
mod session;
mod slips;

pub use audit::*;
pub use dashboard::*;
pub use feedback::*;
pub use forms::*;
pub use session::*;
pub use slips::*;
