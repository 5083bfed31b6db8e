//! The cached `get` of the blocking client, on one thread and on every core, next to a
//! `RwLock<Arc<Credential>>` read + clone baseline and the cost of the clock read alone.
//!
//! `cargo bench -p alibabacloud-credentials-blocking --bench get`
//!
//! Multi-thread rows report the time of one call as seen by each thread while all threads call
//! at once (the mean over threads of each thread's elapsed time divided by its calls). The
//! thread counts are 1 and the number of cores; `ALICRED_BENCH_THREADS=1,2,4,8` overrides them.

use std::hint::black_box;
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant};

use alibabacloud_credentials_blocking::{Client, Credential};
use alibabacloud_credentials_testkit::{Answer, ScriptedSource};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A client whose one fetch answers `answer`, warmed so that every later `get` is a cache hit.
fn warm_client(answer: Answer) -> Client {
    let (source, script) = ScriptedSource::new();
    script.push(answer);
    let client = Client::builder().seed(7).build_source(Box::new(source), "ram_role_arn").expect("client");
    let first = client.get().expect("the first get fetches");
    let again = client.get().expect("the second get is cached");
    assert!(first.ptr_eq(&again), "the second get must come from the cache");
    assert_eq!(script.fetches(), 1, "one fetch only");
    client
}

/// 1 and the number of cores, or the counts in `ALICRED_BENCH_THREADS` (comma-separated).
fn thread_counts() -> Vec<usize> {
    if let Ok(list) = std::env::var("ALICRED_BENCH_THREADS") {
        let counts: Vec<usize> = list.split(',').filter_map(|s| s.trim().parse().ok()).filter(|&n| n > 0).collect();
        if !counts.is_empty() {
            return counts;
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 {
        vec![1, cores]
    } else {
        vec![1]
    }
}

/// Runs `iters` calls of `f` on each of `threads` threads at once and returns the mean over
/// threads of each thread's elapsed time (so `elapsed / iters` is the per-call time under that
/// much concurrency). Thread start-up is outside the measured span.
fn per_thread_time<F: Fn() + Sync>(threads: usize, iters: u64, f: &F) -> Duration {
    if threads == 1 {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        return start.elapsed();
    }
    let barrier = Barrier::new(threads);
    let total: Duration = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        f();
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("bench thread")).sum()
    });
    total / threads as u32
}

fn bench_threads<F: Fn() + Sync>(c: &mut Criterion, group: &str, f: F) {
    let mut g = c.benchmark_group(group);
    for threads in thread_counts() {
        g.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, &threads| {
            b.iter_custom(|iters| per_thread_time(threads, iters, &f))
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    // A session credential living 12 h: every `get` loads the snapshot, reads the clock and
    // compares it with the deadline.
    let session = warm_client(Answer::Lives(Duration::from_secs(12 * 3600)));
    bench_threads(c, "blocking/get", || {
        black_box(session.get().expect("cached"));
    });
    bench_threads(c, "blocking/try_get", || {
        black_box(session.try_get().expect("cached"));
    });
    // Borrowing in place: no reference-count update, so nothing shared is written.
    bench_threads(c, "blocking/with_credential", || {
        black_box(session.with_credential(|c| black_box(c.access_key_id().len())).expect("cached"));
    });

    // A credential that never expires: the lookup skips the clock.
    let fixed = warm_client(Answer::Static);
    bench_threads(c, "blocking/get_static_no_clock", || {
        black_box(fixed.get().expect("cached"));
    });

    // Baseline: what a plain lock-protected cache costs.
    let credential: Credential = session.get().expect("cached");
    let lock = RwLock::new(Arc::new(credential));
    bench_threads(c, "blocking/baseline_rwlock_read_clone", || {
        black_box(lock.read().expect("not poisoned").clone());
    });

    // The parts on their own: the clock read, a coarse clock read (what a tick-precision
    // deadline check would cost), and the clone + drop of the credential's `Arc` (the floor
    // for handing out an owned credential).
    bench_threads(c, "blocking/ref_std_instant_now", || {
        black_box(Instant::now());
    });
    #[cfg(target_os = "linux")]
    bench_threads(c, "blocking/ref_clock_monotonic_coarse", || {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec.
        black_box(unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) });
        black_box(ts);
    });
    let shared = session.get().expect("cached");
    bench_threads(c, "blocking/ref_credential_clone_drop", || {
        black_box(shared.clone());
    });
}

criterion_group! {
    name = get;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(get);
