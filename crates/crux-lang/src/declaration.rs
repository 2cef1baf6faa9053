//! A model's declarations: its params and derived values, and its
//! mechanisms with their side (benefit or risk), and the axis they are
//! evaluated along.

use crate::ast::{Expr, Ident};
use crate::references::Citation;
use crate::span::Span;

/// A param or a derived value: a name bound to an expression.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub name: Ident,
    pub expr: Expr,
    /// The expression as written.
    pub text: String,
    pub label: Option<String>,
    /// The crux group this param belongs to.
    pub crux: Option<Ident>,
    /// Where the value comes from: ids of sourced facts, or "judgement: why".
    pub source: Option<String>,
    /// Free-text explanation.
    pub note: Option<String>,
    /// `placeholder = true`: the value stands in until someone quantifies it.
    pub placeholder: bool,
    /// The `[@id]` citations in `source` and `note`.
    pub citations: Vec<Citation>,
    /// The span of the whole entry.
    pub span: Span,
}

impl Declaration {
    /// Whether the value rests on judgement alone: its source cites no reference.
    pub fn is_judgement(&self) -> bool {
        self.citations.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Benefit,
    Risk,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Benefit => "benefit",
            Side::Risk => "risk",
        }
    }
}

/// One mechanism: a benefit or a risk whose effect is an expression.
#[derive(Debug, Clone)]
pub struct Mechanism {
    pub id: Ident,
    pub side: Side,
    pub effect: Expr,
    pub text: String,
    /// The row's name on the page, such as "More safety research".
    pub name: Option<String>,
    /// The page's one-line mechanism, such as "Academics can study real models".
    pub mechanism: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
    /// `placeholder = true`: the effect stands in until someone quantifies it
    /// (as in a model imported from a page).
    pub placeholder: bool,
    /// The `[@id]` citations in `source` and `note`.
    pub citations: Vec<Citation>,
    pub span: Span,
}

impl Mechanism {
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id.name)
    }
}

/// The capability axis (or any other axis): a grid `from + i * step`.
#[derive(Debug, Clone)]
pub struct Axis {
    pub name: Ident,
    pub label: String,
    pub from: f64,
    pub to: f64,
    pub step: f64,
    pub span: Span,
}

impl Axis {
    /// Number of grid points, `from` and `to` included.
    pub fn len(&self) -> usize {
        ((self.to - self.from) / self.step).round() as usize + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The grid value at index `i`, computed as `from + i * step` (never accumulated).
    pub fn value(&self, index: usize) -> f64 {
        self.from + index as f64 * self.step
    }

    pub fn values(&self) -> Vec<f64> {
        (0..self.len()).map(|index| self.value(index)).collect()
    }

    /// Index of the grid point closest to `x`, if `x` lies on the axis
    /// (within half a step of its ends); `None` off it or for a non-finite `x`.
    pub fn index_on_axis(&self, x: f64) -> Option<usize> {
        let (low, high) = (self.from.min(self.to), self.from.max(self.to));
        let slack = self.step.abs() / 2.0;
        (x.is_finite() && x >= low - slack && x <= high + slack).then(|| self.nearest_index(x))
    }

    /// Index of the grid point closest to `x`, clamped to the grid.
    pub fn nearest_index(&self, x: f64) -> usize {
        let index = ((x - self.from) / self.step).round();
        index.clamp(0.0, (self.len() - 1) as f64) as usize
    }
}
