//! Touchstone's pure types and rules: regions, roles and jurisdictions, the audit chain,
//! the password policy, time. No IO here: no database, no HTTP, no clock reads outside `Clock`.

#[macro_use]
mod codes;

pub mod archive;
pub mod audit_chain;
pub mod campaign;
pub mod catalogue;
pub mod certificate;
pub mod checklist;
pub mod document;
pub mod enterprise;
pub mod error;
pub mod hazard;
pub mod jurisdiction;
pub mod laboratory;
pub mod password;
pub mod region;
pub mod report;
pub mod role;
pub mod search;
pub mod similar;
pub mod time;
pub mod uscc;

pub use error::{FieldError, ValidationErrors};
