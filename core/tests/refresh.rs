//! The refresher's policy on the fake clock: lazy first fetch, cache hits, the advisory window
//! (background prefetch), the mandatory point, short lifetimes, failures and back-off.

use std::time::{Duration, Instant};

use alibabacloud_credentials_core::{Cache, Credential, Error, Lookup, RefreshPoll, Refresher};
use alibabacloud_credentials_testkit::{drive, Answer, FakeClock, ScriptHandle, ScriptedSource, ScriptedWorld};

const MIN: u64 = 60;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

struct Rig {
    clock: FakeClock,
    refresher: Refresher,
    script: ScriptHandle,
}

impl Rig {
    fn new(seed: u64) -> Rig {
        let (source, script) = ScriptedSource::new();
        Rig { clock: FakeClock::new(), refresher: Refresher::new(Box::new(source), seed), script }
    }

    fn cache(&self) -> &Cache {
        self.refresher.cache()
    }

    fn now(&self) -> Instant {
        self.clock.now().mono
    }

    /// Lets the driver run whatever is due now (a background refresh at the advisory point).
    fn settle(&mut self) {
        drive(&mut self.refresher, &self.clock, &mut ScriptedWorld);
    }

    /// What a transport's `get` does: look up; if nothing is usable, demand and drive.
    fn get(&mut self) -> Result<Credential, Error> {
        for _ in 0..3 {
            match self.cache().lookup(|| self.clock.now().mono) {
                Lookup::Ready(c) => return Ok(c),
                Lookup::Failed(e) => return Err(e),
                Lookup::Wait { .. } => {
                    self.cache().request_refresh();
                    self.settle();
                }
            }
        }
        panic!("no answer after three demands");
    }

    fn advance(&mut self, d: Duration) {
        self.clock.advance(d);
        self.settle();
    }

    /// Runs the driver for `d` as a transport would: waking at every instant it asks for.
    fn run_for(&mut self, d: Duration) {
        let target = self.now() + d;
        while let Some(t) = self.wakeup() {
            if t > target {
                break;
            }
            self.clock.advance_to(t);
            self.settle();
        }
        self.clock.advance_to(target);
        self.settle();
    }

    /// The next instant the refresher wants to be woken at.
    fn wakeup(&mut self) -> Option<Instant> {
        match self.refresher.poll(self.clock.now()) {
            RefreshPoll::Wait(t) => t,
            other => panic!("expected a wait, got {other:?}"),
        }
    }
}

#[test]
fn first_fetch_is_lazy_and_cached_gets_never_contact_the_source() {
    let mut rig = Rig::new(1);
    rig.script.push(Answer::Lives(secs(3600)));
    rig.settle();
    assert_eq!(rig.script.fetches(), 0, "no fetch before the first get");
    let first = rig.get().unwrap();
    for _ in 0..1000 {
        assert!(rig.get().unwrap().ptr_eq(&first));
    }
    rig.advance(secs(30 * MIN));
    assert!(rig.get().unwrap().ptr_eq(&first));
    assert_eq!(rig.script.fetches(), 1);
}

#[test]
fn advisory_window_refreshes_in_the_background_for_each_lifetime_tier() {
    // (lifetime, advisory lead before expiry: tier, up to +20 % jitter)
    for (lifetime, lead) in [(15 * MIN, 5 * MIN), (60 * MIN, 15 * MIN), (12 * 60 * MIN, 60 * MIN)] {
        for seed in 0..20 {
            let mut rig = Rig::new(seed);
            rig.script.push(Answer::Lives(secs(lifetime)));
            rig.script.push(Answer::Lives(secs(lifetime)));
            let start = rig.now();
            let first = rig.get().unwrap();
            let wake = rig.wakeup().expect("a session credential schedules its refresh");
            let at = wake - start;
            let earliest = secs(lifetime) - secs(lead) - secs(lead) / 5;
            assert!(at >= earliest && at <= secs(lifetime - lead), "lifetime {lifetime}: advisory at {at:?}");
            // Just before the advisory point nothing happens; at it the refresh runs by itself.
            rig.advance(at - secs(1));
            assert_eq!(rig.script.fetches(), 1);
            assert!(rig.get().unwrap().ptr_eq(&first));
            rig.advance(secs(1));
            assert_eq!(rig.script.fetches(), 2, "lifetime {lifetime}: background refresh at the advisory point");
            assert!(!rig.get().unwrap().ptr_eq(&first));
        }
    }
}

