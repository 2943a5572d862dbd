//! The deployment template (template.yaml, AWS SAM): what cfn-lint cannot know. cfn-lint checks
//! the template against the CloudFormation schemas (run by infra/scripts/test.sh); these tests check
//! it against this codebase: the crates, the worker's settings, the secrets, the metrics catalogue.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

const SECRET_NAMES: [&str; 7] = [
    "DATABASE_URL",
    "STOCKX_API_KEY",
    "STOCKX_CLIENT_ID",
    "STOCKX_CLIENT_SECRET",
    "STOCKX_REFRESH_TOKEN",
    "ALIAS_API_TOKEN",
    "SUPABASE_JWT_SECRET",
];

/// Seconds between two StockX calls (the shared limiter's slot, market.rate_limits).
const STOCKX_SLOT_SECS: f64 = 1.05;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template_text() -> String {
    std::fs::read_to_string(root().join("template.yaml"))
        .expect("template.yaml at the workspace root")
}

fn template() -> Value {
    serde_yaml::from_str(&template_text())
        .expect("template.yaml parses as plain YAML (long-form intrinsics)")
}

fn resources(t: &Value) -> Vec<(String, &Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
        .collect()
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    resources(t)
        .into_iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

fn functions(t: &Value) -> Vec<(String, &Value)> {
    of_type(t, "AWS::Serverless::Function")
}

fn function<'a>(t: &'a Value, binary: &str) -> &'a Value {
    functions(t)
        .into_iter()
        .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"] == binary)
        .unwrap_or_else(|| panic!("a function building {binary}"))
        .1
}

fn logical_id_of(t: &Value, binary: &str) -> String {
    functions(t)
        .into_iter()
        .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"] == binary)
        .unwrap()
        .0
}

fn ref_of(v: &Value) -> Option<&str> {
    v["Ref"].as_str()
}

fn get_att(v: &Value) -> Option<(&str, &str)> {
    let a = v["Fn::GetAtt"].as_sequence()?;
    Some((a.first()?.as_str()?, a.get(1)?.as_str()?))
}

fn sub_string(v: &Value) -> Option<&str> {
    v["Fn::Sub"].as_str()
}

fn number(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("a number, got {v:?}"))
}

fn env<'a>(f: &'a Value, name: &str) -> &'a Value {
    &f["Properties"]["Environment"]["Variables"][name]
}

#[test]
fn no_short_form_tags() {
    // `!Ref` & co. are YAML tags plain parsers reject or mangle; the template uses long forms.
    for (n, line) in template_text().lines().enumerate() {
        let code = line.split(" #").next().unwrap_or("");
        if code.trim_start().starts_with('#') {
            continue;
        }
        assert!(
            !code.contains(" !") && !code.contains("[!"),
            "line {}: short-form intrinsic in {line:?}",
            n + 1
        );
    }
}

#[test]
fn every_function_is_an_arm64_cargo_lambda_build_of_an_existing_crate() {
    let t = template();
    let fns = functions(&t);
    let mut binaries = BTreeSet::new();
    for (id, f) in &fns {
        let p = &f["Properties"];
        assert_eq!(f["Metadata"]["BuildMethod"], "rust-cargolambda", "{id}");
        assert_eq!(p["Runtime"], "provided.al2023", "{id}");
        assert_eq!(p["Handler"], "bootstrap", "{id}");
        assert_eq!(
            p["Architectures"],
            serde_yaml::from_str::<Value>("[arm64]").unwrap(),
            "{id}"
        );
        assert!(number(&p["MemorySize"]) >= 128.0, "{id}: MemorySize");
        assert!(number(&p["Timeout"]) >= 1.0, "{id}: Timeout");

        let code_uri = p["CodeUri"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: CodeUri"));
        let dir = root().join(code_uri);
        let binary = f["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: Metadata.BuildProperties.Binary"));
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("{id}: {code_uri}/Cargo.toml: {e}"));
        // The binary is the package's default one (src/main.rs) or a declared [[bin]].
        let default_bin =
            cargo.contains(&format!("name = \"{binary}\"")) && dir.join("src/main.rs").is_file();
        let declared_bin =
            cargo.contains("[[bin]]") && cargo.contains(&format!("name = \"{binary}\""));
        assert!(
            default_bin || declared_bin,
            "{id}: {code_uri} builds no binary {binary}"
        );
        binaries.insert(binary.to_string());
    }
    let expected: BTreeSet<String> = [
        "sync-orchestrator",
        "sync-worker",
        "market-api",
        "inventory-api",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(binaries, expected);
}

