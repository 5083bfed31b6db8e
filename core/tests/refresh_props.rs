//! Properties of the refresher under load, on the fake clock: random lifetimes (15 s to 12 h),
//! fetch latencies, failure patterns, invalidations and caller timings (bursts to hours apart).
//!
//! The world is event-driven as a transport's: the driver is woken at every instant the
//! refresher asks for and when a fetch's answer arrives; callers look up at their own times and,
//! when told to wait, demand a refresh, wake the driver and are woken at every publish. A model
//! tracks which credential the refresher must hold (the last accepted fetch, unless rejected) and
//! its mandatory point, computed from what the source issued: `expiry - min(180 s, lifetime/4)`.
//!
//! - (a) a credential is never handed out at or past its mandatory point, nor after a service
//!   rejected it;
//! - (b) never two fetches in flight;
//! - (c) a successful fetch is published to every waiting caller: each sees a newer generation
//!   and gets that credential; no waiting caller is left without a wakeup or waits longer than
//!   the wait budget for one round;
//! - (d) callers never wait while the current credential is before its mandatory point, even
//!   with a (slow) fetch in flight, and they get that credential.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alibabacloud_credentials_core::{
    Credential, Ctx, Effect, EffectId, Input, Lookup, Now, RefreshPoll, Refresher, Source, SourcePoll,
};
use alibabacloud_credentials_testkit::{Answer, FakeClock, ScriptHandle, ScriptedSource, ScriptedWorld, World};
use proptest::prelude::*;

const MANDATORY_MARGIN: Duration = Duration::from_secs(180);
const MIN_REMAINING: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Generated cases.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Kind {
    /// A session credential living this many milliseconds.
    Lives(u64),
    Retryable,
    NonRecoverable,
    /// A credential arriving with this many milliseconds left (under the 10 s minimum).
    Expired(u64),
    Static,
}

#[derive(Clone, Debug)]
struct Spec {
    kind: Kind,
    latency_ms: u64,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Get,
    /// A service rejected the credential currently cached.
    InvalidateCurrent,
    /// A service rejected a credential seen earlier (chosen by this index).
    InvalidateOld(usize),
    /// The source fails every fetch (retryably) that starts in the next this many milliseconds,
    /// so credentials reach their mandatory point and expire.
    Outage(u64),
}

/// When the next action happens.
#[derive(Clone, Copy, Debug)]
enum When {
    /// This many milliseconds after the previous one.
    After(u64),
    /// This many milliseconds from the current credential's mandatory point (at once if that
    /// is past or there is none): callers aimed at the boundary. With `true`, the source is
    /// down until then, so the credential is not replaced in its advisory window first.
    NearMandatory(i64, bool),
    /// This many milliseconds from the driver's next wakeup (an advisory point, a back-off's
    /// end, a fetch's answer arriving).
    NearWakeup(i64),
}

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    /// Answers for successive fetches, each repeated so many times (runs of failures that
    /// outlast an advisory window), cycled.
    answers: Vec<(Spec, usize)>,
    /// Callers' actions and their timing.
    events: Vec<(When, Action)>,
}

/// Knobs that steer the generator towards one property.
#[derive(Clone, Copy)]
struct Mix {
    /// Weights of success / retryable / non-recoverable / expired / static answers.
    kinds: [u32; 5],
    /// Longest fetch latency, ms (kept under the 30 s fetch budget of the scripted source).
    max_latency_ms: u64,
    /// Weights of get / invalidate current / invalidate an old credential / source outage.
    actions: [u32; 4],
    max_events: usize,
    /// Weights of callers aimed near the mandatory point / the next wakeup (against 14 for
    /// plain gaps).
    near: [u32; 2],
}

fn lifetime_ms() -> impl Strategy<Value = u64> {
    prop_oneof![15_000u64..120_000, 120_000u64..3_600_000, 3_600_000u64..=43_200_000]
}

