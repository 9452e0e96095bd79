//! Staff pages, one file per page: sign-in and password (`session`), the dashboard, the audit
//! log, code slips, the feedback queue, the rating tablets and counters (`kiosks`), paper
//! sheets (`paper`: print, enter, check), officers' figures (`officers`), and the management
//! pages (`users`, `tokens`, `units`, `dossiers`, on the kit in `manage`); `forms` holds the
//! guards and CSRF-checked form readers they share.

mod audit;
mod breaches;
mod dashboard;
mod dossiers;
mod feedback;
mod forms;
mod kiosks;
pub(crate) mod manage;
mod officers;
mod paper;
mod requests;
mod session;
mod slips;
mod tokens;
mod topics;
mod units;
mod users;

pub use audit::*;
pub use breaches::*;
pub use dashboard::*;
pub use dossiers::*;
pub use feedback::*;
pub use forms::*;
pub use kiosks::*;
pub use officers::*;
pub use paper::*;
pub use requests::*;
pub use session::*;
pub use slips::*;
pub use tokens::*;
pub use topics::*;
pub use units::*;
pub use users::*;
