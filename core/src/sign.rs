//! The RPC signature (HMAC-SHA1, `SignatureVersion=1.0`) with strict RFC 3986 encoding.
//!
//! Unlike the official Python SDK (which encodes a space as `+`), a space is `%20` here, so a
//! policy document with spaces signs correctly.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// Everything but RFC 3986's unreserved characters `A-Z a-z 0-9 - _ . ~` is encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes per RFC 3986 with upper-case hex (space → `%20`, `*` → `%2A`, `~` kept).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(&mut out, text);
    out
}

/// Appends `text`, percent-encoded, to `out` (runs of unreserved characters are copied whole).
fn encode_into(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, RFC3986));
}

/// The canonicalized query: parameters sorted by name (byte order), encoded, joined by `&`.
pub fn canonical_query<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    // The published rule sorts by the raw parameter name in byte order (not by its encoded
    // form: `%` would sort before every letter).
    let mut raw: Vec<(&str, &str)> = params.into_iter().collect();
    raw.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
    let mut out = String::with_capacity(raw.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>() * 5 / 4);
    for (i, (k, v)) in raw.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

/// `METHOD&%2F&<encoded canonical query>`.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    let mut out = String::with_capacity(method.len() + 5 + canonical_query.len() * 5 / 4);
    out.push_str(method);
    out.push_str("&%2F&");
    encode_into(&mut out, canonical_query);
    out
}

/// Base64(HMAC-SHA1(secret + "&", string_to_sign)).
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut key = zeroize::Zeroizing::new(String::with_capacity(access_key_secret.len() + 1));
    key.push_str(access_key_secret);
    key.push('&');
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1>>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs a parameter set: returns the signature for `method` over `params`.
pub fn sign_params<'a, I>(method: &str, params: I, access_key_secret: &str) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    signature(access_key_secret, &string_to_sign(method, &canonical_query(params)))
}

/// Encodes parameters as `k=v&k2=v2` in the given order, RFC 3986 (used for query strings and
/// `application/x-www-form-urlencoded` bodies alike, so what is sent is what was signed).
pub fn encode_pairs<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut out = String::new();
    for (k, v) in params {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_encoding() {
        assert_eq!(percent_encode("a b*c~d/e:f+"), "a%20b%2Ac~d%2Fe%3Af%2B");
        assert_eq!(percent_encode("ü"), "%C3%BC");
    }
}