fn spec(mix: Mix) -> impl Strategy<Value = Spec> {
    let [s, r, n, e, st] = mix.kinds;
    let kind = prop_oneof![
        s => lifetime_ms().prop_map(Kind::Lives),
        r => Just(Kind::Retryable),
        n => Just(Kind::NonRecoverable),
        e => (0u64..10_000).prop_map(Kind::Expired),
        st => Just(Kind::Static),
    ];
    let latency = prop_oneof![Just(0u64), 0..=2_000u64, 0..=mix.max_latency_ms];
    (kind, latency).prop_map(|(kind, latency_ms)| Spec { kind, latency_ms })
}

fn when(mix: Mix) -> impl Strategy<Value = When> {
    prop_oneof![
        3 => (0u64..50).prop_map(When::After), // bursts of callers
        3 => (0u64..10_000).prop_map(When::After),
        3 => (0u64..300_000).prop_map(When::After),
        2 => (0u64..3_600_000).prop_map(When::After),
        1 => (0u64..=46_800_000).prop_map(When::After), // up to 13 h: past the longest lifetime
        mix.near[0] => (prop_oneof![-1_500i64..=1_500, -3i64..=3], any::<bool>())
            .prop_map(|(ms, down)| When::NearMandatory(ms, down)),
        mix.near[1] => prop_oneof![-1_500i64..=1_500, -3i64..=3].prop_map(When::NearWakeup),
    ]
}

fn case(mix: Mix) -> impl Strategy<Value = Case> {
    let [g, c, o, out] = mix.actions;
    let action = prop_oneof![
        g => Just(Action::Get),
        c => Just(Action::InvalidateCurrent),
        o => any::<usize>().prop_map(Action::InvalidateOld),
        out => (0u64..=14_400_000).prop_map(Action::Outage),
    ];
    (
        any::<u64>(),
        proptest::collection::vec(
            (spec(mix), prop_oneof![6 => Just(1usize), 2 => 2usize..20, 1 => 20usize..120]),
            1..10,
        ),
        proptest::collection::vec((when(mix), action), 1..mix.max_events),
    )
        .prop_map(|(seed, answers, events)| Case { seed, answers, events })
}

// ---------------------------------------------------------------------------------------------
// The source: a ScriptedSource fed from the cycled answers, reporting overlapping fetches and
// what each fetch issued.
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Completion {
    /// A credential the refresher must accept (at least 10 s left), and its mandatory point.
    Accepted { key: String, mandatory: Option<Instant> },
    /// An error, or a credential too close to expiry.
    Rejected,
}

#[derive(Debug, Default)]
struct ProbeState {
    answers: Vec<(Answer, Duration)>,
    next: usize,
    /// Fetches starting before this fail.
    outage_until: Option<Instant>,
    starts: usize,
    in_flight: bool,
    overlapping: Vec<String>,
    completions: Vec<Completion>,
}

#[derive(Debug)]
struct Probe {
    inner: ScriptedSource,
    script: ScriptHandle,
    state: Arc<Mutex<ProbeState>>,
}

impl Source for Probe {
    fn provider_name(&self) -> &str {
        self.inner.provider_name()
    }

    fn start(&mut self, now: Now) {
        let mut s = self.state.lock().unwrap();
        s.starts += 1;
        if s.in_flight {
            let n = s.starts;
            s.overlapping.push(format!("fetch #{n} started while another was in flight"));
        }
        s.in_flight = true;
        let (answer, latency) = s.answers[s.next % s.answers.len()].clone();
        s.next += 1;
        let answer = match s.outage_until {
            Some(t) if now.mono < t => Answer::retryable(),
            _ => answer,
        };
        self.script.push_after(answer, latency);
        self.inner.start(now);
    }

