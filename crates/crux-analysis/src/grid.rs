//! Grid points named by axis values: `--at C` (and the `at` of the Python
//! package and the server) means the grid point nearest `C`, for a `C` on the
//! axis (within half a step of its ends); anything else is refused with a
//! diagnostic that shows the axis.

use crux_engine::format::short;
use crux_lang::{Diagnostic, hir};

/// The index of the grid point nearest `value`, or why `value` names none.
pub fn point_at(model: &hir::Model, value: f64) -> Result<usize, Diagnostic> {
    let Some(axis) = &model.file.axis else {
        return Err(Diagnostic::error(format!("--at {} does not apply: the model has no axis", short(value)))
            .with_help("a model without an [axis] has a single point; leave out --at"));
    };
    axis.index_on_axis(value).ok_or_else(|| {
        Diagnostic::error(format!("--at {} is off the axis", short(value))).with_help(format!(
            "the axis `{}` runs from {} to {} in steps of {}",
            axis.name.name,
            short(axis.from),
            short(axis.to),
            short(axis.step)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(axis: &str) -> hir::Model {
        let text = format!(
            "[model]\nid = \"m\"\n{axis}\n[params]\na = \"1 to 2\"\n\n[mechanisms.m]\nside = \"benefit\"\neffect = \"a\"\n"
        );
        let mut sources = crux_lang::Sources::new();
        let file = sources.add("m.toml", text);
        crux_lang::load(&mut sources, file).expect("the test model loads")
    }

    #[test]
    fn values_on_the_axis_name_their_nearest_point_and_others_are_refused() {
        let with_axis = model("\n[axis]\nname = \"c\"\nfrom = 23\nto = 29\nstep = 0.5\n");
        assert_eq!(point_at(&with_axis, 23.0).unwrap(), 0);
        assert_eq!(point_at(&with_axis, 26.1).unwrap(), 6);
        assert_eq!(point_at(&with_axis, 29.2).unwrap(), 12);
        let off = point_at(&with_axis, 30.0).unwrap_err();
        assert_eq!(off.message, "--at 30 is off the axis");
        assert!(point_at(&with_axis, f64::NAN).is_err());
        let without = point_at(&model(""), 1.0).unwrap_err();
        assert!(without.message.contains("the model has no axis"), "{}", without.message);
    }
}
