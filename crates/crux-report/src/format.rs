//! How the report writes numbers: effects with two significant figures,
//! probabilities with two decimals, capabilities in log10 FLOP and in FLOP,
//! years to a tenth.

use crux_analysis::stats::Summary;
use crux_engine::format::significant;

/// An effect in the model's unit, two significant figures.
pub fn effect(value: f64) -> String {
    significant(value, 2)
}

/// An effect with its sign: `+24`, `-3.1`, `0`.
pub fn signed(value: f64) -> String {
    let text = effect(value);
    if value > 0.0 && text != "0" { format!("+{text}") } else { text }
}

/// A 90% interval, `low to high`.
pub fn interval(summary: &Summary) -> String {
    format!("{} to {}", effect(summary.p05), effect(summary.p95))
}

/// A probability, two decimals.
pub fn probability(value: f64) -> String {
    format!("{value:.2}")
}

/// A share as a percentage: `35%`, `0.4%`, `0%`.
pub fn share(value: f64) -> String {
    if value == 0.0 { "0%".to_string() } else { format!("{}%", significant(value * 100.0, 2)) }
}

/// A value on the axis (log10 FLOP), three significant figures.
/// Whether a grid value is a whole or half step (the rows report tables show).
pub fn on_half_step(value: f64) -> bool {
    ((value * 2.0).round() - value * 2.0).abs() < 1e-9
}

/// Whether a grid value is whole.
pub fn is_whole(value: f64) -> bool {
    (value.round() - value).abs() < 1e-9
}

pub fn capability(value: f64) -> String {
    significant(value, 3)
}

/// The compute of a capability, `3.2e27 FLOP`.
pub fn flop(value: f64) -> String {
    format!("{} FLOP", significant(10f64.powf(value), 2))
}

/// A year, to a tenth: `2028.3`, `2028`.
pub fn year(value: f64) -> String {
    significant((value * 10.0).round() / 10.0, 5)
}

/// A number with three significant figures.
pub fn value(value: f64) -> String {
    significant(value, 3)
}

/// A param's value, with its last figure at a tenth of its spread `width`
/// or finer (at least three significant figures; six for a fixed value).
pub fn param_value(value: f64, width: f64) -> String {
    if width <= 0.0 || !width.is_finite() || value == 0.0 {
        return significant(value, if width > 0.0 { 3 } else { 6 });
    }
    let needed = value.abs().log10().floor() as i64 - (width / 10.0).log10().floor() as i64 + 1;
    significant(value, needed.clamp(3, 6) as usize)
}

/// An effect, probability or share for JSON: four significant figures.
pub fn json_number(value: f64) -> f64 {
    json_significant(value, 4)
}

/// A capability, year or context value for JSON: six significant figures.
pub fn json_precise(value: f64) -> f64 {
    json_significant(value, 6)
}

fn json_significant(value: f64, digits: usize) -> f64 {
    if !value.is_finite() {
        return value;
    }
    significant(value, digits).parse().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(effect(23.71), "24");
        assert_eq!(signed(23.71), "+24");
        assert_eq!(signed(-2.88), "-2.9");
        assert_eq!(signed(0.0), "0");
        assert_eq!(probability(0.7438), "0.74");
        assert_eq!(share(0.3512), "35%");
        assert_eq!(share(0.0042), "0.42%");
        assert_eq!(capability(25.000000000000004), "25");
        assert_eq!(capability(27.35), "27.4");
        assert_eq!(flop(27.5), "3.2e27 FLOP");
        assert_eq!(year(2028.04), "2028");
        assert_eq!(year(2028.26), "2028.3");
        assert_eq!(json_number(0.123456789), 0.1235);
        assert_eq!(json_precise(2026.94), 2026.94);
        assert_eq!(json_precise(27.3500001), 27.35);
        assert_eq!(param_value(2026.9, 0.0), "2026.9");
        assert_eq!(param_value(26.31, 1.0), "26.3");
        assert_eq!(param_value(0.0364, 0.14), "0.0364");
    }
}