    fn poll(&mut self, now: Now, ctx: &mut Ctx) -> SourcePoll {
        let p = self.inner.poll(now, ctx);
        if let SourcePoll::Done(result) = &p {
            let mut s = self.state.lock().unwrap();
            s.in_flight = false;
            let completion = match result {
                Ok(f) => match f.expires_at {
                    None => Completion::Accepted { key: f.credential.access_key_id().to_owned(), mandatory: None },
                    Some(e) => {
                        let lifetime = e.saturating_duration_since(now.mono);
                        if lifetime < MIN_REMAINING {
                            Completion::Rejected
                        } else {
                            let mandatory = e - MANDATORY_MARGIN.min(lifetime / 4);
                            Completion::Accepted {
                                key: f.credential.access_key_id().to_owned(),
                                mandatory: Some(mandatory),
                            }
                        }
                    }
                },
                Err(_) => Completion::Rejected,
            };
            s.completions.push(completion);
        }
        p
    }

    fn handle(&mut self, input: Input, now: Now) {
        self.inner.handle(input, now);
    }

    fn cancel(&mut self) {
        self.state.lock().unwrap().in_flight = false;
        self.inner.cancel();
    }

    fn max_fetch_time(&self) -> Duration {
        self.inner.max_fetch_time()
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation and its model.
// ---------------------------------------------------------------------------------------------

/// Violations, by property.
#[derive(Debug, Default)]
struct Violations {
    /// (a) handed out at or past the mandatory point, or after rejection.
    unusable_served: Vec<String>,
    /// (b) overlapping fetches.
    overlap: Vec<String>,
    /// (c) waiting callers not answered by a successful fetch, hung or starved.
    waiters: Vec<String>,
    /// (d) callers made to wait (or failed, or given another credential) while the current
    /// credential is usable.
    advisory: Vec<String>,
    /// The harness itself: busy loops, unknown credentials.
    other: Vec<String>,
}

/// How often the generated cases reach the situations the properties are about (so a change of
/// the generators cannot make them vacuous unnoticed).
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    /// (a) Callers served in the last 2 s before the mandatory point.
    ready_just_before_mandatory: usize,
    /// (a) Callers refused in the first 2 s from the mandatory point.
    refused_just_after_mandatory: usize,
    /// (b) Callers that demanded while a fetch was in flight.
    demands_during_fetch: usize,
    /// (b) Invalidations while a fetch was in flight.
    invalidations_during_fetch: usize,
    /// (c) Waiting callers answered by a successful fetch.
    waiters_answered_by_fetch: usize,
    /// (d) Callers served while a fetch was in flight.
    ready_during_fetch: usize,
    /// Rejections of the current credential, and of older ones.
    rejected_current: usize,
    rejected_old: usize,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.ready_just_before_mandatory += o.ready_just_before_mandatory;
        self.refused_just_after_mandatory += o.refused_just_after_mandatory;
        self.demands_during_fetch += o.demands_during_fetch;
        self.invalidations_during_fetch += o.invalidations_during_fetch;
        self.waiters_answered_by_fetch += o.waiters_answered_by_fetch;
        self.ready_during_fetch += o.ready_during_fetch;
        self.rejected_current += o.rejected_current;
        self.rejected_old += o.rejected_old;
    }
}

struct Current {
    key: String,
    mandatory: Option<Instant>,
    invalidated: bool,
}

struct Waiter {
    generation: u64,
    /// When it last demanded a refresh.
    since: Instant,
}

struct Sim {
    clock: FakeClock,
    start: Instant,
    refresher: Refresher,
    probe: Arc<Mutex<ProbeState>>,
    pending: Vec<(EffectId, Instant)>,
    wakeup: Option<Instant>,
    /// Mandatory point of every accepted credential, by access key id.
    issued: HashMap<String, Option<Instant>>,
    current: Option<Current>,
    seen: Vec<Credential>,
    waiters: Vec<Waiter>,
    v: Violations,
    stats: Stats,
}

fn answer(spec: &Spec) -> (Answer, Duration) {
    let a = match spec.kind {
        Kind::Lives(ms) => Answer::Lives(Duration::from_millis(ms)),
        Kind::Retryable => Answer::retryable(),
        Kind::NonRecoverable => Answer::non_recoverable(),
        Kind::Expired(ms) => Answer::Lives(Duration::from_millis(ms)),
        Kind::Static => Answer::Static,
    };
    (a, Duration::from_millis(spec.latency_ms))
}

