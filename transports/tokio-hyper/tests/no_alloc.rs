//! A cached `get` (and `try_get`) allocates nothing: a counting global allocator (this test
//! binary only) sees no allocation and no deallocation on the calling thread across 10 000
//! cached calls made inside a current-thread runtime, both awaited and polled by hand once
//! with a no-op waker (which also shows the future is ready at its first poll).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use alibabacloud_credentials_testkit::{Answer, ScriptedSource};
use alibabacloud_credentials_tokio::Client;
use tokio::runtime::Runtime;

/// Counts allocations and deallocations per thread (so runtime workers and other tests, which
/// run on their own threads, are not counted), then defers to the system allocator.
struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static DEALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    // `try_with`: the allocator may run while the thread's locals are being torn down.
    let _ = counter.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches only a `Cell` in a
// const-initialised thread-local without destructor, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCS);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&DEALLOCS);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CALLS: usize = 10_000;

/// This thread's (allocations, deallocations) so far.
fn counters() -> (u64, u64) {
    (ALLOCS.with(Cell::get), DEALLOCS.with(Cell::get))
}

/// This thread's (allocations, deallocations) since `before`.
fn since(before: (u64, u64)) -> (u64, u64) {
    let now = counters();
    (now.0 - before.0, now.1 - before.1)
}

/// (allocations, deallocations) made on this thread while `f` runs.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let before = counters();
    f();
    since(before)
}

/// A waker that does nothing (`Waker::noop` needs a newer Rust than the crate's minimum).
fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(|_| RAW, |_| {}, |_| {}, |_| {});
    const RAW: RawWaker = RawWaker::new(std::ptr::null(), &VTABLE);
    // SAFETY: every vtable function ignores the (null) data pointer.
    unsafe { Waker::from_raw(RAW) }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// A client whose one fetch answers `answer`, warmed on `rt` from this thread (the first `get`
/// spawns the driver and fetches; this thread is then registered with the snapshot pointer).
fn warm_client(rt: &Runtime, answer: Answer) -> Client {
    let (source, script) = ScriptedSource::new();
    script.push(answer);
    let client = Client::builder().seed(7).build_source(Box::new(source), "ram_role_arn").expect("client");
    rt.block_on(async {
        let first = client.get().await.expect("the first get fetches");
        let again = client.get().await.expect("the second get is cached");
        assert!(first.ptr_eq(&again), "the second get must come from the cache");
    });
    assert_eq!(script.fetches(), 1);
    client
}

#[test]
fn the_counter_sees_allocations() {
    let (allocs, deallocs) = counted(|| drop(black_box(Box::new(black_box(42u64)))));
    assert_eq!((allocs, deallocs), (1, 1));
}

fn assert_no_alloc_in_runtime(answer: Answer) {
    let rt = runtime();
    let client = warm_client(&rt, answer);
    rt.block_on(async {
        // Awaited inside the runtime: a cached get never yields, so nothing of the runtime runs
        // between the two counter reads.
        let before = counters();
        for _ in 0..CALLS {
            black_box(client.get().await.expect("cached"));
        }
        let (allocs, deallocs) = since(before);
        assert_eq!((allocs, deallocs), (0, 0), "{CALLS} awaited cached gets: (allocations, deallocations)");

        // Each `get()` future polled once by hand.
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let (allocs, deallocs) = counted(|| {
            for _ in 0..CALLS {
                match pin!(client.get()).poll(&mut cx) {
                    Poll::Ready(r) => {
                        black_box(r.expect("cached"));
                    }
                    Poll::Pending => panic!("a cached get must be ready at its first poll"),
                }
            }
        });
        assert_eq!((allocs, deallocs), (0, 0), "{CALLS} hand-polled cached gets: (allocations, deallocations)");

        let (allocs, deallocs) = counted(|| {
            for _ in 0..CALLS {
                black_box(client.try_get().expect("cached"));
            }
        });
        assert_eq!((allocs, deallocs), (0, 0), "{CALLS} cached try_gets: (allocations, deallocations)");
    });
}

#[test]
fn cached_get_of_a_session_credential_allocates_nothing() {
    assert_no_alloc_in_runtime(Answer::Lives(Duration::from_secs(12 * 3600)));
}

#[test]
fn cached_get_of_a_static_credential_allocates_nothing() {
    assert_no_alloc_in_runtime(Answer::Static);
}
