//! The model's own words, which every sentence takes: its unit, its axis
//! and what "now" is, its mechanisms' labels.

use crate::format::{capability, flop};
use crux_lang::hir;

/// The model's words: its unit, its axis, its labels.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    pub model: &'a hir::Model,
}

impl<'a> Words<'a> {
    pub fn new(model: &'a hir::Model) -> Words<'a> {
        Words { model }
    }

    /// The unit of effects (`bp`), or "model units" when the model gives none.
    pub fn unit(&self) -> &'a str {
        let unit = self.model.file.header.unit.trim();
        if unit.is_empty() { "model units" } else { unit }
    }

    /// A number in the unit: `6.3 bp`.
    pub fn in_unit(&self, value: &str) -> String {
        format!("{value} {}", self.unit())
    }

    /// The axis variable's name (`c`), or `x` for a model without an axis.
    pub fn axis(&self) -> String {
        self.model.file.axis.as_ref().map_or_else(|| "x".to_string(), |axis| axis.name.name.clone())
    }

    /// Whether the axis is in log10 FLOP (its label says so), so that axis
    /// values can also be given in FLOP.
    pub fn flop_axis(&self) -> bool {
        self.model.file.axis.as_ref().is_some_and(|axis| axis.label.contains("FLOP"))
    }

    /// What "now" is: the next open frontier release when the model says
    /// where it is (`[context] next_release`), else the open frontier now.
    pub fn now(&self) -> &'static str {
        if self.model.file.outline.context.next_release.is_some() {
            "the next open frontier release"
        } else {
            "the open frontier now"
        }
    }

    /// ` (3.2e27 FLOP)` on a FLOP axis, else nothing.
    pub(crate) fn in_flop(&self, x: f64) -> String {
        if self.flop_axis() { format!(" ({})", flop(x)) } else { String::new() }
    }

    /// The end of the grid in the axis's words: `10^29 FLOP`, or `c = 29`.
    pub fn grid_end(&self, end: f64) -> String {
        if self.flop_axis() {
            format!("10^{} FLOP", capability(end))
        } else {
            format!("{} = {}", self.axis(), capability(end))
        }
    }

    /// A value of the per-sample threshold: the axis value, or "beyond" the
    /// end of the grid for `None`.
    pub fn threshold_value(&self, value: Option<f64>, end: f64) -> String {
        match value {
            Some(value) => capability(value),
            None => format!("beyond {}", self.grid_end(end)),
        }
    }

    pub(crate) fn mechanism(&self, index: usize) -> &'a str {
        self.model.file.mechanisms[index].display_name()
    }
}