impl Sim {
    fn new(case: &Case) -> Sim {
        let (inner, script) = ScriptedSource::new();
        let answers = case.answers.iter().flat_map(|(a, n)| std::iter::repeat_n(answer(a), *n)).collect();
        let state = ProbeState { answers, ..Default::default() };
        let probe = Arc::new(Mutex::new(state));
        let source = Probe { inner, script, state: probe.clone() };
        let clock = FakeClock::new();
        Sim {
            start: clock.now().mono,
            clock,
            refresher: Refresher::new(Box::new(source), case.seed),
            probe,
            pending: Vec::new(),
            wakeup: None,
            issued: HashMap::new(),
            current: None,
            seen: Vec::new(),
            waiters: Vec::new(),
            v: Violations::default(),
            stats: Stats::default(),
        }
    }

    fn now(&self) -> Instant {
        self.clock.now().mono
    }

    fn at(&self) -> String {
        format!("t={:.3}s", (self.now() - self.start).as_secs_f64())
    }

    fn next_wakeup(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.1).chain(self.wakeup).min()
    }

    /// Runs the driver at the current instant until the refresher waits.
    fn run_driver(&mut self) {
        for _ in 0..1_000 {
            let now = self.clock.now();
            let mut i = 0;
            while i < self.pending.len() {
                if self.pending[i].1 <= now.mono {
                    let (id, _) = self.pending.swap_remove(i);
                    self.refresher.handle_input(Input::Http { id, result: Ok(http::Response::new(Vec::new())) }, now);
                } else {
                    i += 1;
                }
            }
            match self.refresher.poll(now) {
                RefreshPoll::Effect(Effect::Http(req)) => {
                    let (_, latency) = ScriptedWorld.serve(&req, now);
                    self.pending.push((req.id, now.mono + latency));
                }
                RefreshPoll::Effect(other) => self.v.other.push(format!("unexpected effect {other:?}")),
                RefreshPoll::Published => {
                    if let Some(c) = self.refresher.cache().snapshot().credential.clone() {
                        if !self.seen.iter().any(|s| s.ptr_eq(&c)) {
                            self.seen.push(c);
                        }
                    }
                }
                RefreshPoll::Wait(t) => {
                    self.wakeup = t;
                    return;
                }
            }
        }
        let at = self.at();
        self.v.other.push(format!("{at}: the refresher did not settle in 1 000 polls"));
    }

    /// Applies what the fetches that ended issued; true if the last one was accepted.
    fn apply_completions(&mut self) -> bool {
        let completions = std::mem::take(&mut self.probe.lock().unwrap().completions);
        let mut accepted = false;
        for c in completions {
            accepted = match c {
                Completion::Accepted { key, mandatory } => {
                    self.issued.insert(key.clone(), mandatory);
                    self.current = Some(Current { key, mandatory, invalidated: false });
                    true
                }
                Completion::Rejected => false,
            };
        }
        accepted
    }

    /// The driver runs; every waiting caller that sees a new generation looks up again (and
    /// demands again if it still has to wait), as a transport's `get` woken by a publish.
    fn pump(&mut self) {
        for _ in 0..100 {
            self.run_driver();
            let accepted = self.apply_completions();
            if !self.serve_waiters(accepted) {
                if !self.waiters.is_empty() && self.next_wakeup().is_none() {
                    let at = self.at();
                    self.v.waiters.push(format!("{at}: callers wait but the driver will never wake"));
                    self.waiters.clear();
                }
                return;
            }
        }
        let at = self.at();
        self.v.other.push(format!("{at}: waiting callers and the driver never settle"));
    }

    /// Returns true if a caller demanded again (the driver must run again).
    fn serve_waiters(&mut self, fetched: bool) -> bool {
        let generation = self.refresher.cache().generation();
        let mut again = false;
        let mut still = Vec::new();
        for w in std::mem::take(&mut self.waiters) {
            if generation <= w.generation {
                still.push(w);
                continue;
            }
            let at = self.at();
            match self.refresher.cache().lookup(|| self.clock.now().mono) {
                Lookup::Ready(c) => {
                    self.check_ready(&c, "a waiting caller");
                    self.stats.waiters_answered_by_fetch += usize::from(fetched);
                    if fetched && self.current.as_ref().is_some_and(|cur| cur.key != c.access_key_id()) {
                        self.v
                            .waiters
                            .push(format!("{at}: a waiting caller got another credential than the one fetched"));
                    }
                }
                Lookup::Failed(e) => {
                    if fetched {
                        self.v.waiters.push(format!("{at}: a fetch succeeded, yet a waiting caller got {e}"));
                    }
                }
                Lookup::Wait { generation } => {
                    if fetched {
                        self.v.waiters.push(format!("{at}: a fetch succeeded, yet a waiting caller must wait on"));
                    }
                    self.refresher.cache().request_refresh();
                    again = true;
                    still.push(Waiter { generation, since: self.now() });
                }
            }
        }
        self.waiters = still;
        again
    }

    /// (a): the credential handed out is before its mandatory point and was not rejected.
    fn check_ready(&mut self, c: &Credential, who: &str) {
        let now = self.now();
        let at = self.at();
        match self.issued.get(c.access_key_id()) {
            None => self.v.other.push(format!("{at}: {who} got a credential the source never issued")),
            Some(Some(m)) if now >= *m => self.v.unusable_served.push(format!(
                "{at}: {who} got {} {:?} past its mandatory point",
                c.access_key_id(),
                now - *m
            )),
            Some(Some(m)) => {
                self.stats.ready_just_before_mandatory += usize::from(*m - now <= Duration::from_secs(2));
            }
            Some(None) => {}
        }
        if let Some(cur) = &self.current {
            if cur.invalidated && cur.key == c.access_key_id() {
                self.v.unusable_served.push(format!("{at}: {who} got {} after it was rejected", cur.key));
            }
        }
    }

    /// The credential the refresher must be serving now, if any.
    fn usable_key(&self) -> Option<String> {
        let now = self.now();
        self.current.as_ref().filter(|c| !c.invalidated && c.mandatory.is_none_or(|m| now < m)).map(|c| c.key.clone())
    }

    fn starved(&mut self) {
        let budget = self.refresher.cache().max_wait();
        let now = self.now();
        if self.waiters.iter().any(|w| now - w.since > budget) {
            let at = self.at();
            self.v.waiters.push(format!("{at}: a caller waited more than {budget:?} for one fetch"));
            self.waiters.retain(|w| now - w.since <= budget);
        }
    }

    /// Lets time pass to `target`, waking the driver at every instant it asks for.
    fn advance_to(&mut self, target: Instant) -> bool {
        let mut stuck = 0;
        loop {
            match self.next_wakeup() {
                Some(t) if t <= target => {
                    if t <= self.now() {
                        stuck += 1;
                        if stuck > 100 {
                            let at = self.at();
                            self.v.other.push(format!("{at}: the refresher asks to be woken now, again and again"));
                            return false;
                        }
                    } else {
                        stuck = 0;
                    }
                    self.clock.advance_to(t);
                    self.pump();
                    self.starved();
                }
                _ => break,
            }
        }
        self.clock.advance_to(target);
        self.pump();
        self.starved();
        true
    }

    fn act(&mut self, action: Action) {
        let at = self.at();
        match action {
            Action::Get => {
                let usable = self.usable_key();
                let fetching = self.refresher.is_fetching();
                let now = self.now();
                let lookup = self.refresher.cache().lookup(|| now);
                if let Some(Current { mandatory: Some(m), invalidated: false, .. }) = &self.current {
                    let just_after = now >= *m && now - *m <= Duration::from_secs(2);
                    self.stats.refused_just_after_mandatory +=
                        usize::from(just_after && !matches!(lookup, Lookup::Ready(_)));
                }
                match lookup {
                    Lookup::Ready(c) => {
                        self.stats.ready_during_fetch += usize::from(fetching);
                        self.check_ready(&c, "a caller");
                        if let Some(k) = usable.filter(|k| k != c.access_key_id()) {
                            let got = c.access_key_id();
                            self.v.advisory.push(format!("{at}: a caller got {got} while {k} is current"));
                        }
                    }
                    Lookup::Failed(e) => {
                        if let Some(k) = usable {
                            self.v.advisory.push(format!("{at}: a caller got `{e}` while {k} is usable"));
                        }
                    }
                    Lookup::Wait { generation } => {
                        self.stats.demands_during_fetch += usize::from(fetching);
                        if let Some(k) = usable {
                            self.v.advisory.push(format!(
                                "{at}: a caller must wait while {k} is usable (fetch in flight: {fetching})"
                            ));
                        }
                        self.refresher.cache().request_refresh();
                        self.waiters.push(Waiter { generation, since: self.now() });
                    }
                }
            }
            Action::Outage(ms) => {
                self.probe.lock().unwrap().outage_until = Some(self.now() + Duration::from_millis(ms));
            }
            Action::InvalidateCurrent | Action::InvalidateOld(_) => {
                let rejected = match action {
                    Action::InvalidateOld(i) if !self.seen.is_empty() => Some(self.seen[i % self.seen.len()].clone()),
                    Action::InvalidateOld(_) => None,
                    _ => self.refresher.cache().snapshot().credential.clone(),
                };
                let Some(rejected) = rejected else { return };
                self.stats.invalidations_during_fetch += usize::from(self.refresher.is_fetching());
                match self.current.as_mut().filter(|c| c.key == rejected.access_key_id()) {
                    Some(cur) => {
                        cur.invalidated = true;
                        self.stats.rejected_current += 1;
                    }
                    None => self.stats.rejected_old += 1,
                }
                self.refresher.cache().request_invalidate(&rejected);
            }
        }
        self.pump();
    }
}

