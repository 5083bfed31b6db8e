//! `alicred`: get Alibaba Cloud credentials from the command line, and a demo of the library
//! against the embedded STS emulator.
//!
//! ```text
//! alicred get [--config FILE] [--format json|env]
//! alicred demo
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use alibabacloud_credentials_blocking as blocking;
use alibabacloud_credentials_blocking::core::time::format_rfc3339;
use alibabacloud_credentials_blocking::{Config, Credential, CredentialType};
use alibabacloud_credentials_testkit::{Emulator, Fault, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};

const USAGE: &str = "usage:
  alicred get [--config FILE] [--format json|env] print the credential the config (default: the
                                                  default credential chain) yields
  alicred demo                                    fetch, cache and refresh against a local STS emulator";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("get") => get(&args[1..]),
        Some("demo") if args.len() == 1 => demo(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}` (see alicred --help)")),
        None => Err("no command given (see alicred --help)".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("alicred: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Format {
    Json,
    Env,
}

fn get(args: &[String]) -> Result<(), String> {
    let mut config_path = None;
    let mut format = Format::Json;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => config_path = Some(it.next().ok_or("--config needs a file")?.clone()),
            "--format" => {
                format = match it.next().map(String::as_str) {
                    Some("json") => Format::Json,
                    Some("env") => Format::Env,
                    _ => return Err("--format takes json or env".to_owned()),
                }
            }
            other => return Err(format!("unexpected argument `{other}` (see alicred --help)")),
        }
    }
    let client = match config_path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let config = Config::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
            blocking::Client::new(config)
        }
        None => blocking::Client::default_chain(),
    }
    .map_err(|e| e.to_string())?;
    let credential = client.get().map_err(|e| e.to_string())?;
    match format {
        Format::Json => println!("{}", to_json(&credential)),
        Format::Env => print!("{}", to_env(&credential)?),
    }
    Ok(())
}

fn to_json(c: &Credential) -> String {
    let json = serde_json::json!({
        "type": c.credential_type(),
        "provider_name": c.provider_name(),
        "access_key_id": non_empty(c.access_key_id()),
        "access_key_secret": non_empty(c.access_key_secret()),
        "security_token": c.security_token(),
        "bearer_token": c.bearer_token(),
        "expiration": c.expiration().map(format_rfc3339),
    });
    serde_json::to_string_pretty(&json).expect("a JSON value always serializes")
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn to_env(c: &Credential) -> Result<String, String> {
    if c.bearer_token().is_some() {
        return Err("bearer credentials have no environment-variable form; use --format json".to_owned());
    }
    let mut out = format!(
        "export ALIBABA_CLOUD_ACCESS_KEY_ID={}\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET={}\n",
        shell_quote(c.access_key_id()),
        shell_quote(c.access_key_secret())
    );
    if let Some(t) = c.security_token() {
        out.push_str(&format!("export ALIBABA_CLOUD_SECURITY_TOKEN={}\n", shell_quote(t)));
    }
    Ok(out)
}

/// Issued credentials live this long in the demo, so a refresh happens within seconds.
const DEMO_LIFETIME: Duration = Duration::from_secs(16);

fn demo_config(emulator: &Emulator) -> Config {
    Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .role_session_name("alicred-demo")
        .sts_endpoint(emulator.url())
        .build()
}

fn demo() -> Result<(), String> {
    let emulator = Emulator::start().map_err(|e| format!("cannot start the STS emulator: {e}"))?;
    emulator.sts().set_lifetime_cap(DEMO_LIFETIME);
    println!("STS emulator on {} (credentials live {} s)", emulator.url(), DEMO_LIFETIME.as_secs());

    println!("\n== blocking client (ureq) ==");
    {
        let client = blocking::Client::builder()
            .env(blocking::Env::empty())
            .build(demo_config(&emulator))
            .map_err(|e| e.to_string())?;
        run_demo(&emulator, || client.get().map_err(|e| e.to_string()), || client.try_get())?;
    } // Dropping the last handle stops its refresh thread.

    println!("\n== async client (tokio + hyper) ==");
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start tokio: {e}"))?;
    let client = alibabacloud_credentials_tokio::Client::builder()
        .env(alibabacloud_credentials_tokio::Env::empty())
        .build(demo_config(&emulator))
        .map_err(|e| e.to_string())?;
    let _guard = runtime.enter();
    run_demo(&emulator, || runtime.block_on(client.get()).map_err(|e| e.to_string()), || client.try_get())?;
    println!(
        "\nDone: one AssumeRole per credential (plus one retry of the throttled call); no get waited for a refresh."
    );
    Ok(())
}

fn run_demo(
    emulator: &Emulator,
    get: impl Fn() -> Result<Credential, String>,
    try_get: impl Fn() -> Option<Credential>,
) -> Result<(), String> {
    let before = emulator.sts().count("AssumeRole");
    let calls = || emulator.sts().count("AssumeRole") - before;

    let t = Instant::now();
    let first = get()?;
    println!("fetched     {first}  in {:?} (AssumeRole calls: {})", t.elapsed(), calls());

    let n = 100_000;
    let t = Instant::now();
    for _ in 0..n {
        let c = try_get().ok_or("the cached credential vanished")?;
        std::hint::black_box(c);
    }
    let per_get = t.elapsed() / n;
    let again = get()?;
    let build = if cfg!(debug_assertions) { " in this debug build; see BENCHMARKS.md for release" } else { "" };
    println!(
        "cached      {again}  {n} gets at {per_get:?} each{build}, same credential: {} (AssumeRole calls: {})",
        again.ptr_eq(&first),
        calls()
    );

    // The next AssumeRole is throttled once; the refresh retries inside the same fetch.
    emulator.sts().push_fault(Fault::error(400, "Throttling.User", "Request was denied due to user flow control."));
    let wait = DEMO_LIFETIME / 2 + Duration::from_millis(1500);
    println!("waiting     {wait:?} for the advisory window (the next AssumeRole will be throttled once) ...");
    let deadline = Instant::now() + wait;
    let mut max_get = Duration::ZERO;
    while Instant::now() < deadline {
        let t = Instant::now();
        get()?;
        max_get = max_get.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    let refreshed = get()?;
    if refreshed.ptr_eq(&first) {
        return Err("the credential was not refreshed in the advisory window".to_owned());
    }
    println!(
        "refreshed   {refreshed}  in the background; slowest get while refreshing: {max_get:?} (AssumeRole calls: {})",
        calls()
    );
    Ok(())
}
