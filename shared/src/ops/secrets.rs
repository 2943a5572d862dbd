//! Secrets at init: Lambda environment variables cannot reference SSM SecureString parameters, so
//! each function fetches its secrets from SSM Parameter Store once, when the instance starts, and
//! puts them into the process environment, where the rest of the code reads configuration.
//!
//! Parameter Store standard parameters (SecureString with the AWS-managed `aws/ssm` key) cost
//! nothing; Secrets Manager would cost $0.40 per secret per month, so this backend uses SSM.
//!
//! - `SECRETS_SSM_PREFIX` (e.g. `/sneaker-market/`): where the parameters live. Unset: nothing is
//!   fetched (local runs and tests use plain environment variables).
//! - `SECRETS_SSM_NAMES` (e.g. `DATABASE_URL,SUPABASE_JWT_SECRET`): the names this function
//!   needs, fetched with `GetParameters` so its IAM policy can name exactly those parameters.
//!   Unset: every parameter directly under the prefix (`GetParametersByPath`).
//!
//! Two layouts, freely mixed:
//! - one parameter per variable: `/sneaker-market/DATABASE_URL` sets `DATABASE_URL`;
//! - a bundle: a parameter whose name ends in `.env` (e.g. `/sneaker-market/sync-worker.env`)
//!   holds `NAME=value` lines (blank lines and `#` comments ignored) and sets each of them.
//!   Every SecureString read costs one KMS request (20,000 free per month, account-wide); a cold
//!   start that reads one bundle instead of six parameters keeps the KMS count well inside it
//!   (see `market cost`). template.yaml uses one bundle per function.
//!
//! A variable that is already set (non-empty) wins, so a local `.env` or an explicit override keeps
//! working. Names that are missing in SSM are skipped (e.g. no Alias token yet): the function's own
//! configuration code decides whether that is fatal.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::Parameter;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("SSM {operation} under {prefix}: {message}")]
    Ssm {
        operation: &'static str,
        prefix: String,
        message: String,
    },
}

/// What [`load_into_env`] did (names only: values are never logged).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    pub set: Vec<String>,
    pub kept_from_env: Vec<String>,
    pub missing: Vec<String>,
}

/// The prefix with exactly one leading and one trailing `/`.
pub fn normalize_prefix(raw: &str) -> String {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

/// The environment variable a parameter name maps to, when it is a plausible variable name.
pub fn env_name(parameter_name: &str) -> Option<&str> {
    let last = parameter_name.rsplit('/').next()?;
    let valid = !last.is_empty()
        && !last.starts_with(|c: char| c.is_ascii_digit())
        && last
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    valid.then_some(last)
}

/// True for a bundle parameter (`name.env`): its value holds `NAME=value` lines.
pub fn is_bundle(parameter_name: &str) -> bool {
    parameter_name
        .rsplit('/')
        .next()
        .is_some_and(|last| last.len() > 4 && last.ends_with(".env"))
}

/// Parses a bundle's `NAME=value` lines. Blank lines and `#` comments are skipped, an optional
/// `export ` prefix is accepted, one pair of surrounding quotes is removed from the value, and
/// lines whose name is not a plausible variable name are ignored.
pub fn parse_bundle(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let value = value.trim();
        let value = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
            .unwrap_or(value);
        if env_name(name) == Some(name) {
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

/// Names listed in `SECRETS_SSM_NAMES` (comma-separated, blanks ignored).
pub fn parse_names(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What SSM returned: variables (from single parameters and bundles) and the parameter names
/// (last segments) that existed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub values: BTreeMap<String, String>,
    pub parameters: Vec<String>,
}

impl Fetched {
    /// Adds one parameter: a bundle's lines, or a single variable.
    pub fn add(&mut self, parameter_name: &str, value: &str) {
        let last = parameter_name.rsplit('/').next().unwrap_or(parameter_name);
        if is_bundle(parameter_name) {
            self.values.extend(parse_bundle(value));
        } else if let Some(env) = env_name(parameter_name) {
            self.values.insert(env.to_string(), value.to_string());
        } else {
            return;
        }
        self.parameters.push(last.to_string());
    }
}

/// Decides which fetched values go into the environment. `is_set` tells whether a variable already
/// has a non-empty value. Pure, for tests.
pub fn plan(
    fetched: &Fetched,
    wanted: &[String],
    is_set: impl Fn(&str) -> bool,
) -> (Vec<(String, String)>, LoadReport) {
    let mut to_set = Vec::new();
    let mut report = LoadReport::default();
    for (name, value) in &fetched.values {
        if is_set(name) {
            report.kept_from_env.push(name.clone());
        } else if !value.is_empty() {
            to_set.push((name.clone(), value.clone()));
            report.set.push(name.clone());
        }
    }
    for name in wanted {
        let present = fetched.parameters.contains(name) || (!is_bundle(name) && is_set(name));
        if !present {
            report.missing.push(name.clone());
        }
    }
    (to_set, report)
}

fn collect(params: &[Parameter], into: &mut Fetched) {
    for p in params {
        if let (Some(name), Some(value)) = (p.name(), p.value()) {
            into.add(name, value);
        }
    }
}

fn ssm_error<E: std::error::Error + 'static>(
    operation: &'static str,
    prefix: &str,
    e: aws_sdk_ssm::error::SdkError<E>,
) -> SecretsError {
    SecretsError::Ssm {
        operation,
        prefix: prefix.to_string(),
        message: aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
    }
}

async fn fetch(
    client: &aws_sdk_ssm::Client,
    prefix: &str,
    names: &[String],
) -> Result<Fetched, SecretsError> {
    let mut out = Fetched::default();
    if names.is_empty() {
        let mut pages = client
            .get_parameters_by_path()
            .path(prefix.trim_end_matches('/'))
            .recursive(false)
            .with_decryption(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ssm_error("GetParametersByPath", prefix, e))?;
            collect(page.parameters(), &mut out);
        }
    } else {
        // GetParameters takes at most 10 names per call.
        for chunk in names.chunks(10) {
            let full: Vec<String> = chunk.iter().map(|n| format!("{prefix}{n}")).collect();
            let resp = client
                .get_parameters()
                .set_names(Some(full))
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| ssm_error("GetParameters", prefix, e))?;
            collect(resp.parameters(), &mut out);
        }
    }
    Ok(out)
}