#[test]
fn callers_in_the_advisory_window_never_wait_for_the_refresh_in_flight() {
    let mut rig = Rig::new(3);
    rig.script.push(Answer::Lives(secs(3600)));
    rig.script.push_after(Answer::Lives(secs(3600)), secs(6));
    let first = rig.get().unwrap();
    let wake = rig.wakeup().unwrap();
    rig.clock.advance_to(wake);
    // The refresher starts the fetch and emits its request; the answer takes 6 s.
    let request = match rig.refresher.poll(rig.clock.now()) {
        RefreshPoll::Effect(e) => e,
        other => panic!("{other:?}"),
    };
    assert!(rig.refresher.is_fetching());
    for _ in 0..5 {
        rig.clock.advance(secs(1));
        match rig.cache().lookup(|| rig.clock.now().mono) {
            Lookup::Ready(c) => assert!(c.ptr_eq(&first)),
            other => panic!("a caller had to wait during a background refresh: {other:?}"),
        }
    }
    drop(request); // the scripted answer arrives 6 s after the request, i.e. now
    rig.clock.advance(secs(1));
    rig.settle();
    assert_eq!(rig.script.fetches(), 2);
    assert!(!rig.get().unwrap().ptr_eq(&first));
}

#[test]
fn mandatory_point_stops_handing_out_the_credential() {
    let mut rig = Rig::new(4);
    rig.script.push(Answer::Lives(secs(3600)));
    let first = rig.get().unwrap();
    // Every background refresh fails; the credential is served up to 180 s before expiry.
    for _ in 0..200 {
        rig.script.push(Answer::retryable());
    }
    rig.run_for(secs(3600 - 181));
    assert!(rig.script.fetches() > 5, "background refreshes kept being tried");
    assert!(rig.get().unwrap().ptr_eq(&first), "still served before the mandatory point");
    rig.clock.advance(secs(1));
    match rig.cache().lookup(|| rig.clock.now().mono) {
        Lookup::Wait { .. } => {}
        Lookup::Failed(_) => {}
        Lookup::Ready(_) => panic!("handed out past its mandatory point"),
    }
    // With the source still failing, the caller gets the error, not the old credential.
    let err = rig.get().unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn short_lifetimes_are_served_for_most_of_their_life_and_never_loop() {
    let mut rig = Rig::new(5);
    for _ in 0..1000 {
        rig.script.push(Answer::Lives(secs(60)));
    }
    let start = rig.now();
    let first = rig.get().unwrap();
    // Served without a refresh for at least 24 s (advisory at half-life minus up to 20 %).
    rig.advance(secs(23));
    assert!(rig.get().unwrap().ptr_eq(&first));
    assert_eq!(rig.script.fetches(), 1);
    // Ten minutes of steady use: one refresh per 24-30 s, never a loop.
    for _ in 0..600 {
        rig.advance(secs(1));
        rig.get().unwrap();
    }
    let fetches = rig.script.fetches();
    let elapsed = rig.now() - start;
    assert!((20..=27).contains(&fetches), "{fetches} fetches in {elapsed:?}");
}

#[test]
fn a_900_second_credential_gets_a_five_minute_window_and_the_full_mandatory_margin() {
    let mut rig = Rig::new(6);
    rig.script.push(Answer::Lives(secs(900)));
    for _ in 0..100 {
        rig.script.push(Answer::retryable());
    }
    let first = rig.get().unwrap();
    rig.run_for(secs(900 - 181));
    assert!(rig.script.fetches() > 3);
    assert!(rig.get().unwrap().ptr_eq(&first));
    rig.clock.advance(secs(1));
    assert!(rig.get().is_err());
}

#[test]
fn a_failed_refresh_keeps_serving_and_backs_off_with_growing_jittered_delays() {
    let mut rig = Rig::new(7);
    rig.script.push(Answer::Lives(secs(3600)));
    for _ in 0..100 {
        rig.script.push(Answer::retryable());
    }
    let first = rig.get().unwrap();
    let wake = rig.wakeup().unwrap();
    rig.clock.advance_to(wake);
    rig.settle();
    let mut previous = rig.now();
    let mut gaps = Vec::new();
    for _ in 0..8 {
        let next = rig.wakeup().unwrap();
        gaps.push(next - previous);
        rig.clock.advance_to(next);
        rig.settle();
        previous = next;
        assert!(rig.get().unwrap().ptr_eq(&first));
    }
    // 1 s doubling to the 60 s cap, each scaled by a factor in [0.5, 1].
    let caps = [1, 2, 4, 8, 16, 32, 60, 60];
    for (gap, cap) in gaps.iter().zip(caps) {
        assert!(*gap >= secs(cap) / 2 && *gap <= secs(cap), "gaps {gaps:?}");
    }
}

#[test]
fn a_success_after_failures_resets_the_back_off() {
    let mut rig = Rig::new(17);
    rig.script.push(Answer::Lives(secs(3600)));
    rig.script.push(Answer::retryable());
    rig.script.push(Answer::retryable());
    rig.script.push(Answer::Lives(secs(3600)));
    let first = rig.get().unwrap();
    let wake = rig.wakeup().unwrap();
    rig.run_for(wake - rig.now() + secs(10));
    assert_eq!(rig.script.fetches(), 4);
    let second = rig.get().unwrap();
    assert!(!second.ptr_eq(&first));
    let next = rig.wakeup().unwrap();
    assert!(next - rig.now() > secs(40 * MIN), "the new credential's advisory point, not a back-off");
}

#[test]
fn with_nothing_usable_errors_are_held_briefly_so_hot_loops_cannot_hammer_the_source() {
    let mut rig = Rig::new(8);
    rig.script.push(Answer::non_recoverable());
    rig.script.push(Answer::Lives(secs(3600)));
    let err = rig.get().unwrap_err();
    assert!(!err.is_retryable());
    for _ in 0..1000 {
        assert!(rig.get().is_err());
    }
    assert_eq!(rig.script.fetches(), 1, "the error is held: no new fetch");
    rig.advance(secs(5));
    rig.get().unwrap();
    assert_eq!(rig.script.fetches(), 2, "after the hold (1-5 s) the next get fetches");
}

#[test]
fn an_already_expired_credential_counts_as_a_failed_refresh() {
    let mut rig = Rig::new(9);
    rig.script.push(Answer::Lives(secs(5)));
    rig.script.push(Answer::Lives(secs(3600)));
    let err = rig.get().unwrap_err();
    assert!(matches!(err, Error::ExpiredCredential { .. }), "{err:?}");
    rig.advance(secs(5));
    rig.get().unwrap();
}

#[test]
fn static_credentials_are_never_refreshed_and_cost_no_clock_read() {
    let mut rig = Rig::new(10);
    rig.script.push(Answer::Static);
    let first = rig.get().unwrap();
    rig.advance(secs(400 * 24 * 3600));
    assert_eq!(rig.wakeup(), None);
    match rig.cache().lookup(|| panic!("static credentials need no clock")) {
        Lookup::Ready(c) => assert!(c.ptr_eq(&first)),
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.script.fetches(), 1);
}

#[test]
fn invalidation_refetches_unless_already_replaced() {
    let mut rig = Rig::new(11);
    rig.script.push(Answer::Lives(secs(3600)));
    rig.script.push(Answer::Lives(secs(3600)));
    let first = rig.get().unwrap();
    rig.cache().request_invalidate(&first);
    // Withdrawn at once, before the driver has run: the next lookup must not return it.
    assert!(matches!(rig.cache().lookup(|| rig.clock.now().mono), Lookup::Wait { .. }));
    rig.settle();
    let second = rig.get().unwrap();
    assert!(!second.ptr_eq(&first));
    assert_eq!(rig.script.fetches(), 2);
    // A late rejection of the old credential does not discard the new one.
    rig.cache().request_invalidate(&first);
    rig.settle();
    assert!(rig.get().unwrap().ptr_eq(&second));
    assert_eq!(rig.script.fetches(), 2);
}

#[test]
fn one_fetch_answers_every_waiting_caller() {
    let mut rig = Rig::new(12);
    rig.script.push_after(Answer::Lives(secs(3600)), secs(2));
    for _ in 0..100 {
        assert!(matches!(rig.cache().lookup(|| rig.clock.now().mono), Lookup::Wait { generation: 0 }));
        rig.cache().request_refresh();
    }
    rig.settle();
    assert_eq!(rig.script.fetches(), 1);
    let a = rig.get().unwrap();
    let b = rig.get().unwrap();
    assert!(a.ptr_eq(&b));
}