fn simulate(case: &Case) -> Violations {
    simulate_with_stats(case).0
}

fn simulate_with_stats(case: &Case) -> (Violations, Stats) {
    let mut sim = Sim::new(case);
    sim.pump();
    for &(when, action) in &case.events {
        let now = sim.now();
        let near = |t: Option<Instant>, ms: i64| match t {
            Some(t) if ms >= 0 => t + Duration::from_millis(ms as u64),
            Some(t) => t.checked_sub(Duration::from_millis(ms.unsigned_abs())).unwrap_or(now),
            None => now,
        };
        let target = match when {
            When::After(ms) => now + Duration::from_millis(ms),
            When::NearMandatory(ms, down) => {
                let target = near(sim.current.as_ref().and_then(|c| c.mandatory), ms);
                if down {
                    let mut probe = sim.probe.lock().unwrap();
                    probe.outage_until = probe.outage_until.max(Some(target));
                }
                target
            }
            When::NearWakeup(ms) => near(sim.next_wakeup(), ms),
        }
        .max(now);
        if !sim.advance_to(target) {
            break;
        }
        sim.act(action);
    }
    // Let every waiting caller be answered.
    let end = sim.now() + Duration::from_secs(60);
    sim.advance_to(end);
    let mut v = std::mem::take(&mut sim.v);
    v.overlap = std::mem::take(&mut sim.probe.lock().unwrap().overlapping);
    (v, sim.stats)
}

