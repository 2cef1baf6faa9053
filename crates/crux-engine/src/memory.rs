//! Large buffers: allocations backed by transparent huge pages where the
//! operating system offers them, so that filling hundreds of megabytes does
//! not cost a page fault every 4 KiB, and left unwritten until they are
//! filled, so that they are not written twice.

use std::mem::MaybeUninit;

/// An empty vector with room for `len` doubles, for a caller that writes all
/// of them through [`Vec::spare_capacity_mut`] before setting the length.
pub fn large_unfilled(len: usize) -> Vec<f64> {
    let mut buffer = Vec::with_capacity(len);
    advise_huge_pages(&buffer.spare_capacity_mut()[..len]);
    buffer
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(buffer: &[MaybeUninit<f64>]) {
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
fn advise_huge_pages(_buffer: &[MaybeUninit<f64>]) {}
