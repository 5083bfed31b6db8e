//! Where requests go: the STS endpoint rules and parsing of user-given endpoints.

use std::fmt;

use crate::env::{vars, Env};
use crate::error::ConfigError;

/// A scheme and authority (`https` + `sts.aliyuncs.com`, `http` + `127.0.0.1:8080`).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
}

impl Endpoint {
    /// Parses a host, `host:port`, or a URL with an `http`/`https` scheme (and no path beyond
    /// `/`). Without a scheme, `default_scheme` applies.
    pub fn parse(text: &str, default_scheme: http::uri::Scheme, field: &'static str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidValue { field, reason: reason.to_owned() };
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("is empty"));
        }
        if text.contains("://") {
            let uri: http::Uri = text.parse().map_err(|_| invalid("is not a valid URL"))?;
            let scheme = uri.scheme().cloned().ok_or_else(|| invalid("is not a valid URL"))?;
            if scheme != http::uri::Scheme::HTTP && scheme != http::uri::Scheme::HTTPS {
                return Err(invalid("must use http or https"));
            }
            let authority = uri.authority().cloned().ok_or_else(|| invalid("has no host"))?;
            if authority.as_str().contains('@') {
                return Err(invalid("must not contain user information"));
            }
            if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
                return Err(invalid("must be a scheme and host only, without a path or query"));
            }
            Endpoint { scheme, authority }.check_port(field)
        } else {
            let authority: http::uri::Authority =
                text.parse().map_err(|_| invalid("is not a valid host or host:port"))?;
            if authority.as_str().contains('@') || text.contains('/') {
                return Err(invalid("is not a valid host or host:port"));
            }
            Endpoint { scheme: default_scheme, authority }.check_port(field)
        }
    }

    fn check_port(self, field: &'static str) -> Result<Self, ConfigError> {
        // `Authority::port()` hides a port that does not fit in 16 bits, so read it ourselves.
        let text = self.authority.as_str();
        let host_end = if text.starts_with('[') { text.find(']').map_or(text.len(), |i| i + 1) } else { 0 };
        if let Some(colon) = text[host_end..].rfind(':') {
            let port = &text[host_end + colon + 1..];
            if !port.parse::<u16>().is_ok_and(|p| p != 0) {
                return Err(ConfigError::InvalidValue { field, reason: "has a port outside 1-65535".to_owned() });
            }
        }
        Ok(self)
    }

    /// An https endpoint for a host known to be valid.
    fn https(host: &str) -> Self {
        Endpoint { scheme: http::uri::Scheme::HTTPS, authority: host.parse().expect("static host names are valid") }
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// Host and optional port.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// Builds `scheme://authority{path_and_query}`.
    pub fn uri(&self, path_and_query: &str) -> http::Uri {
        http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .expect("endpoint parts are valid and callers pass encoded paths")
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

/// Picks the STS endpoint: `sts_endpoint` > env `ALIBABA_CLOUD_STS_ENDPOINT` > region rules
/// (`sts[-vpc].<region>.aliyuncs.com`, region from `sts_region_id` or `ALIBABA_CLOUD_STS_REGION`,
/// VPC from `enable_vpc` or `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`) > `sts.aliyuncs.com`.
/// https unless the endpoint names a scheme.
pub fn sts_endpoint(
    explicit: Option<&str>,
    region: Option<&str>,
    enable_vpc: Option<bool>,
    env: &Env,
) -> Result<Endpoint, ConfigError> {
    if let Some(e) = explicit.filter(|s| !s.is_empty()) {
        return Endpoint::parse(e, http::uri::Scheme::HTTPS, "sts_endpoint");
    }
    if let Some(e) = env.get(vars::STS_ENDPOINT) {
        return Endpoint::parse(e, http::uri::Scheme::HTTPS, vars::STS_ENDPOINT);
    }
    let vpc = enable_vpc.unwrap_or_else(|| env.flag(vars::VPC_ENDPOINT_ENABLED));
    let region = region.filter(|s| !s.is_empty()).or_else(|| env.get(vars::STS_REGION));
    match region {
        Some(r) => {
            let valid = r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                return Err(ConfigError::InvalidValue {
                    field: "sts_region_id",
                    reason: "a region id has only letters, digits and dashes".to_owned(),
                });
            }
            let prefix = if vpc { "sts-vpc" } else { "sts" };
            Ok(Endpoint::https(&format!("{prefix}.{r}.aliyuncs.com")))
        }
        None => Ok(Endpoint::https("sts.aliyuncs.com")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn precedence() {
        let e = env(&[
            (vars::STS_ENDPOINT, "sts.example.com"),
            (vars::STS_REGION, "cn-beijing"),
            (vars::VPC_ENDPOINT_ENABLED, "true"),
        ]);
        assert_eq!(
            sts_endpoint(Some("http://127.0.0.1:8080"), None, None, &e).unwrap().to_string(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(sts_endpoint(None, None, None, &e).unwrap().to_string(), "https://sts.example.com");
        let e = env(&[(vars::STS_REGION, "cn-beijing"), (vars::VPC_ENDPOINT_ENABLED, "TRUE")]);
        assert_eq!(sts_endpoint(None, None, None, &e).unwrap().to_string(), "https://sts-vpc.cn-beijing.aliyuncs.com");
        assert_eq!(
            sts_endpoint(None, Some("cn-hangzhou"), Some(false), &e).unwrap().to_string(),
            "https://sts.cn-hangzhou.aliyuncs.com"
        );
        // VPC without a region is ignored, as in every official SDK.
        let e = env(&[(vars::VPC_ENDPOINT_ENABLED, "true")]);
        assert_eq!(sts_endpoint(None, None, None, &e).unwrap().to_string(), "https://sts.aliyuncs.com");
    }

    #[test]
    fn parses_and_rejects() {
        let p = |s| Endpoint::parse(s, http::uri::Scheme::HTTPS, "sts_endpoint");
        assert_eq!(
            p("sts-vpc.cn-hangzhou.aliyuncs.com").unwrap().to_string(),
            "https://sts-vpc.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(p("localhost:9000").unwrap().to_string(), "https://localhost:9000");
        assert_eq!(p("http://127.0.0.1:8080/").unwrap().authority(), "127.0.0.1:8080");
        for bad in ["", "ftp://x", "http://x/path", "a b", "user@host", "http://u:p@host", "host/path"] {
            assert!(p(bad).is_err(), "{bad}");
        }
        let e = p("http://x/path").unwrap_err();
        assert!(e.to_string().contains("sts_endpoint"));
    }
}