/// Fetches the secrets named by `SECRETS_SSM_PREFIX` / `SECRETS_SSM_NAMES` and sets those not
/// already set. Call once at the start of `main`, before any configuration is read. A failing SSM
/// call fails the init (the function then reports an init error instead of running without
/// credentials).
pub async fn load_into_env() -> Result<LoadReport, SecretsError> {
    let Some(raw_prefix) = crate::core::config::optional("SECRETS_SSM_PREFIX") else {
        return Ok(LoadReport::default());
    };
    let prefix = normalize_prefix(&raw_prefix);
    let names = crate::core::config::optional("SECRETS_SSM_NAMES")
        .map(|r| parse_names(&r))
        .unwrap_or_default();
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_ssm::Client::new(&conf);
    let fetched = fetch(&client, &prefix, &names).await?;
    let (to_set, report) = plan(&fetched, &names, |n| {
        crate::core::config::optional(n).is_some()
    });
    for (name, value) in to_set {
        // Called from `main` before the function builds its state, while nothing else reads the
        // environment.
        std::env::set_var(name, value);
    }
    tracing::info!(
        prefix = %prefix,
        set = ?report.set,
        kept_from_env = ?report.kept_from_env,
        missing = ?report.missing,
        "secrets loaded from SSM Parameter Store"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalized() {
        assert_eq!(normalize_prefix("/sneaker-market/"), "/sneaker-market/");
        assert_eq!(normalize_prefix("sneaker-market"), "/sneaker-market/");
        assert_eq!(normalize_prefix(" /a/b "), "/a/b/");
        assert_eq!(normalize_prefix("/"), "/");
    }

    #[test]
    fn env_names_come_from_the_last_segment() {
        assert_eq!(
            env_name("/sneaker-market/DATABASE_URL"),
            Some("DATABASE_URL")
        );
        assert_eq!(env_name("STOCKX_API_KEY"), Some("STOCKX_API_KEY"));
        assert_eq!(env_name("/sneaker-market/database-url"), None);
        assert_eq!(env_name("/sneaker-market/1ABC"), None);
        assert_eq!(env_name("/sneaker-market/"), None);
    }

    #[test]
    fn names_list_parses() {
        assert_eq!(
            parse_names(" DATABASE_URL, ,SUPABASE_JWT_SECRET,"),
            vec!["DATABASE_URL", "SUPABASE_JWT_SECRET"]
        );
        assert!(parse_names("").is_empty());
    }

    #[test]
    fn environment_wins_and_missing_names_are_reported() {
        let mut fetched = Fetched::default();
        fetched.add("/sneaker-market/DATABASE_URL", "postgres://ssm");
        fetched.add("/sneaker-market/STOCKX_API_KEY", "k");
        fetched.add("/sneaker-market/EMPTY", "");
        let wanted = vec![
            "DATABASE_URL".to_string(),
            "STOCKX_API_KEY".to_string(),
            "ALIAS_API_TOKEN".to_string(),
        ];
        let (to_set, report) = plan(&fetched, &wanted, |n| n == "DATABASE_URL");
        assert_eq!(
            to_set,
            vec![("STOCKX_API_KEY".to_string(), "k".to_string())]
        );
        assert_eq!(report.set, vec!["STOCKX_API_KEY"]);
        assert_eq!(report.kept_from_env, vec!["DATABASE_URL"]);
        assert_eq!(report.missing, vec!["ALIAS_API_TOKEN"]);
    }

    #[test]
    fn bundles_set_every_line() {
        let text = "# sync-worker\nDATABASE_URL=postgres://u:p@h:6543/postgres?sslmode=require\n\nexport STOCKX_API_KEY=\"abc=def\"\nALIAS_API_TOKEN='t'\nlower=x\nnot a pair\n";
        assert_eq!(
            parse_bundle(text),
            vec![
                (
                    "DATABASE_URL".to_string(),
                    "postgres://u:p@h:6543/postgres?sslmode=require".to_string()
                ),
                ("STOCKX_API_KEY".to_string(), "abc=def".to_string()),
                ("ALIAS_API_TOKEN".to_string(), "t".to_string()),
            ]
        );
        assert!(is_bundle("/sneaker-market/sync-worker.env"));
        assert!(!is_bundle("/sneaker-market/.env"));
        assert!(!is_bundle("/sneaker-market/DATABASE_URL"));

        let mut fetched = Fetched::default();
        fetched.add("/sneaker-market/sync-worker.env", text);
        let wanted = vec!["sync-worker.env".to_string(), "market-api.env".to_string()];
        let (to_set, report) = plan(&fetched, &wanted, |n| n == "ALIAS_API_TOKEN");
        assert_eq!(to_set.len(), 2);
        assert_eq!(report.kept_from_env, vec!["ALIAS_API_TOKEN"]);
        assert_eq!(report.missing, vec!["market-api.env"]);
    }
}
