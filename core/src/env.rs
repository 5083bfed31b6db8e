//! [`Env`]: the snapshot of environment variables that the driver takes when a client is built.

use std::collections::HashMap;
use std::path::PathBuf;

/// Environment variables, captured once by the driver (the core never reads the process
/// environment). Built from any iterator of pairs, so tests use a literal map.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    home: Option<PathBuf>,
}

impl Env {
    /// An empty environment.
    pub fn empty() -> Self {
        Env::default()
    }

    /// A snapshot of the given variables; the home directory is taken from `HOME`, else
    /// `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH` (as the official SDKs look for it).
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let non_empty = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let home = non_empty("HOME")
            .or_else(|| non_empty("USERPROFILE"))
            .or_else(|| Some(format!("{}{}", non_empty("HOMEDRIVE")?, non_empty("HOMEPATH")?)));
        Env { home: home.map(PathBuf::from), vars }
    }

    /// A snapshot of OS-string pairs (as the process environment yields them); pairs that are
    /// not valid Unicode are left out, as no variable this library reads can hold them.
    pub fn from_os_vars<I>(vars: I) -> Self
    where
        I: IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    {
        Env::from_vars(vars.into_iter().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    /// The variable's value if it is set and not empty (the official SDKs treat empty as unset).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// True if the variable is `true` in any case, as the official SDKs parse flags.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The home directory, if known.
    pub fn home(&self) -> Option<&std::path::Path> {
        self.home.as_deref()
    }
}

impl std::fmt::Debug for Env {
    /// Lists variable names only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("Env").field("names", &names).field("home", &self.home).finish()
    }
}

/// Names of the environment variables the library reads.
pub mod vars {
    /// AccessKey id (env provider; fallback of static and RAM role sources).
    pub const ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    /// AccessKey secret.
    pub const ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    /// Security token.
    pub const SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
    /// RAM role ARN.
    pub const ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
    /// Role session name.
    pub const ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
    /// OIDC provider ARN.
    pub const OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
    /// OIDC token file.
    pub const OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
    /// STS endpoint override (host, host:port or URL); an extension of this library.
    pub const STS_ENDPOINT: &str = "ALIBABA_CLOUD_STS_ENDPOINT";
    /// STS region, for `sts.<region>.aliyuncs.com`.
    pub const STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
    /// `true` selects the VPC STS endpoint `sts-vpc.<region>.aliyuncs.com`.
    pub const VPC_ENDPOINT_ENABLED: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
    /// ECS RAM role name.
    pub const ECS_METADATA: &str = "ALIBABA_CLOUD_ECS_METADATA";
    /// `true` disables the ECS metadata source.
    pub const ECS_METADATA_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
    /// `true` forbids the IMDSv1 fallback.
    pub const IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
    /// Metadata endpoint override (for emulators); an extension of this library.
    pub const ECS_METADATA_SERVICE_ENDPOINT: &str = "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT";
    /// Credentials URI.
    pub const CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";
    /// ini credentials file.
    pub const CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
    /// aliyun CLI config file (`~/.aliyun/config.json` by default).
    pub const CONFIG_FILE: &str = "ALIBABA_CLOUD_CONFIG_FILE";
    /// Profile name.
    pub const PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
    /// `true` skips the aliyun CLI config file.
    pub const CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset_and_flags_ignore_case() {
        let env = Env::from_vars([("A", ""), ("B", "x"), ("F", "TRUE"), ("G", "yes")]);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B"), Some("x"));
        assert!(env.flag("F"));
        assert!(!env.flag("G"));
        assert!(!env.flag("missing"));
    }

    #[test]
    fn home_lookup_order_and_debug_hides_values() {
        let env = Env::from_vars([("USERPROFILE", "C:\\Users\\me"), ("SECRET", "s3cr3t")]);
        assert_eq!(env.home(), Some(std::path::Path::new("C:\\Users\\me")));
        let env2 = Env::from_vars([("HOMEDRIVE", "D:"), ("HOMEPATH", "\\u")]);
        assert_eq!(env2.home(), Some(std::path::Path::new("D:\\u")));
        assert!(!format!("{env:?}").contains("s3cr3t"));
    }
}
