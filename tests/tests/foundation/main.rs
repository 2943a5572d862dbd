//! The database foundation (migrations, partitions, row-level security, the seed) and the deployment template.
//!
//! One test binary per area (`cargo test -p e2e-tests --test foundation`); each module is one concern.

mod deploy_template;
mod migrations;
mod partitions;
mod rls;
mod seed;
