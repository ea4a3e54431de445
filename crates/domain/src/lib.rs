//! Touchstone's pure types and rules: regions, roles and jurisdictions, the audit chain,
//! the password policy, time. No IO here: no database, no HTTP, no clock reads outside `Clock`.

pub mod audit_chain;
pub mod catalogue;
pub mod certificate;
pub mod enterprise;
pub mod error;
pub mod jurisdiction;
pub mod laboratory;
pub mod password;
pub mod region;
pub mod role;
pub mod search;
pub mod time;
pub mod uscc;

pub use error::{FieldError, ValidationErrors};
