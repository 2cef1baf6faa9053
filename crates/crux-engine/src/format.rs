//! Number formatting for messages: short, with sensible significant figures.

/// A number with up to 4 significant figures, in plain or exponent notation.
pub fn short(value: f64) -> String {
    significant(value, 4)
}

/// A number with `digits` significant figures, trailing zeros removed;
/// exponent notation for very large or very small magnitudes.
pub fn significant(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_string()
        } else if value > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let digits = digits.max(1);
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..=6).contains(&magnitude) {
        let text = format!("{:.*e}", digits - 1, value);
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = trim_zeros(mantissa);
        return format!("{mantissa}e{exponent}");
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    trim_zeros(&text).to_string()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text }
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn significant_figures() {
        assert_eq!(significant(0.123456789, 3), "0.123");
        assert_eq!(significant(2.8643, 3), "2.86");
        assert_eq!(significant(-18.5468, 3), "-18.5");
        assert_eq!(significant(1234.6, 3), "1235");
        assert_eq!(significant(1e25, 3), "1e25");
        assert_eq!(significant(2.5e-7, 2), "2.5e-7");
        assert_eq!(significant(0.0, 3), "0");
        assert_eq!(significant(100.0, 3), "100");
        assert_eq!(significant(f64::NAN, 3), "NaN");
    }
}
