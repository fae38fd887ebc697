//! A vector in fixed-size chunks: growing never copies or frees what is stored, so memory
//! grows by one chunk at a time instead of doubling (a doubling `Vec` leaves its old buffers
//! behind in wasm memory, which never shrinks).

use std::ops::{Index, IndexMut};

const SHIFT: usize = 10;
/// Elements per chunk.
pub const CHUNK: usize = 1 << SHIFT;
const MASK: usize = CHUNK - 1;

/// Indexable, growable storage in chunks of [`CHUNK`] elements. The first chunk grows like a
/// `Vec` (small tables stay small); every later chunk is allocated at full size once.
#[derive(Debug, Default)]
pub struct ChunkVec<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy + Default> ChunkVec<T> {
    /// Empty; allocates nothing.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Elements that fit without allocating.
    #[must_use]
    pub fn capacity(&self) -> usize {
        match self.chunks.len() {
            0 => 0,
            1 => self.chunks[0].capacity(),
            n => (n - 1) * CHUNK + self.chunks[n - 1].capacity().max(CHUNK),
        }
    }
    /// Make room for `extra` more elements.
    pub fn reserve(&mut self, extra: usize) {
        let want = self.len.saturating_add(extra);
        if self.chunks.is_empty() {
            self.chunks.push(Vec::new());
        }
        let first = want.min(CHUNK).saturating_sub(self.chunks[0].len());
        self.chunks[0].reserve_exact(first);
        while self.chunks.len() * CHUNK < want {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
    }
    /// Append.
    pub fn push(&mut self, v: T) {
        let c = self.len >> SHIFT;
        if c == self.chunks.len() {
            self.chunks.push(if c == 0 {
                Vec::new()
            } else {
                Vec::with_capacity(CHUNK)
            });
        }
        self.chunks[c].push(v);
        self.len += 1;
    }
    /// Remove the last element.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        self.chunks[self.len >> SHIFT].pop()
    }
    /// Element `i`, if there is one.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.chunks[i >> SHIFT][i & MASK])
    }
    /// The first element.
    #[must_use]
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }
    /// Exchange two elements.
    pub fn swap(&mut self, a: usize, b: usize) {
        let t = self[a];
        self[a] = self[b];
        self[b] = t;
    }
    /// Every element, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
    /// Keep the elements `keep` accepts, in order (capacity is kept).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut w = 0;
        for r in 0..self.len {
            let v = self[r];
            if keep(&v) {
                self[w] = v;
                w += 1;
            }
        }
        self.len = w;
        for (i, c) in self.chunks.iter_mut().enumerate() {
            c.truncate(w.saturating_sub(i * CHUNK).min(CHUNK));
        }
    }
}

impl<T> Index<usize> for ChunkVec<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(
            i < self.len,
            "ChunkVec index {i} out of bounds ({})",
            self.len
        );
        &self.chunks[i >> SHIFT][i & MASK]
    }
}

impl<T> IndexMut<usize> for ChunkVec<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(
            i < self.len,
            "ChunkVec index {i} out of bounds ({})",
            self.len
        );
        &mut self.chunks[i >> SHIFT][i & MASK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec() {
        let mut c = ChunkVec::<u32>::new();
        let mut v = Vec::new();
        assert_eq!(c.capacity(), 0);
        for i in 0..3000u32 {
            c.push(i * 7 % 1013);
            v.push(i * 7 % 1013);
        }
        assert_eq!(c.len(), 3000);
        assert_eq!(c.capacity(), 3 * CHUNK);
        let mut small = ChunkVec::<u8>::new();
        small.push(1);
        assert!(small.capacity() < 64, "a small table stays small");
        c.swap(1, 2500);
        v.swap(1, 2500);
        c.retain(|x| x % 3 != 0);
        v.retain(|x| x % 3 != 0);
        assert!(c.iter().copied().eq(v.iter().copied()));
        assert_eq!(c.get(c.len()), None);
        assert_eq!(c.first(), v.first());
        while let Some(x) = c.pop() {
            assert_eq!(Some(x), v.pop());
        }
        assert!(c.is_empty() && v.is_empty());
        assert_eq!(c.capacity(), 3 * CHUNK, "capacity kept");
        c.reserve(5 * CHUNK);
        assert_eq!(c.capacity(), 5 * CHUNK);
        for i in 0..(5 * CHUNK) as u32 {
            c.push(i);
        }
        assert_eq!(
            c.capacity(),
            5 * CHUNK,
            "reserved room is used, not reallocated"
        );
        assert_eq!(c[4 * CHUNK + 3], 4 * CHUNK as u32 + 3);
    }
}
