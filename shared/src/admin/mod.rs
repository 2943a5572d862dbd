//! Operator tools linked only by the `market` command and the tests (cargo feature `admin`): the
//! migration runner and the catalogue seed.

pub mod catalog;
pub mod migrate;
