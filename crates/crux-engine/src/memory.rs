//! Large buffers: zeroed allocations backed by transparent huge pages where
//! the operating system offers them, so that filling hundreds of megabytes
//! does not cost a page fault every 4 KiB.

/// A zeroed vector of `len` doubles.
pub fn large_zeroed(len: usize) -> Vec<f64> {
    let buffer = vec![0.0; len];
    advise_huge_pages(&buffer);
    buffer
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(buffer: &[f64]) {
    const HUGE_PAGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(buffer);
    if bytes < 4 * HUGE_PAGE {
        return;
    }
    let start = buffer.as_ptr() as usize;
    let aligned = start.next_multiple_of(HUGE_PAGE);
    let length = (start + bytes).saturating_sub(aligned) / HUGE_PAGE * HUGE_PAGE;
    if length > 0 {
        // SAFETY: the range lies inside `buffer`'s allocation; MADV_HUGEPAGE only
        // changes how the kernel backs these pages, never their contents.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, length, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_buffer: &[f64]) {}
