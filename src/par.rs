//! An order-keeping parallel map over a slice on scoped threads (`std::thread::scope`): the
//! results come back in the order of the input, exactly as a serial `map` would give them, so
//! callers keep their first-error-wins and output order. Used where a run does many small,
//! independent reads or renders (generate's package folders, services, written files).
//!
//! Nothing here knows what the work is, prints, or keeps threads beyond one call; a worker's
//! panic is the caller's panic (the scope re-raises it).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Items taken per grab: small enough to balance 200 services over 2 cores, large enough to
/// keep the shared counter out of the profile.
const BATCH: usize = 4;

/// The cores to use: the machine's, or `ISOGEN_CORES` (a testing knob: `ISOGEN_CORES=1` runs
/// everything on the calling thread; a bigger number simulates a bigger machine).
/// Read once per process: the machine's count comes from the cgroup files (four reads), and a
/// run asks before every parallel step.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::env::var("ISOGEN_CORES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// `items.iter().map(f).collect()`, on up to [`cores`] threads (the calling thread is one of
/// them). Threads take the next few items as they finish theirs, so a slow item does not hold
/// back the rest; with one core, or fewer than two batches of items, it runs serially here.
pub fn map<'a, T, R, F>(items: &'a [T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&'a T) -> R + Sync,
{
    let workers = cores().min(items.len().div_ceil(BATCH)).min(16);
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BATCH, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + BATCH).min(items.len());
            done.extend((start..end).map(|i| (i, f(&items[i]))));
        }
    };
    let mut parts = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in helpers {
            match h.join() {
                Ok(part) => parts.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in parts.drain(..).flatten() {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order_whatever_thread_ran_them() {
        let items: Vec<u64> = (0..1000).collect();
        // Uneven work, so threads finish their batches out of order.
        let out = map(&items, |&i| {
            let mut x = i;
            for _ in 0..(i % 7) * 1000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            (i, x)
        });
        assert_eq!(out.len(), 1000);
        assert!(out.iter().enumerate().all(|(k, (i, _))| *i == k as u64));
    }

    #[test]
    fn an_empty_or_tiny_input_runs_serially() {
        let none: Vec<u8> = Vec::new();
        assert!(map(&none, |x| *x).is_empty());
        assert_eq!(map(&[1, 2, 3], |x| x * 2), vec![2, 4, 6]);
    }
}
