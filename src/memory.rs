//! Memory the allocator holds free, given back to the system. glibc's allocator keeps what a
//! burst freed (a worker's start, a year's table read and rebuilt) in its arenas for reuse, and
//! a server that is quiet afterwards would hold it for good; jemalloc and mimalloc give such
//! memory back on their own after a while, glibc only when asked. So it is asked after those
//! bursts.

/// Gives back to the system the free memory of every arena (glibc `malloc_trim`); elsewhere,
/// nothing to do.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages under the allocator's own locks; it takes
    // and returns no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}