fn first(list: &[String]) -> String {
    match list {
        [] => String::new(),
        [one] => one.clone(),
        [one, rest @ ..] => format!("{one} (and {} more)", rest.len()),
    }
}

/// (a): long runs of failures let credentials reach their mandatory point; callers aim at it.
const MANDATORY: Mix =
    Mix { kinds: [4, 4, 1, 1, 1], max_latency_ms: 25_000, actions: [12, 1, 1, 3], max_events: 60, near: [6, 2] };
/// (b): slow fetches, callers and invalidations aimed at the instants fetches start and end.
const SINGLE_FLIGHT: Mix =
    Mix { kinds: [5, 3, 1, 1, 0], max_latency_ms: 25_000, actions: [6, 2, 2, 1], max_events: 60, near: [2, 4] };
/// (c): callers that must wait (nothing cached, rejections, outages) while fetches are slow.
const WAITERS: Mix =
    Mix { kinds: [6, 2, 1, 1, 1], max_latency_ms: 25_000, actions: [10, 2, 1, 2], max_events: 60, near: [3, 4] };
/// (d): mostly successful, often slow refreshes; many callers through the advisory windows.
const ADVISORY: Mix =
    Mix { kinds: [8, 3, 1, 1, 0], max_latency_ms: 25_000, actions: [20, 1, 1, 2], max_events: 80, near: [4, 4] };

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// (a) Whatever the source answers and whenever callers come, no credential is handed out
    /// at or past `expiry - min(180 s, lifetime/4)`, nor after it was rejected.
    #[test]
    fn never_handed_out_past_the_mandatory_point(case in case(MANDATORY)) {
        let v = simulate(&case);
        prop_assert!(v.unusable_served.is_empty(), "{}", first(&v.unusable_served));
        prop_assert!(v.other.is_empty(), "{}", first(&v.other));
    }

    /// (b) At most one fetch is ever in flight: slow fetches, bursts of callers and
    /// invalidations while a fetch runs never start a second one.
    #[test]
    fn never_two_fetches_in_flight(case in case(SINGLE_FLIGHT)) {
        let v = simulate(&case);
        prop_assert!(v.overlap.is_empty(), "{}", first(&v.overlap));
        prop_assert!(v.other.is_empty(), "{}", first(&v.other));
    }

    /// (c) Every caller that had to wait sees a newer generation and, when the fetch succeeded,
    /// gets its credential; nobody waits for ever or longer than the wait budget per round.
    #[test]
    fn a_successful_fetch_reaches_every_waiting_caller(case in case(WAITERS)) {
        let v = simulate(&case);
        prop_assert!(v.waiters.is_empty(), "{}", first(&v.waiters));
        prop_assert!(v.other.is_empty(), "{}", first(&v.other));
    }

    /// (d) While the current credential is before its mandatory point every caller gets it at
    /// once, even while a (slow) background refresh is in flight or failing.
    #[test]
    fn callers_never_wait_while_the_credential_is_usable(case in case(ADVISORY)) {
        let v = simulate(&case);
        prop_assert!(v.advisory.is_empty(), "{}", first(&v.advisory));
        prop_assert!(v.other.is_empty(), "{}", first(&v.other));
    }
}

/// The generators reach what the properties are about: callers on both sides of mandatory
/// points, demands and rejections during fetches, waiters answered by fetches.
#[test]
fn generated_cases_reach_the_interesting_situations() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut total = Stats::default();
    let mut runner = TestRunner::deterministic();
    for mix in [MANDATORY, SINGLE_FLIGHT, WAITERS, ADVISORY] {
        for _ in 0..24 {
            let case = case(mix).new_tree(&mut runner).expect("a case").current();
            total += simulate_with_stats(&case).1;
        }
    }
    let s = total;
    for (what, n) in [
        ("callers served just before a mandatory point", s.ready_just_before_mandatory),
        ("callers refused just after a mandatory point", s.refused_just_after_mandatory),
        ("demands during a fetch", s.demands_during_fetch),
        ("invalidations during a fetch", s.invalidations_during_fetch),
        ("waiters answered by a fetch", s.waiters_answered_by_fetch),
        ("callers served during a fetch", s.ready_during_fetch),
        ("rejections of the current credential", s.rejected_current),
        ("rejections of an older credential", s.rejected_old),
    ] {
        assert!(n >= 10, "only {n} {what} in 96 generated cases: {s:?}");
    }
}
