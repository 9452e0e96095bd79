//! Personal data (SPEC §13, issue 34): the record of processing the running service works
//! under. The service stores the register it starts with, so that `hailong privacy register`
//! prints what the service runs by, not what the command line would guess.

use crate::domain::personal::{Processing, Register};
use crate::store::{meta, Store, StoreError};

/// The settings key of the register the service last started with.
const STORED: &str = "privacy.register";

/// The register of `p`, stored as the running one.
pub fn start_with(store: &Store, p: &Processing) -> Result<Register, StoreError> {
    let register = Register::of(p);
    let json = serde_json::to_string(&register)
        .map_err(|e| StoreError::writer("(the privacy register)", Some(crate::store::cause(e))))?;
    store.write(|c| meta::set_setting(c, STORED, &json))?;
    Ok(register)
}

/// The register the service last started with (its JSON), if it has started.
pub fn stored(store: &Store) -> Result<Option<String>, StoreError> {
    store.read(|c| meta::setting(c, STORED))
}
