//! What a model leaves to quantify: params and mechanisms marked
//! `placeholder = true` (a model imported from a page has a placeholder effect
//! for every mechanism), and cruxes that no param belongs to yet.

use crate::model::ModelFile;
use crate::span::Span;
use std::fmt;

/// One thing left to quantify.
#[derive(Debug, Clone, PartialEq)]
pub enum ToQuantify {
    Param {
        name: String,
        text: String,
        span: Span,
    },
    Mechanism {
        id: String,
        name: Option<String>,
        text: String,
        span: Span,
    },
    /// A crux with no params: its question is not yet in the numbers.
    Crux {
        id: String,
        heading: String,
        span: Span,
    },
}

impl fmt::Display for ToQuantify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToQuantify::Param { name, text, .. } => write!(f, "param `{name}`: placeholder value `{text}`"),
            ToQuantify::Mechanism { id, name: Some(name), text, .. } => {
                write!(f, "mechanism `{id}` ({name}): placeholder effect `{text}`")
            }
            ToQuantify::Mechanism { id, name: None, text, .. } => {
                write!(f, "mechanism `{id}`: placeholder effect `{text}`")
            }
            ToQuantify::Crux { id, heading, .. } => write!(f, "crux `{id}` ({heading}): no params yet"),
        }
    }
}

/// Everything `model` leaves to quantify, in file order: params, mechanisms, cruxes.
pub fn to_quantify(model: &ModelFile) -> Vec<ToQuantify> {
    let params = model.params.iter().filter(|param| param.placeholder).map(|param| ToQuantify::Param {
        name: param.name.name.clone(),
        text: param.text.clone(),
        span: param.span,
    });
    let mechanisms =
        model.mechanisms.iter().filter(|mechanism| mechanism.placeholder).map(|mechanism| ToQuantify::Mechanism {
            id: mechanism.id.name.clone(),
            name: mechanism.name.clone(),
            text: mechanism.text.clone(),
            span: mechanism.span,
        });
    let cruxes = model
        .outline
        .cruxes
        .iter()
        .filter(|crux| !model.params.iter().any(|param| param.crux.as_ref().is_some_and(|id| id.name == crux.id.name)))
        .map(|crux| ToQuantify::Crux { id: crux.id.name.clone(), heading: crux.heading(), span: crux.span });
    params.chain(mechanisms).chain(cruxes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_model;
    use crate::span::Sources;

    fn model(text: &str) -> ModelFile {
        let mut sources = Sources::new();
        let file = sources.add("test.toml", text);
        parse_model(&mut sources, file).expect("the model parses")
    }

    #[test]
    fn lists_placeholders_and_empty_cruxes_in_order() {
        let model = model(
            r#"
[model]
title = "t"

[params]
a = { value = "1 to 2", crux = "first" }
b = { value = "0", crux = "first", placeholder = true }

[mechanisms.kept]
side = "benefit"
effect = "a"

[mechanisms.open_question]
side = "risk"
name = "Open question"
effect = "0"
placeholder = true

[cruxes.first]
title = "First"

[cruxes.second]
number = 2
title = "Second"
"#,
        );
        let listed: Vec<String> = to_quantify(&model).iter().map(ToString::to_string).collect();
        assert_eq!(
            listed,
            vec![
                "param `b`: placeholder value `0`",
                "mechanism `open_question` (Open question): placeholder effect `0`",
                "crux `second` (Crux 2: Second): no params yet",
            ]
        );
    }

    #[test]
    fn a_quantified_model_has_nothing_left() {
        let model =
            model("[model]\ntitle = \"t\"\n[params]\na = \"1\"\n[mechanisms.m]\nside = \"risk\"\neffect = \"a\"\n");
        assert!(to_quantify(&model).is_empty());
    }
}
