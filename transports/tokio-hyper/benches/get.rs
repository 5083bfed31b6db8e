//! The cached `get` of the tokio client inside a runtime, on one task and on one task per
//! worker thread, next to a `RwLock<Arc<Credential>>` read + clone baseline and the cost of
//! the clock reads alone.
//!
//! `cargo bench -p alibabacloud-credentials-tokio --bench get`
//!
//! One task: `get().await` in a loop inside `block_on` of a current-thread runtime. N tasks: a
//! multi-thread runtime with N workers runs N tasks that first meet at a (blocking) barrier, so
//! each holds its own worker, and then call at once; the row is the mean over tasks of each
//! task's elapsed time divided by its calls. N is the number of cores unless
//! `ALICRED_BENCH_THREADS=1,2,4,8` says otherwise.

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant};

use alibabacloud_credentials_testkit::{Answer, ScriptedSource};
use alibabacloud_credentials_tokio::{Client, Credential};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tokio::runtime::Runtime;

/// A client whose one fetch answers `answer`, warmed on `rt` (where its driver task then
/// lives) so that every later `get` is a cache hit.
fn warm_client(rt: &Runtime, answer: Answer) -> Client {
    let (source, script) = ScriptedSource::new();
    script.push(answer);
    let client = Client::builder().seed(7).build_source(Box::new(source), "ram_role_arn").expect("client");
    rt.block_on(async {
        let first = client.get().await.expect("the first get fetches");
        let again = client.get().await.expect("the second get is cached");
        assert!(first.ptr_eq(&again), "the second get must come from the cache");
    });
    assert_eq!(script.fetches(), 1, "one fetch only");
    client
}

/// The number of cores, or the counts above 1 in `ALICRED_BENCH_THREADS` (comma-separated).
fn worker_counts() -> Vec<usize> {
    if let Ok(list) = std::env::var("ALICRED_BENCH_THREADS") {
        return list.split(',').filter_map(|s| s.trim().parse().ok()).filter(|&n| n > 1).collect();
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 {
        vec![cores]
    } else {
        Vec::new()
    }
}

fn multi_thread(workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().expect("runtime")
}

/// One call of the benched operation, as a future (most complete at the first poll).
trait Op: Clone + Send + Sync + 'static {
    fn call(&self) -> impl Future<Output = ()> + Send;
}

/// Times `iters` calls of `op` on one task of `rt` (inside `block_on`).
fn one_task<O: Op>(rt: &Runtime, op: &O, iters: u64) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            op.call().await;
        }
        start.elapsed()
    })
}

/// Times `iters` calls of `op` on each of `tasks` tasks of `rt` at once; the mean over tasks.
fn many_tasks<O: Op>(rt: &Runtime, tasks: usize, op: &O, iters: u64) -> Duration {
    rt.block_on(async {
        let barrier = Arc::new(Barrier::new(tasks));
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (op, barrier) = (op.clone(), barrier.clone());
                tokio::spawn(async move {
                    // Blocks the worker on purpose: every task must hold its own worker.
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op.call().await;
                    }
                    start.elapsed()
                })
            })
            .collect();
        let mut total = Duration::ZERO;
        for h in handles {
            total += h.await.expect("bench task");
        }
        total / tasks as u32
    })
}

fn bench_op<O: Op>(c: &mut Criterion, group: &str, current: &Runtime, multi: &[(usize, Runtime)], op: O) {
    let mut g = c.benchmark_group(group);
    g.bench_function(BenchmarkId::new("tasks", 1), |b| b.iter_custom(|iters| one_task(current, &op, iters)));
    for (workers, rt) in multi {
        g.bench_with_input(BenchmarkId::new("tasks", workers), workers, |b, &workers| {
            b.iter_custom(|iters| many_tasks(rt, workers, &op, iters))
        });
    }
    g.finish();
}

#[derive(Clone)]
struct Get(Client);
impl Op for Get {
    async fn call(&self) {
        black_box(self.0.get().await.expect("cached"));
    }
}

#[derive(Clone)]
struct WithCredential(Client);
impl Op for WithCredential {
    async fn call(&self) {
        black_box(self.0.with_credential(|c| black_box(c.access_key_id().len())).await.expect("cached"));
    }
}

#[derive(Clone)]
struct TryGet(Client);
impl Op for TryGet {
    async fn call(&self) {
        black_box(self.0.try_get().expect("cached"));
    }
}

#[derive(Clone)]
struct RwLockReadClone(Arc<RwLock<Arc<Credential>>>);
impl Op for RwLockReadClone {
    async fn call(&self) {
        black_box(self.0.read().expect("not poisoned").clone());
    }
}

#[derive(Clone)]
struct StdNow;
impl Op for StdNow {
    async fn call(&self) {
        black_box(Instant::now());
    }
}

#[derive(Clone)]
struct TokioNow;
impl Op for TokioNow {
    async fn call(&self) {
        black_box(tokio::time::Instant::now());
    }
}

fn benches(c: &mut Criterion) {
    let current = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let multi: Vec<(usize, Runtime)> = worker_counts().into_iter().map(|n| (n, multi_thread(n))).collect();
    // The clients' driver tasks live on this runtime, which outlives every measurement.
    let home = multi_thread(1);

    // A session credential living 12 h: every `get` loads the snapshot, reads the clock and
    // compares it with the deadline.
    let session = warm_client(&home, Answer::Lives(Duration::from_secs(12 * 3600)));
    bench_op(c, "tokio/get", &current, &multi, Get(session.clone()));
    bench_op(c, "tokio/try_get", &current, &multi, TryGet(session.clone()));
    // Borrowing in place: no reference-count update.
    bench_op(c, "tokio/with_credential", &current, &multi, WithCredential(session.clone()));

    // A credential that never expires: the lookup skips the clock.
    let fixed = warm_client(&home, Answer::Static);
    bench_op(c, "tokio/get_static_no_clock", &current, &multi, Get(fixed));

    // Baseline: what a plain lock-protected cache costs, run the same way.
    let credential = session.try_get().expect("cached");
    bench_op(
        c,
        "tokio/baseline_rwlock_read_clone",
        &current,
        &multi,
        RwLockReadClone(Arc::new(RwLock::new(Arc::new(credential)))),
    );

    // The clock reads on their own (in a runtime: tokio's reads the runtime's clock).
    bench_op(c, "tokio/ref_std_instant_now", &current, &multi, StdNow);
    bench_op(c, "tokio/ref_tokio_instant_now", &current, &multi, TokioNow);
}

criterion_group! {
    name = get;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(get);
