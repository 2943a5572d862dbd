//! Logging: JSON lines (CloudWatch-friendly) in Lambda, readable text locally.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber once. `LOG_FORMAT=text` forces human-readable output; the
/// default is JSON when running inside Lambda and text elsewhere. `RUST_LOG` sets levels.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let json = match std::env::var("LOG_FORMAT").ok().as_deref() {
        Some("json") => true,
        Some("text") => false,
        _ => in_lambda,
    };
    let builder = fmt().with_env_filter(filter).with_target(false);
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            // Every enclosing span's fields (the invocation's request id, the worker's message and
            // job ids) on every line, not only the innermost span's.
            .with_current_span(false)
            .with_span_list(true)
            .without_time()
            .try_init()
    } else {
        // Colour only on a terminal: logs written to a file or a pipe stay plain text.
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .try_init()
    };
    // Already installed (tests, or a second call): keep the first.
    let _ = result;
}
