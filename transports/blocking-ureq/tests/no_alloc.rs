//! A cached `get` (and `try_get`) allocates nothing: a counting global allocator (this test
//! binary only) sees no allocation and no deallocation on the calling thread across 10 000
//! cached calls.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use alibabacloud_credentials_blocking::Client;
use alibabacloud_credentials_testkit::{Answer, ScriptedSource};

/// Counts allocations and deallocations per thread (so the driver thread and other tests,
/// which run on their own threads, are not counted), then defers to the system allocator.
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

/// (allocations, deallocations) made on this thread while `f` runs.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let (a, d) = (ALLOCS.with(Cell::get), DEALLOCS.with(Cell::get));
    f();
    (ALLOCS.with(Cell::get) - a, DEALLOCS.with(Cell::get) - d)
}

/// A client whose one fetch answers `answer`, warmed on this thread (the first `get` fetches
/// and registers this thread with the cache's snapshot pointer).
fn warm_client(answer: Answer) -> Client {
    let (source, script) = ScriptedSource::new();
    script.push(answer);
    let client = Client::builder().seed(7).build_source(Box::new(source), "ram_role_arn").expect("client");
    let first = client.get().expect("the first get fetches");
    let again = client.get().expect("the second get is cached");
    assert!(first.ptr_eq(&again), "the second get must come from the cache");
    assert_eq!(script.fetches(), 1);
    client
}

#[test]
fn the_counter_sees_allocations() {
    let (allocs, deallocs) = counted(|| drop(black_box(Box::new(black_box(42u64)))));
    assert_eq!((allocs, deallocs), (1, 1));
}

#[test]
fn cached_get_of_a_session_credential_allocates_nothing() {
    let client = warm_client(Answer::Lives(Duration::from_secs(12 * 3600)));
    let (allocs, deallocs) = counted(|| {
        for _ in 0..CALLS {
            black_box(client.get().expect("cached"));
        }
    });
    assert_eq!((allocs, deallocs), (0, 0), "{CALLS} cached gets: (allocations, deallocations)");

    let (allocs, deallocs) = counted(|| {
        for _ in 0..CALLS {
            black_box(client.try_get().expect("cached"));
        }
    });
    assert_eq!((allocs, deallocs), (0, 0), "{CALLS} cached try_gets: (allocations, deallocations)");

    let (allocs, deallocs) = counted(|| {
        for _ in 0..CALLS {
            black_box(client.with_credential(|c| black_box(c.access_key_id().len())).expect("cached"));
        }
    });
    assert_eq!((allocs, deallocs), (0, 0), "{CALLS} cached with_credentials: (allocations, deallocations)");
}

#[test]
fn cached_get_of_a_static_credential_allocates_nothing() {
    let client = warm_client(Answer::Static);
    let (allocs, deallocs) = counted(|| {
        for _ in 0..CALLS {
            black_box(client.get().expect("cached"));
            black_box(client.try_get().expect("cached"));
        }
    });
    assert_eq!((allocs, deallocs), (0, 0), "{CALLS} cached get + try_get: (allocations, deallocations)");
}
