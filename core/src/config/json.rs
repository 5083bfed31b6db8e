//! Parsing a [`Config`] from JSON, with a typed error for every field.

use serde_json::Value;

use super::{Config, CredentialType};
use crate::error::ConfigError;
use crate::secret::Secret;

/// Every accepted key: the Python `Config` name, and the camelCase name of its `to_map()`.
const FIELDS: &[(&str, &str)] = &[
    ("type", "type"),
    ("access_key_id", "accessKeyId"),
    ("access_key_secret", "accessKeySecret"),
    ("security_token", "securityToken"),
    ("bearer_token", "bearerToken"),
    ("role_arn", "roleArn"),
    ("oidc_provider_arn", "oidcProviderArn"),
    ("oidc_token_file_path", "oidcTokenFilePath"),
    ("role_session_name", "roleSessionName"),
    ("role_session_expiration", "roleSessionExpiration"),
    ("duration_seconds", "durationSeconds"),
    ("policy", "policy"),
    ("external_id", "externalId"),
    ("sts_endpoint", "stsEndpoint"),
    ("sts_region_id", "stsRegionId"),
    ("enable_vpc", "enableVpc"),
    ("role_name", "roleName"),
    ("disable_imds_v1", "disableIMDSv1"),
    ("enable_imds_v2", "enableIMDSv2"),
    ("metadata_token_duration", "metadataTokenDuration"),
    ("metadata_endpoint", "metadataEndpoint"),
    ("credentials_uri", "credentialsUri"),
    ("timeout", "timeout"),
    ("connect_timeout", "connectTimeout"),
    ("proxy", "proxy"),
];

/// Lower-case letters and digits only, to match `AccessKeyID` against `access_key_id`.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

fn canonical(key: &str) -> Result<&'static str, ConfigError> {
    if let Some((name, _)) = FIELDS.iter().find(|(snake, camel)| *snake == key || *camel == key) {
        return Ok(name);
    }
    let squashed = squash(key);
    let suggestion = FIELDS.iter().find(|(snake, _)| squash(snake) == squashed).map(|(s, _)| *s);
    Err(ConfigError::UnknownField { field: key.chars().take(64).collect(), suggestion })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(field: &'static str, v: Value) -> Result<Option<String>, ConfigError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => {
            Err(ConfigError::InvalidValue { field, reason: format!("expected a string, found {}", kind_of(&other)) })
        }
    }
}

fn secret(field: &'static str, v: Value) -> Result<Option<Secret>, ConfigError> {
    Ok(string(field, v)?.map(Secret::new))
}

fn number(field: &'static str, v: Value) -> Result<Option<u64>, ConfigError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_u64().map(Some).ok_or_else(|| ConfigError::InvalidValue {
            field,
            reason: "expected a non-negative whole number".to_owned(),
        }),
        other => Err(ConfigError::InvalidValue {
            field,
            reason: format!("expected a non-negative whole number, found {}", kind_of(&other)),
        }),
    }
}

fn boolean(field: &'static str, v: Value) -> Result<Option<bool>, ConfigError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        other => Err(ConfigError::InvalidValue {
            field,
            reason: format!("expected true or false, found {}", kind_of(&other)),
        }),
    }
}

