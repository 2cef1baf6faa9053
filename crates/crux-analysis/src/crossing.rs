//! Where a curve over the axis turns negative for good (such as E[net]).
//! Each sample's own crossing is found by the engine as it runs
//! ([`crux_engine::Crossings`]).

/// Where a curve over the grid turns negative for good.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// Between two grid points: the axis value where the straight line
    /// between them crosses zero.
    At(f64),
    /// Negative from the first grid point on.
    Everywhere,
    /// Not negative at the last grid point.
    Never,
}

/// The first grid index from which every value is negative, if any.
fn stays_negative_from(values: impl DoubleEndedIterator<Item = f64> + ExactSizeIterator) -> Option<usize> {
    let count = values.len();
    let negative_tail = values.rev().take_while(|value| *value < 0.0).count();
    (negative_tail > 0).then_some(count - negative_tail)
}

/// Where `values` over the grid `x` turn negative for good.
pub fn zero_crossing(x: &[f64], values: &[f64]) -> Crossing {
    match stays_negative_from(values.iter().copied()) {
        None => Crossing::Never,
        Some(0) => Crossing::Everywhere,
        Some(index) => {
            let (x0, x1, y0, y1) = (x[index - 1], x[index], values[index - 1], values[index]);
            Crossing::At(if y0 == y1 { x1 } else { x0 + (x1 - x0) * y0 / (y0 - y1) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings() {
        let x = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(zero_crossing(&x, &[2.0, 1.0, -1.0, -2.0]), Crossing::At(1.5));
        assert_eq!(zero_crossing(&x, &[-1.0, 1.0, 0.0, -2.0]), Crossing::At(2.0));
        assert_eq!(zero_crossing(&x, &[-1.0, -1.0, -1.0, -1.0]), Crossing::Everywhere);
        assert_eq!(zero_crossing(&x, &[-1.0, -1.0, -1.0, 0.0]), Crossing::Never);
        // A dip below zero that comes back up is not the threshold.
        assert_eq!(zero_crossing(&x, &[1.0, -1.0, 1.0, -3.0]), Crossing::At(2.25));
    }
}
