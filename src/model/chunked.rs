//! A list kept as the parts it was built from: the rendered cells, one part per output
//! file. Moving many small vectors into one large one frees the small blocks to the
//! allocator, which cannot reuse them for the large block, so at the end of the move
//! every element was held twice (21 MB at the peak of a cold run on the L benchmark
//! estate). Read as one list: in order, indexed by position, in batches for work on
//! every core.

#[derive(Debug)]
pub struct Chunked<T> {
    parts: Vec<Vec<T>>,
    /// The position of each part's first element.
    starts: Vec<usize>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            parts: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Appends `part`'s elements (empty parts are not kept).
    pub fn push_part(&mut self, part: Vec<T>) {
        if part.is_empty() {
            return;
        }
        self.starts.push(self.len);
        self.len += part.len();
        self.parts.push(part);
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + Clone {
        self.parts.iter().flatten()
    }

    /// The elements in runs of `n` (the last may be shorter), in order, across parts: a
    /// consumer holds at most `n` results at once however large one part is.
    pub fn batches(&self, n: usize) -> impl Iterator<Item = Vec<&T>> {
        let mut all = self.iter();
        std::iter::from_fn(move || {
            let batch: Vec<&T> = all.by_ref().take(n).collect();
            (!batch.is_empty()).then_some(batch)
        })
    }

    fn locate(&self, i: usize) -> (usize, usize) {
        assert!(i < self.len, "index {i} out of {} elements", self.len);
        let p = self.starts.partition_point(|&s| s <= i) - 1;
        (p, i - self.starts[p])
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        let (p, j) = self.locate(i);
        &self.parts[p][j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_read_as_one_list() {
        let mut c = Chunked::default();
        let mut n = 0usize;
        for size in [3, 0, 1, 5] {
            c.push_part(
                (0..size)
                    .map(|_| {
                        n += 1;
                        n - 1
                    })
                    .collect(),
            );
        }
        assert_eq!(c.len, 9);
        assert_eq!(
            c.iter().copied().collect::<Vec<_>>(),
            (0..9).collect::<Vec<_>>()
        );
        for i in 0..9 {
            assert_eq!(c[i], i);
        }
        // `n` at a time across parts, every element once, in order.
        let sizes: Vec<usize> = c.batches(2).map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 2, 2, 2, 1]);
        assert_eq!(c.batches(100).map(|b| b.len()).collect::<Vec<_>>(), [9]);
        let flat: Vec<usize> = c.batches(1).flatten().copied().collect();
        assert_eq!(flat, c.iter().copied().collect::<Vec<_>>());
        assert_eq!(Chunked::<u8>::default().batches(4).count(), 0);
    }

    #[test]
    #[should_panic(expected = "index 9 out of 9")]
    fn out_of_range_is_a_panic_not_another_element() {
        let mut c = Chunked::default();
        c.push_part(vec![0u8; 9]);
        let _ = c[9];
    }
}
