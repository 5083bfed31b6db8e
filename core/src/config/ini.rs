//! The ini credentials file (`~/.alibabacloud/credentials.ini` or `credentials`).
//!
//! Parsed by hand rather than with an ini crate: the format must match the official Python SDK
//! line for line (an inline `#` starts a comment, `;` and `#` lines are comments, keys are
//! trimmed), and errors must give line numbers without quoting values.

use std::path::Path;

use super::build;
use crate::env::{vars, Env};
use crate::error::Error;
use crate::source::{AssumeRoleParams, OidcParams, Source, StaticSource};
use crate::Secret;

struct Section {
    name: String,
    entries: Vec<(String, String)>,
}

fn parse(text: &str, path: &Path) -> Result<Vec<Section>, Error> {
    let mut sections: Vec<Section> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let invalid = |reason: &str| Error::InvalidProfile {
            provider: "profile".into(),
            path: path.to_owned(),
            profile: None,
            reason: format!("line {}: {reason}", n + 1),
        };
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.split('#').next().unwrap_or("").trim_end();
            let name = name.strip_suffix(']').ok_or_else(|| invalid("a section header must end with `]`"))?.trim();
            if name.is_empty() {
                return Err(invalid("empty section name"));
            }
            sections.push(Section { name: name.to_owned(), entries: Vec::new() });
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| invalid("expected `key = value`"))?;
        let section = sections.last_mut().ok_or_else(|| invalid("a value before any [section]"))?;
        // As the Python SDK: everything after `#` is a comment.
        let value = value.split('#').next().unwrap_or("").trim();
        section.entries.push((key.trim().to_owned(), value.to_owned()));
    }
    Ok(sections)
}

/// Parses the ini file and builds the source of the selected section: `ALIBABA_CLOUD_PROFILE`
/// if set, else `default`. A missing `default` section means not configured; a missing section
/// named explicitly, or a broken one, is an error.
pub fn ini_profile_source(bytes: &[u8], path: &Path, env: &Env) -> Result<Box<dyn Source>, Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidProfile {
        provider: "profile".into(),
        path: path.to_owned(),
        profile: None,
        reason: "not UTF-8 text".into(),
    })?;
    // Windows editors may start the file with a byte-order mark.
    let sections = parse(text.strip_prefix('\u{feff}').unwrap_or(text), path)?;
    let explicit = env.get(vars::PROFILE);
    let name = explicit.unwrap_or("default");
    let err = |reason: String| Error::InvalidProfile {
        provider: "profile".into(),
        path: path.to_owned(),
        profile: Some(name.to_owned()),
        reason,
    };
    let Some(section) = sections.iter().rev().find(|s| s.name == name) else {
        if explicit.is_some() {
            return Err(err("no such section".into()));
        }
        return Err(Error::NotConfigured {
            provider: "profile".into(),
            reason: format!("{} has no [default] section", path.display()),
        });
    };
    let get = |key: &str| {
        section.entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    };
    let need = |key: &str, t: &str| get(key).ok_or_else(|| err(format!("type {t} needs a non-empty `{key}`")));
    if get("enable").is_some_and(|e| e.eq_ignore_ascii_case("false")) {
        return Err(Error::NotConfigured {
            provider: "profile".into(),
            reason: format!("section [{name}] of {} has enable = false", path.display()),
        });
    }
    let t = need("type", "any")?;
    let label = "profile";
    match t {
        "access_key" => {
            let id = need("access_key_id", t)?.to_owned();
            let secret = Secret::new(need("access_key_secret", t)?);
            Ok(Box::new(StaticSource::new(build::static_credential(id, secret, None, label))))
        }
        "ram_role_arn" => {
            let id = need("access_key_id", t)?.to_owned();
            let secret = Secret::new(need("access_key_secret", t)?);
            let params = AssumeRoleParams {
                role_arn: need("role_arn", t)?.to_owned(),
                role_session_name: get("role_session_name").map(str::to_owned),
                duration_seconds: build::DEFAULT_SESSION_SECS,
                policy: get("policy").map(str::to_owned),
                external_id: get("external_id").map(str::to_owned),
            };
            let endpoint = build::profile_sts_endpoint(None, None, None, env).map_err(|e| err(e.to_string()))?;
            let cred = build::static_credential(id, secret, None, label);
            Ok(build::ram_role_arn_static(cred, params, endpoint, build::default_sts_call()))
        }
        "ecs_ram_role" => build::ecs_ram_role(get("role_name").map(str::to_owned), env).map_err(|e| err(e.to_string())),
        "oidc_role_arn" => {
            let params = OidcParams {
                role_arn: need("role_arn", t)?.to_owned(),
                oidc_provider_arn: need("oidc_provider_arn", t)?.to_owned(),
                token_file: need("oidc_token_file_path", t)?.into(),
                role_session_name: get("role_session_name").map(str::to_owned),
                duration_seconds: build::DEFAULT_SESSION_SECS,
                policy: get("policy").map(str::to_owned),
            };
            let endpoint = build::profile_sts_endpoint(None, None, None, env).map_err(|e| err(e.to_string()))?;
            Ok(build::oidc(params, endpoint, build::default_sts_call()))
        }
        "rsa_key_pair" => Err(err("type rsa_key_pair is deprecated and not supported; use ram_role_arn".into())),
        other => Err(err(format!(
            "unknown type `{other}` (supported: access_key, ram_role_arn, ecs_ram_role, oidc_role_arn)"
        ))),
    }
}