pub(super) fn parse(text: &str) -> Result<Config, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ConfigError::Json {
        message: crate::sts::json_error_class(&e).to_owned(),
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Object(map) = value else {
        return Err(ConfigError::Json {
            message: format!("expected an object, found {}", kind_of(&value)),
            line: 1,
            column: 1,
        });
    };
    let mut c = Config::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for (key, v) in map {
        let name = canonical(&key)?;
        if seen.contains(&name) {
            return Err(ConfigError::InvalidValue {
                field: name,
                reason: "given twice (snake_case and camelCase)".to_owned(),
            });
        }
        seen.push(name);
        match name {
            "type" => {
                c.credential_type = match string("type", v)? {
                    Some(t) => Some(t.parse::<CredentialType>()?),
                    None => None,
                }
            }
            "access_key_id" => c.access_key_id = string(name, v)?,
            "access_key_secret" => c.access_key_secret = secret(name, v)?,
            "security_token" => c.security_token = secret(name, v)?,
            "bearer_token" => c.bearer_token = secret(name, v)?,
            "role_arn" => c.role_arn = string(name, v)?,
            "oidc_provider_arn" => c.oidc_provider_arn = string(name, v)?,
            "oidc_token_file_path" => c.oidc_token_file_path = string(name, v)?,
            "role_session_name" => c.role_session_name = string(name, v)?,
            "role_session_expiration" => c.role_session_expiration = number(name, v)?,
            "duration_seconds" => c.duration_seconds = number(name, v)?,
            "policy" => c.policy = string(name, v)?,
            "external_id" => c.external_id = string(name, v)?,
            "sts_endpoint" => c.sts_endpoint = string(name, v)?,
            "sts_region_id" => c.sts_region_id = string(name, v)?,
            "enable_vpc" => c.enable_vpc = boolean(name, v)?,
            "role_name" => c.role_name = string(name, v)?,
            "disable_imds_v1" => c.disable_imds_v1 = boolean(name, v)?,
            "enable_imds_v2" => c.enable_imds_v2 = boolean(name, v)?,
            "metadata_token_duration" => c.metadata_token_duration = number(name, v)?,
            "metadata_endpoint" => c.metadata_endpoint = string(name, v)?,
            "credentials_uri" => c.credentials_uri = string(name, v)?,
            "timeout" => c.timeout = number(name, v)?,
            "connect_timeout" => c.connect_timeout = number(name, v)?,
            "proxy" => c.proxy = string(name, v)?,
            _ => unreachable!("FIELDS and this match list the same names"),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_parses_in_both_spellings() {
        for (snake, camel) in FIELDS {
            for key in [snake, camel] {
                let value = match *snake {
                    "type" => "\"sts\"",
                    "role_session_expiration"
                    | "duration_seconds"
                    | "metadata_token_duration"
                    | "timeout"
                    | "connect_timeout" => "1000",
                    "enable_vpc" | "disable_imds_v1" | "enable_imds_v2" => "true",
                    _ => "\"x\"",
                };
                let c = parse(&format!("{{\"{key}\": {value}}}")).unwrap_or_else(|e| panic!("{key}: {e}"));
                assert_ne!(c, Config::default(), "{key} was dropped");
            }
        }
    }

    #[test]
    fn every_parsed_field_counts_as_set() {
        // What the resolver checks against each type's fields is what the parser fills in.
        for (snake, _) in FIELDS.iter().filter(|(s, _)| *s != "type") {
            let value = match *snake {
                "role_session_expiration"
                | "duration_seconds"
                | "metadata_token_duration"
                | "timeout"
                | "connect_timeout" => "1000",
                "enable_vpc" | "disable_imds_v1" | "enable_imds_v2" => "true",
                _ => "\"x\"",
            };
            let c = parse(&format!("{{\"{snake}\": {value}}}")).unwrap();
            assert_eq!(c.fields_set(), vec![*snake]);
        }
    }

    #[test]
    fn errors_name_the_field_and_never_the_value() {
        let e = parse(r#"{"type": "ram_role_arn", "role_ar": "x"}"#).unwrap_err();
        assert_eq!(e, ConfigError::UnknownField { field: "role_ar".into(), suggestion: None });
        let e = parse(r#"{"AccessKeyID": "x"}"#).unwrap_err();
        assert_eq!(e, ConfigError::UnknownField { field: "AccessKeyID".into(), suggestion: Some("access_key_id") });
        let e = parse(r#"{"timeout": "my-secret-value"}"#).unwrap_err();
        assert_eq!(e.to_string(), "config field `timeout`: expected a non-negative whole number, found a string");
        let e = parse(r#"{"type": "magic"}"#).unwrap_err();
        assert!(matches!(e, ConfigError::UnknownType { .. }));
        let e = parse(r#"{"type": "rsa_key_pair"}"#).unwrap_err();
        assert!(matches!(e, ConfigError::Unsupported { .. }));
        let e = parse("{\"type\": \"sts\",\n \"access_key_secret\": \"s3cr3t\" ").unwrap_err();
        assert!(matches!(e, ConfigError::Json { line: 2, .. }), "{e:?}");
        assert!(!e.to_string().contains("s3cr3t"));
        let e = parse("[1]").unwrap_err();
        assert!(e.to_string().contains("expected an object"));
        let e = parse(r#"{"role_arn": "a", "roleArn": "b"}"#).unwrap_err();
        assert!(e.to_string().contains("given twice"));
    }
}
