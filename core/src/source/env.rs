//! The environment AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `_SECRET`, optional
//! `_SECURITY_TOKEN`), the default chain's first link.

use crate::env::{vars, Env};
use crate::error::Error;
use crate::source::StaticSource;
use crate::Credential;

/// The credential in the environment snapshot taken when the client was built: absent when
/// neither id nor secret is set, an error naming the variable when only one is. Provider name
/// `env`.
pub fn env_source(env: &Env) -> StaticSource {
    let id = env.get(vars::ACCESS_KEY_ID);
    let secret = env.get(vars::ACCESS_KEY_SECRET);
    match (id, secret) {
        (None, None) => {
            StaticSource::absent("env", format!("{} and {} are not set", vars::ACCESS_KEY_ID, vars::ACCESS_KEY_SECRET))
        }
        (Some(_), None) | (None, Some(_)) => {
            let missing = if id.is_none() { vars::ACCESS_KEY_ID } else { vars::ACCESS_KEY_SECRET };
            let error = Error::Config(crate::ConfigError::InvalidValue {
                field: missing,
                reason: "is empty or unset while the other half of the AccessKey is set".into(),
            });
            StaticSource::failing("env", error)
        }
        (Some(id), Some(secret)) => {
            let b = Credential::builder().access_key_id(id).access_key_secret(secret).provider_name("env");
            StaticSource::new(match env.get(vars::SECURITY_TOKEN) {
                Some(t) => b.security_token(t).credential_type("sts").build(),
                None => b.credential_type("access_key").build(),
            })
        }
    }
}
