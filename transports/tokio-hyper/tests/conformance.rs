//! The shared conformance suite (every network source over real sockets) on the tokio client.

use alibabacloud_credentials_testkit::conformance;
use alibabacloud_credentials_tokio::{Client, Config, Credential, Env, Error};

fn get(config: Config, env: Env) -> Result<Credential, Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { Client::builder().env(env).seed(3).build(config)?.get().await })
}

#[test]
fn ram_role_arn() {
    conformance::ram_role_arn(&get);
}

#[test]
fn ecs_ram_role_v2() {
    conformance::ecs_ram_role_v2(&get);
}

#[test]
fn ecs_ram_role_v1_fallback_after_token_failure() {
    conformance::ecs_ram_role_v1_fallback_after_token_failure(&get);
}

#[test]
fn ecs_ram_role_v1_fallback_after_get_failure() {
    conformance::ecs_ram_role_v1_fallback_after_get_failure(&get);
}

#[test]
fn oidc_role_arn() {
    conformance::oidc_role_arn(&get);
}

#[test]
fn credentials_uri() {
    conformance::credentials_uri(&get);
}

#[test]
fn default_chain_ecs() {
    conformance::default_chain_ecs(&get);
}

#[test]
fn default_chain_nothing() {
    conformance::default_chain_nothing(&get);
}

#[test]
fn through_an_explicit_proxy() {
    conformance::through_an_explicit_proxy(&get);
}
