//! The aliyun CLI's `~/.aliyun/config.json`: selecting a profile and building its source.
//!
//! The file belongs to the CLI, which keeps many fields of its own (`region_id`,
//! `output_format`, ...); only the fields the official credential libraries read are used, and
//! the others are left alone. Mode names are matched in any case, as the CLI itself does.

use std::path::Path;

use serde_json::{Map, Value};

use super::build;
use crate::env::{vars, Env};
use crate::error::{ConfigError, Error};
use crate::source::{AssumeRoleParams, OidcParams, Source};
use crate::Secret;

/// The longest `source_profile` chain followed.
const MAX_CHAIN: usize = 16;

/// A profile being read, for errors that name the file and the profile.
struct Ctx<'a> {
    path: &'a Path,
    env: &'a Env,
    profiles: &'a [Value],
}

type Profile = Map<String, Value>;

impl Ctx<'_> {
    fn error(&self, profile: Option<&str>, reason: impl Into<String>) -> Error {
        Error::InvalidProfile {
            provider: "cli_profile".into(),
            path: self.path.to_owned(),
            profile: profile.map(str::to_owned),
            reason: reason.into(),
        }
    }

    fn find(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().filter_map(Value::as_object).find(|p| p.get("name").and_then(Value::as_str) == Some(name))
    }

    fn string(&self, p: &Profile, name: &str, field: &str) -> Result<Option<String>, Error> {
        match p.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.error(Some(name), format!("field `{field}` must be a string"))),
        }
    }

    fn required(&self, p: &Profile, name: &str, mode: &str, field: &str) -> Result<String, Error> {
        self.string(p, name, field)?
            .ok_or_else(|| self.error(Some(name), format!("mode {mode} needs a non-empty `{field}`")))
    }

    fn number(&self, p: &Profile, name: &str, field: &str) -> Result<Option<u64>, Error> {
        match p.get(field) {
            None | Some(Value::Null) => Ok(None),
            // The CLI writes 0 for "unset".
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(Some(name), format!("field `{field}` must be a whole number"))),
            Some(_) => Err(self.error(Some(name), format!("field `{field}` must be a number"))),
        }
    }

    fn boolean(&self, p: &Profile, name: &str, field: &str) -> Result<Option<bool>, Error> {
        match p.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(Some(name), format!("field `{field}` must be true or false"))),
        }
    }

    fn config(&self, name: &str, e: ConfigError) -> Error {
        self.error(Some(name), e.to_string())
    }

    fn duration(&self, p: &Profile, name: &str) -> Result<u64, Error> {
        match self.number(p, name, "expired_seconds")? {
            None => Ok(build::DEFAULT_SESSION_SECS),
            Some(v) => build::check_duration("expired_seconds", v).map_err(|e| self.config(name, e)),
        }
    }

    fn endpoint(&self, p: &Profile, name: &str) -> Result<crate::endpoint::Endpoint, Error> {
        let explicit = self.string(p, name, "sts_endpoint")?;
        let region = self.string(p, name, "sts_region")?;
        let vpc = self.boolean(p, name, "enable_vpc")?;
        build::profile_sts_endpoint(explicit.as_deref(), region.as_deref(), vpc, self.env)
            .map_err(|e| self.config(name, e))
    }

    fn role_params(&self, p: &Profile, name: &str, mode: &str) -> Result<AssumeRoleParams, Error> {
        Ok(AssumeRoleParams {
            role_arn: self.required(p, name, mode, "ram_role_arn")?,
            role_session_name: self.string(p, name, "ram_session_name")?,
            duration_seconds: self.duration(p, name)?,
            policy: self.string(p, name, "policy")?,
            external_id: self.string(p, name, "external_id")?,
        })
    }

    /// Builds the source of profile `name`; `seen` holds the `source_profile` chain so far.
    fn build(&self, name: &str, seen: &mut Vec<String>) -> Result<Box<dyn Source>, Error> {
        if seen.iter().any(|s| s == name) {
            seen.push(name.to_owned());
            return Err(self.error(Some(name), format!("source_profile cycle: {}", seen.join(" -> "))));
        }
        // Each hop is one more AssumeRole per refresh; real chains have two or three. The cap
        // also bounds the recursion, whatever the file holds.
        if seen.len() >= MAX_CHAIN {
            return Err(self.error(
                seen.first().map(String::as_str),
                format!("source_profile chain longer than {MAX_CHAIN} profiles"),
            ));
        }
        seen.push(name.to_owned());
        let p = self.find(name).ok_or_else(|| self.error(Some(name), "no profile with this name"))?;
        let mode = self.string(p, name, "mode")?.ok_or_else(|| self.error(Some(name), "the profile has no `mode`"))?;
        let t = "cli_profile";
        match mode.to_ascii_lowercase().as_str() {
            "ak" => {
                let id = self.required(p, name, "AK", "access_key_id")?;
                let secret = Secret::new(self.required(p, name, "AK", "access_key_secret")?);
                Ok(Box::new(crate::source::StaticSource::new(build::static_credential(id, secret, None, t))))
            }
            "ststoken" => {
                let id = self.required(p, name, "StsToken", "access_key_id")?;
                let secret = Secret::new(self.required(p, name, "StsToken", "access_key_secret")?);
                let token = Secret::new(self.required(p, name, "StsToken", "sts_token")?);
                Ok(Box::new(crate::source::StaticSource::new(build::static_credential(id, secret, Some(token), t))))
            }
            "ramrolearn" => {
                // The official SDKs never sign with `sts_token` here: RamRoleArn uses the AccessKey.
                let id = self.required(p, name, "RamRoleArn", "access_key_id")?;
                let secret = Secret::new(self.required(p, name, "RamRoleArn", "access_key_secret")?);
                let params = self.role_params(p, name, "RamRoleArn")?;
                let endpoint = self.endpoint(p, name)?;
                let cred = build::static_credential(id, secret, None, t);
                Ok(build::ram_role_arn_static(cred, params, endpoint, build::default_sts_call()))
            }
            "chainableramrolearn" => {
                let source = self.required(p, name, "ChainableRamRoleArn", "source_profile")?;
                let inner = self.build(&source, seen)?;
                let params = self.role_params(p, name, "ChainableRamRoleArn")?;
                let endpoint = self.endpoint(p, name)?;
                Ok(build::ram_role_arn(inner, params, endpoint, build::default_sts_call()))
            }
            "ecsramrole" => {
                let role = self.string(p, name, "ram_role_name")?;
                build::ecs_ram_role(role, self.env).map_err(|e| self.config(name, e))
            }
            "oidc" => {
                // Python reads `role_session_name`, Go/Java/Node `ram_session_name`: accept both.
                let session = match self.string(p, name, "role_session_name")? {
                    Some(s) => Some(s),
                    None => self.string(p, name, "ram_session_name")?,
                };
                let params = OidcParams {
                    role_arn: self.required(p, name, "OIDC", "ram_role_arn")?,
                    oidc_provider_arn: self.required(p, name, "OIDC", "oidc_provider_arn")?,
                    token_file: self.required(p, name, "OIDC", "oidc_token_file")?.into(),
                    role_session_name: session,
                    duration_seconds: self.duration(p, name)?,
                    policy: self.string(p, name, "policy")?,
                };
                let endpoint = self.endpoint(p, name)?;
                Ok(build::oidc(params, endpoint, build::default_sts_call()))
            }
            "credentialsuri" => {
                let uri = self.required(p, name, "CredentialsURI", "credentials_uri")?;
                let uri = build::credentials_uri_of(&uri, "credentials_uri").map_err(|e| self.config(name, e))?;
                Ok(build::credentials_uri(uri, build::default_sts_call()))
            }
            "cloudsso" | "oauth" | "external" | "bearertoken" | "rsakeypair" | "ramrolearnwithrolename" | "anonymous" => {
                Err(self.error(Some(name), format!("unsupported mode `{mode}` (supported: AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC, CredentialsURI)")))
            }
            _ => Err(self.error(Some(name), format!("unknown mode `{mode}`"))),
        }
    }
}

