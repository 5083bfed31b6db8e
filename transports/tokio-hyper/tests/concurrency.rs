//! The tokio client under concurrent load, against the loopback STS emulator over real sockets.
//!
//! Timing follows the refresh policy. For a credential of lifetime `L` (whole seconds, so the
//! emulator's second-precision `Expiration` and `Date` give the client exactly `L`) received at
//! `t0`, the background refresh starts between `t0 + 0.4·L` and `t0 + 0.5·L` (advisory window,
//! up to 20 % jitter) and the credential is no longer handed out from `t0 + 0.75·L` (the
//! mandatory point, `L - min(180 s, L/4)`). The tests wait for observable events (the emulator's
//! request count, `try_get` turning `None`) rather than sleeping, and only assert generous
//! bounds on durations.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alibabacloud_credentials_testkit::{Emulator, Fault, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_ROLE_ARN};
use alibabacloud_credentials_tokio::{Client, Config, Credential, CredentialType, Env, RefreshPolicy};

/// Callers in a burst.
const TASKS: usize = 1000;
/// How long the emulated STS takes to answer when it is slow.
const STS_LATENCY: Duration = Duration::from_secs(2);
/// Longest a `get` may take while a usable credential is cached (generous: a loaded CI box).
const FAST: Duration = Duration::from_millis(100);
/// Nothing in these tests comes near this; reaching it means a hang.
const HANG: Duration = Duration::from_secs(15);
/// The lifetime of credentials that should not be refreshed during a test.
const LONG: Duration = Duration::from_secs(3600);

fn policy() -> RefreshPolicy {
    let mut p = RefreshPolicy::default();
    // The emulator issues credentials of a few seconds; they must not count as failed refreshes.
    p.min_remaining = Duration::ZERO;
    p
}

fn client(emu: &Emulator, policy: RefreshPolicy) -> Client {
    let config = Config::builder()
        .credential_type(CredentialType::RamRoleArn)
        .access_key_id(DEMO_ACCESS_KEY_ID)
        .access_key_secret(DEMO_ACCESS_KEY_SECRET)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(emu.url())
        .build();
    Client::builder().env(Env::empty()).seed(7).policy(policy).build(config).unwrap()
}

fn assume_role_count(emu: &Emulator) -> usize {
    emu.sts().count("AssumeRole")
}

/// `TASKS` tasks released together by a barrier, each calling `get` once. Every call must
/// succeed within [`HANG`]. Returns the credentials and the time from the release to the last
/// completion.
async fn burst(c: &Client) -> (Vec<Credential>, Duration) {
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS + 1));
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let (c, barrier) = (c.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                c.get().await
            })
        })
        .collect();
    barrier.wait().await;
    let start = Instant::now();
    let results = tokio::time::timeout(HANG, async {
        let mut out = Vec::with_capacity(TASKS);
        for h in handles {
            out.push(h.await.expect("caller task panicked"));
        }
        out
    })
    .await
    .expect("a caller of the burst hung");
    let took = start.elapsed();
    let creds = results.into_iter().enumerate().map(|(i, r)| r.unwrap_or_else(|e| panic!("caller {i}: {e}"))).collect();
    (creds, took)
}

/// The one credential every caller got.
fn same(creds: &[Credential]) -> Credential {
    let first = creds[0].clone();
    for (i, c) in creds.iter().enumerate() {
        assert!(c.ptr_eq(&first), "caller {i} got {} while caller 0 got {}", c.access_key_id(), first.access_key_id());
    }
    first
}

