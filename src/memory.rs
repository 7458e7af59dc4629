//! Memory the allocator holds free, given back to the system. glibc's allocator keeps what a
//! burst freed (a worker's start, a year's table read and rebuilt) in its arenas for reuse, and
//! a server that is quiet afterwards would hold it for good; jemalloc and mimalloc give such
//! memory back on their own after a while, glibc only when asked. So it is asked after those
//! bursts, and large blocks (a login's argon2 memory, 19 MiB) are kept out of the arenas.

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

/// Blocks from this size up are mapped apart and unmapped when freed. glibc raises its own
/// threshold to the largest block freed so far, so that after the first login every argon2
/// block would come from, and stay in, an arena; a fixed threshold keeps it where it is.
const MAPPED_FROM_BYTES: i32 = 1 << 20;

/// Sets how the allocator treats large blocks (see `MAPPED_FROM_BYTES`); at start, once.
pub fn map_large_blocks_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets a tunable of the allocator; it takes and returns no pointer.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM_BYTES);
    }
}