/// Parses `config.json` and builds the source of the selected profile: `ALIBABA_CLOUD_PROFILE`
/// if set, else `current`. A file without a selectable profile is not configured; an explicitly
/// named profile that is missing, or a broken one, is an error.
pub fn cli_profile_source(bytes: &[u8], path: &Path, env: &Env) -> Result<Box<dyn Source>, Error> {
    let invalid = |reason: String| Error::InvalidProfile {
        provider: "cli_profile".into(),
        path: path.to_owned(),
        profile: None,
        reason,
    };
    // Windows editors may start the file with a byte-order mark.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        invalid(format!(
            "not valid JSON ({} at line {}, column {})",
            crate::sts::json_error_class(&e),
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(top) = value else {
        return Err(invalid("expected a JSON object".into()));
    };
    let profiles: &[Value] = match top.get("profiles") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return Err(invalid("`profiles` must be an array".into())),
    };
    let ctx = Ctx { path, env, profiles };
    let name = match env.get(vars::PROFILE) {
        Some(n) => n.to_owned(),
        None => match top.get("current") {
            Some(Value::String(c)) if !c.is_empty() => c.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                return Err(Error::NotConfigured {
                    provider: "cli_profile".into(),
                    reason: format!("{} has no `current` profile and {} is not set", path.display(), vars::PROFILE),
                })
            }
            Some(_) => return Err(invalid("`current` must be a string".into())),
        },
    };
    ctx.build(&name, &mut Vec::new())
}