/// Polls `f` every 5 ms until it holds; panics after [`HANG`].
async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until `old` is no longer handed out; fails if something else is handed out first.
async fn wait_unusable(c: &Client, old: &Credential) {
    wait_until("the current credential is no longer handed out", || match c.try_get() {
        None => true,
        Some(x) => {
            assert!(
                x.ptr_eq(old),
                "a new credential arrived before the old one became unusable: timing assumption broken"
            );
            false
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_use_burst_sends_one_request() {
    let emu = Emulator::start().unwrap();
    emu.sts().set_latency(STS_LATENCY);
    let c = client(&emu, policy());
    let (creds, took) = burst(&c).await;
    let cred = same(&creds);
    assert_eq!(assume_role_count(&emu), 1, "{TASKS} simultaneous first callers share one request");
    assert!(took >= STS_LATENCY, "the burst took {took:?}, less than the STS latency");
    assert!(c.try_get().unwrap().ptr_eq(&cred));
    assert_eq!(assume_role_count(&emu), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_past_the_mandatory_point_joins_the_refresh_in_flight() {
    // L = 2 s: background refresh from 0.8-1.0 s, taking 2 s (done at 2.8-3.0 s); mandatory
    // point at 1.5 s. The burst comes right after the mandatory point, >= 1.3 s before the
    // refresh can answer.
    let emu = Emulator::start().unwrap();
    emu.sts().set_lifetime_cap(Duration::from_secs(2));
    let c = client(&emu, policy());
    let old = c.get().await.unwrap();
    {
        let mut sts = emu.sts();
        sts.set_lifetime_cap(LONG);
        sts.set_latency(STS_LATENCY);
    }
    wait_until("the background refresh has started", || assume_role_count(&emu) == 2).await;
    wait_unusable(&c, &old).await;
    assert_eq!(assume_role_count(&emu), 2);
    let (creds, _) = burst(&c).await;
    let new = same(&creds);
    assert_ne!(new.access_key_id(), old.access_key_id());
    assert_eq!(assume_role_count(&emu), 2, "the burst waited for the refresh in flight instead of sending another");
    assert!(c.try_get().unwrap().ptr_eq(&new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_past_the_mandatory_point_sends_one_request() {
    // L = 4 s: the background refresh (1.6-2.0 s) fails at once and backs off for half an
    // hour or more; at the mandatory point (3 s) nothing usable is left and nothing is in
    // flight, so the burst itself must cause exactly one request, answered after 2 s.
    let emu = Emulator::start().unwrap();
    emu.sts().set_lifetime_cap(Duration::from_secs(4));
    let mut p = policy();
    p.backoff_base = LONG;
    p.backoff_cap = LONG;
    let c = client(&emu, p);
    let old = c.get().await.unwrap();
    {
        let mut sts = emu.sts();
        sts.set_lifetime_cap(LONG);
        sts.push_fault(Fault::error(403, "NoPermission", "You are not authorized to do this action."));
    }
    wait_until("the background refresh has failed", || assume_role_count(&emu) == 2).await;
    emu.sts().set_latency(STS_LATENCY);
    wait_unusable(&c, &old).await;
    assert_eq!(assume_role_count(&emu), 2, "no retry before the back-off");
    let (creds, took) = burst(&c).await;
    let new = same(&creds);
    assert_ne!(new.access_key_id(), old.access_key_id());
    assert_eq!(assume_role_count(&emu), 3, "{TASKS} callers past the mandatory point share one request");
    assert!(took >= STS_LATENCY, "the burst took {took:?}, less than the STS latency");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_after_invalidate_sends_one_request() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, policy());
    let old = c.get().await.unwrap();
    emu.sts().set_latency(STS_LATENCY);
    c.invalidate(&old);
    wait_unusable(&c, &old).await;
    let (creds, _) = burst(&c).await;
    let new = same(&creds);
    assert_ne!(new.access_key_id(), old.access_key_id());
    assert_eq!(assume_role_count(&emu), 2, "{TASKS} callers after an invalidation share one request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callers_keep_the_current_credential_during_a_background_refresh() {
    // L = 12 s: the refresh starts at 4.8-6.0 s and answers 2 s later (6.8-8.0 s), >= 1 s
    // before the mandatory point (9 s). No caller may wait for it.
    const CALLERS: usize = 8;
    let emu = Emulator::start().unwrap();
    emu.sts().set_lifetime_cap(Duration::from_secs(12));
    let c = client(&emu, policy());
    let old = c.get().await.unwrap();
    {
        let mut sts = emu.sts();
        sts.set_lifetime_cap(LONG);
        sts.set_latency(STS_LATENCY);
    }
    let deadline = Instant::now() + HANG;
    // Each caller: (started, took, got the new credential) per `get`, until it has seen the new
    // credential 20 times.
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (c, old) = (c.clone(), old.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut new_seen = 0;
                while new_seen < 20 {
                    assert!(Instant::now() < deadline, "the refreshed credential never arrived");
                    let started = Instant::now();
                    let cred = c.get().await.unwrap();
                    let took = started.elapsed();
                    let is_new = !cred.ptr_eq(&old);
                    if is_new {
                        assert_ne!(cred.access_key_id(), old.access_key_id());
                        new_seen += 1;
                    }
                    samples.push((started, took, is_new));
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                samples
            })
        })
        .collect();
    wait_until("the background refresh has started", || assume_role_count(&emu) == 2).await;
    let refresh_started = Instant::now();
    let mut all = Vec::new();
    for h in callers {
        all.push(h.await.unwrap());
    }
    for (i, samples) in all.iter().enumerate() {
        let slowest = samples.iter().map(|s| s.1).max().unwrap();
        assert!(slowest < FAST, "caller {i}: a get took {slowest:?} with a usable credential cached");
        let first_new = samples.iter().position(|s| s.2).unwrap();
        assert!(samples[first_new..].iter().all(|s| s.2), "caller {i} got the old credential after the new one");
        let old_during_refresh = samples[..first_new].iter().filter(|s| s.0 >= refresh_started).count();
        assert!(old_during_refresh > 0, "caller {i} made no get while the refresh was in flight");
        let new_at = samples[first_new].0;
        assert!(
            new_at >= refresh_started + STS_LATENCY / 2,
            "caller {i} got the new credential {:?} after the refresh started: the STS was not slow?",
            new_at - refresh_started
        );
    }
    assert_eq!(assume_role_count(&emu), 2, "exactly one background refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_get_right_after_invalidate_fetches_anew() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, policy());
    let mut current = c.get().await.unwrap();
    for round in 1..=20 {
        c.invalidate(&current);
        let next = tokio::time::timeout(HANG, c.get()).await.expect("get hung").unwrap();
        assert!(
            !next.ptr_eq(&current),
            "round {round}: the get right after invalidate returned the rejected credential {}",
            current.access_key_id()
        );
        assert_eq!(assume_role_count(&emu), round + 1);
        current = next;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalidating_a_replaced_credential_does_not_fetch() {
    let emu = Emulator::start().unwrap();
    let c = client(&emu, policy());
    let first = c.get().await.unwrap();
    c.invalidate(&first);
    // The rejected credential is withdrawn at once; the next get fetches a new one.
    assert!(c.try_get().is_none());
    let second = c.get().await.unwrap();
    assert_ne!(second.access_key_id(), first.access_key_id());
    assert_eq!(assume_role_count(&emu), 2);

    c.invalidate(&first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(c.get().await.unwrap().ptr_eq(&second), "a stale rejection must not replace the current credential");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(c.try_get().unwrap().ptr_eq(&second));
    assert_eq!(assume_role_count(&emu), 2, "invalidating an already-replaced credential does not fetch");
}