#[test]
fn every_function_logs_to_its_own_log_group_with_retention() {
    let t = template();
    for (id, f) in functions(&t) {
        let p = &f["Properties"];
        let group_id = ref_of(&p["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{id}: LoggingConfig.LogGroup Ref"));
        let group = &t["Resources"][group_id];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{id}");
        assert!(
            !group["Properties"]["RetentionInDays"].is_null(),
            "{group_id}: RetentionInDays"
        );
        let fn_name =
            sub_string(&p["FunctionName"]).unwrap_or_else(|| panic!("{id}: FunctionName Fn::Sub"));
        let group_name = sub_string(&group["Properties"]["LogGroupName"]).unwrap();
        assert_eq!(group_name, format!("/aws/lambda/{fn_name}"), "{id}");
    }
    // One group per function.
    assert_eq!(
        of_type(&t, "AWS::Logs::LogGroup").len(),
        functions(&t).len()
    );
}

#[test]
fn worker_queue_redrive_and_timeouts_agree() {
    let t = template();
    let worker = function(&t, "sync-worker");
    let timeout = number(&worker["Properties"]["Timeout"]);
    let events = worker["Properties"]["Events"].as_mapping().unwrap();
    let sqs: Vec<&Value> = events.values().filter(|e| e["Type"] == "SQS").collect();
    assert_eq!(sqs.len(), 1, "one SQS event source");
    let ev = &sqs[0]["Properties"];
    let (queue_id, attr) = get_att(&ev["Queue"]).expect("Queue: Fn::GetAtt [Queue, Arn]");
    assert_eq!(attr, "Arn");
    let queue = &t["Resources"][queue_id]["Properties"];

    // AWS: the queue's visibility timeout at least 6 x the function timeout.
    let visibility = number(&queue["VisibilityTimeout"]);
    assert!(
        visibility >= 6.0 * timeout,
        "visibility {visibility} < 6 x worker timeout {timeout}"
    );

    // The worker marks a job dead on the same delivery the queue dead-letters it.
    let redrive = &queue["RedrivePolicy"];
    let max_receive = &redrive["maxReceiveCount"];
    let worker_max = env(worker, "SQS_MAX_RECEIVE_COUNT");
    assert!(!max_receive.is_null() && !worker_max.is_null());
    match (ref_of(max_receive), ref_of(worker_max)) {
        (Some(a), Some(b)) => {
            assert_eq!(a, b, "both from the same parameter");
            assert!(!t["Parameters"][a].is_null());
        }
        _ => assert_eq!(number(max_receive), number(worker_max)),
    }
    let (dlq_id, _) = get_att(&redrive["deadLetterTargetArn"]).expect("deadLetterTargetArn GetAtt");
    assert_eq!(t["Resources"][dlq_id]["Type"], "AWS::SQS::Queue");
    assert_ne!(dlq_id, queue_id);

    // Partial batch responses, and a batch the timeout can finish at StockX's pace.
    let types: Vec<&str> = ev["FunctionResponseTypes"]
        .as_sequence()
        .expect("FunctionResponseTypes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(types.contains(&"ReportBatchItemFailures"));
    let batch = number(&ev["BatchSize"]);
    let concurrency = number(&ev["ScalingConfig"]["MaximumConcurrency"]);
    assert!((1.0..=10.0).contains(&batch), "BatchSize {batch}");
    assert!(
        (2.0..=5.0).contains(&concurrency),
        "MaximumConcurrency {concurrency} (min 2; StockX is 1 req/s)"
    );
    // Every call of the batch waits for a limiter slot shared with the other instances.
    let worst_prices_batch = batch * STOCKX_SLOT_SECS * concurrency;
    assert!(
        timeout >= 2.0 * worst_prices_batch,
        "timeout {timeout} s vs {worst_prices_batch} s of slots"
    );
    // A single slot wait (MARKETPLACE_MAX_WAIT_MS) fits in the timeout.
    let max_wait_ms = number(env(worker, "MARKETPLACE_MAX_WAIT_MS"));
    assert!(max_wait_ms / 1000.0 < timeout);
}

#[test]
fn orchestrator_runs_on_two_schedules() {
    let t = template();
    let f = function(&t, "sync-orchestrator");
    let inputs: BTreeSet<String> = f["Properties"]["Events"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|e| e["Type"] == "Schedule")
        .map(|e| {
            let input: serde_json::Value =
                serde_json::from_str(e["Properties"]["Input"].as_str().unwrap()).unwrap();
            input["mode"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(inputs, ["daily".to_string(), "tick".to_string()].into());
    assert!(!env(f, "SYNC_QUEUE_URL").is_null());
}

#[test]
fn apis_are_function_urls_on_a_canary_deployed_alias() {
    let t = template();
    for binary in ["market-api", "inventory-api"] {
        let id = logical_id_of(&t, binary);
        let p = &function(&t, binary)["Properties"];
        assert_eq!(p["FunctionUrlConfig"]["AuthType"], "NONE", "{binary}");
        assert_eq!(p["AutoPublishAlias"], "live", "{binary}");
        // CORS from the same parameter for the URL and the function's own CORS_ALLOWED_ORIGINS;
        // with origin patterns set, the URL's CORS config is left out and the function answers.
        let cors_if = &p["FunctionUrlConfig"]["Cors"]["Fn::If"];
        assert_eq!(cors_if[0], "HasCorsPatterns", "{binary}");
        assert_eq!(ref_of(&cors_if[1]), Some("AWS::NoValue"), "{binary}");
        let origins_param = ref_of(&cors_if[2]["AllowOrigins"]).expect("AllowOrigins Ref");
        assert_eq!(
            ref_of(&p["Environment"]["Variables"]["CORS_ALLOWED_ORIGIN_PATTERNS"]),
            Some("CorsOriginPatterns"),
            "{binary}"
        );
        let joined = &p["Environment"]["Variables"]["CORS_ALLOWED_ORIGINS"]["Fn::Join"];
        assert_eq!(
            ref_of(&joined[1]),
            Some(origins_param),
            "{binary}: CORS_ALLOWED_ORIGINS"
        );

        let dp = &p["DeploymentPreference"];
        assert!(!dp["Type"].is_null(), "{binary}: DeploymentPreference.Type");
        let alarms = dp["Alarms"]
            .as_sequence()
            .expect("DeploymentPreference.Alarms");
        assert!(!alarms.is_empty(), "{binary}: rollback alarms");
        for a in alarms {
            let alarm_id = ref_of(a).expect("alarm Ref");
            let alarm = &t["Resources"][alarm_id];
            assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm");
            // The alarm watches the alias that traffic shifts on.
            let dims = alarm["Properties"]["Dimensions"]
                .as_sequence()
                .expect("alarm dimensions");
            let resource = dims
                .iter()
                .find(|d| d["Name"] == "Resource")
                .expect("Resource dimension");
            assert_eq!(
                sub_string(&resource["Value"]),
                Some(format!("${{{id}}}:live").as_str())
            );
            let fname = dims
                .iter()
                .find(|d| d["Name"] == "FunctionName")
                .expect("FunctionName dimension");
            assert_eq!(ref_of(&fname["Value"]), Some(id.as_str()));
        }
    }
    // The workers have no URL.
    for binary in ["sync-worker", "sync-orchestrator"] {
        assert!(function(&t, binary)["Properties"]["FunctionUrlConfig"].is_null());
    }
}

#[test]
fn no_literal_secrets_and_least_privilege_ssm_access() {
    let t = template();
    let text = template_text();
    for marker in [
        "postgres://",
        "postgresql://",
        "BEGIN PRIVATE KEY",
        "eyJhbGci",
    ] {
        assert!(!text.contains(marker), "template contains {marker:?}");
    }
    // Secrets are not stack parameters either (parameters end up in the stack's metadata).
    let normalize = |s: &str| s.replace('_', "").to_ascii_lowercase();
    for (name, param) in t["Parameters"].as_mapping().unwrap().iter() {
        let name = name.as_str().unwrap();
        assert!(
            !SECRET_NAMES.iter().any(|s| normalize(s) == normalize(name)),
            "parameter {name} carries a secret: secrets live in SSM"
        );
        assert!(
            param["NoEcho"].is_null(),
            "parameter {name} is NoEcho: secrets live in SSM"
        );
    }
    for (id, f) in functions(&t) {
        let vars = f["Properties"]["Environment"]["Variables"]
            .as_mapping()
            .unwrap();
        for secret in SECRET_NAMES {
            assert!(
                !vars.contains_key(secret),
                "{id}: {secret} set in the template"
            );
        }
        assert!(
            !env(f, "SECRETS_SSM_PREFIX").is_null(),
            "{id}: SECRETS_SSM_PREFIX"
        );
        let names: Vec<&str> = env(f, "SECRETS_SSM_NAMES")
            .as_str()
            .unwrap_or_else(|| panic!("{id}: SECRETS_SSM_NAMES"))
            .split(',')
            .collect();
        // Either single parameters named like the variables, or the function's own bundle.
        let binary = f["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        for n in &names {
            assert!(
                SECRET_NAMES.contains(n) || *n == format!("{binary}.env"),
                "{id}: {n} is neither a secret name nor {binary}.env"
            );
        }
        assert!(
            names.contains(&"DATABASE_URL") || names.iter().any(|n| n.ends_with(".env")),
            "{id}"
        );
        // The role may read exactly the parameters the function asks for.
        let statements: Vec<&Value> = f["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|p| p["Statement"].as_sequence())
            .flatten()
            .collect();
        let ssm: Vec<&&Value> = statements
            .iter()
            .filter(|s| s["Action"].as_str().is_some_and(|a| a.starts_with("ssm:")))
            .collect();
        assert_eq!(ssm.len(), 1, "{id}: one SSM statement");
        assert_eq!(ssm[0]["Action"], "ssm:GetParameters", "{id}");
        let arns: BTreeSet<String> = ssm[0]["Resource"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|r| {
                sub_string(r)
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let wanted: BTreeSet<String> = names.iter().map(|s| s.to_string()).collect();
        assert_eq!(arns, wanted, "{id}: IAM resources match SECRETS_SSM_NAMES");
        // KMS only through SSM.
        let kms = statements
            .iter()
            .find(|s| s["Action"] == "kms:Decrypt")
            .unwrap_or_else(|| panic!("{id}: kms:Decrypt"));
        assert!(
            !kms["Condition"]["StringEquals"]["kms:ViaService"].is_null(),
            "{id}: kms:ViaService"
        );
    }
}

/// Every (namespace, metric, dimension key) an alarm or a dashboard widget reads.
fn custom_metric_refs(t: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (_, a) in of_type(t, "AWS::CloudWatch::Alarm") {
        let p = &a["Properties"];
        let mut stats: Vec<&Value> = vec![p];
        if let Some(ms) = p["Metrics"].as_sequence() {
            stats.extend(ms.iter().map(|m| &m["MetricStat"]["Metric"]));
        }
        for s in stats {
            if s["Namespace"] == "SneakerMarket" {
                let dim = s["Dimensions"][0]["Name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                out.push((s["MetricName"].as_str().unwrap().to_string(), dim));
            }
        }
    }
    for (_, d) in of_type(t, "AWS::CloudWatch::Dashboard") {
        let body = sub_string(&d["Properties"]["DashboardBody"]).expect("DashboardBody Fn::Sub");
        let json: serde_json::Value =
            serde_json::from_str(&strip_subs(body)).expect("dashboard body is JSON");
        for w in json["widgets"].as_array().unwrap() {
            for m in w["properties"]["metrics"].as_array().into_iter().flatten() {
                let m = m.as_array().unwrap();
                if m[0] == "SneakerMarket" {
                    out.push((m[1].as_str().unwrap().into(), m[2].as_str().unwrap().into()));
                }
            }
        }
    }
    out
}

/// Replaces `${...}` substitutions with a placeholder so the dashboard body parses as JSON.
fn strip_subs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("closing brace") + i;
        out.push('X');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn alarms_and_dashboard_use_the_emitted_metrics_within_the_free_tier() {
    let t = template();
    let refs = custom_metric_refs(&t);
    assert!(!refs.is_empty());
    for (name, dim) in &refs {
        let m = shared::ops::metrics::CATALOGUE
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} is not emitted (shared::ops::metrics::CATALOGUE)"));
        assert_eq!(m.dim.key(), dim, "{name}: dimension");
    }
    assert!(
        shared::ops::metrics::series_count() <= 10,
        "custom metrics beyond the free 10"
    );

    // Alarm metrics (a metric-math alarm counts each metric it reads): 10 are free.
    let alarm_metrics: usize = of_type(&t, "AWS::CloudWatch::Alarm")
        .iter()
        .map(|(_, a)| match a["Properties"]["Metrics"].as_sequence() {
            Some(ms) => ms.iter().filter(|m| !m["MetricStat"].is_null()).count(),
            None => 1,
        })
        .sum();
    assert!(alarm_metrics <= 10, "{alarm_metrics} alarm metrics");
    assert!(of_type(&t, "AWS::CloudWatch::Dashboard").len() <= 3);

    // The DLQ alarm fires on the first dead letter.
    let dlq_alarm = of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .find(|(_, a)| a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible")
        .expect("DLQ alarm")
        .1;
    let p = &dlq_alarm["Properties"];
    assert_eq!(number(&p["Threshold"]), 0.0);
    assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold");
    let (queue, _) = get_att(&p["Dimensions"][0]["Value"]).unwrap();
    let worker = function(&t, "sync-worker");
    let (main_queue, _) = get_att(
        &worker["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .find(|e| e["Type"] == "SQS")
            .unwrap()["Properties"]["Queue"],
    )
    .unwrap();
    let (dlq, _) =
        get_att(&t["Resources"][main_queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
            .unwrap();
    assert_eq!(queue, dlq);
}
