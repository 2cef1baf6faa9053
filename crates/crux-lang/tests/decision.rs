//! `[decision]`: what reads, and every mistake reported at its place.

use crux_lang::ast::ExprKind;

const HEAD: &str = "[model]\nid = \"m\"\ntitle = \"m\"\nunit = \"bp\"\n[axis]\nname = \"c\"\nfrom = 0\nto = 1\nstep = 1\n\
                    [params]\nc_misuse = \"normal(0.5, 2)\"\nrate = \"beta(2, 8)\"\n[derived]\nscaled = \"2 * rate\"\n\
                    [mechanisms.uplift]\nside = \"benefit\"\neffect = \"c_misuse + rate\"\n";

/// Loads `HEAD` plus `decision`; on failure, each diagnostic as `location: message (help)`.
fn load(decision: &str) -> Result<crux_lang::hir::Model, Vec<String>> {
    crux_test_support::load_or_errors("m.toml", &format!("{HEAD}{decision}"))
}

#[test]
fn options_read_in_file_order() {
    let model = load(
        "[decision]\ntitle = \"How to release\"\n[decision.options.open]\nvalue = \"net\"\n\
         [decision.options.api_only]\nvalue = \"0.4 * net - 0.1 * uplift + scaled * c + max(rate, 0.1)\"\ntitle = \"API only\"\n\
         [decision.options.none]\nvalue = \"0\"\n",
    )
    .unwrap();
    let decision = model.file.decision.as_ref().expect("a decision");
    assert_eq!(decision.title.as_deref(), Some("How to release"));
    let ids: Vec<&str> = decision.options.iter().map(|option| option.id.name.as_str()).collect();
    assert_eq!(ids, ["open", "api_only", "none"]);
    assert_eq!(decision.options[1].name(), "API only");
    assert_eq!(decision.options[0].name(), "open");
    assert!(matches!(&decision.options[0].value.kind, ExprKind::Name(name) if name == "net"));
    assert_eq!(decision.options[2].text, "0");
    // Without a [decision], none.
    assert!(load("").unwrap().file.decision.is_none());
}

#[test]
fn mistakes_are_errors_at_their_place() {
    // The decision table starts on line 18 of the file.
    let cases = [
        (
            "[decision]\n[decision.options.a]\nvalue = \"ne\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20:10",
            "unknown name `ne`",
            "did you mean `net`?",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"net\"\n[decision.options.b]\nvalue = \"0.5 * uplfit\"\n",
            "m.toml:22:16",
            "unknown name `uplfit`",
            "did you mean `uplift`?",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"net\"\n",
            "m.toml:18:1",
            "at least two options, and this one has 1",
            "doing nothing is `value = \"0\"`",
        ),
        ("[decision]\ntitle = \"t\"\n", "m.toml:18:1", "has 0", ""),
        (
            "[decision]\n[decision.options.a]\nvalue = \"net\"\n[decision.options.a]\nvalue = \"0\"\n",
            "m.toml:21",
            "duplicate key",
            "",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"net + normal(0, 1)\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20:16",
            "a formula, not a distribution",
            "param",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"1 to 2\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20:10",
            "not a distribution",
            "",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"maxx(net, 0)\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20:10",
            "unknown function `maxx`",
            "did you mean `max`?",
        ),
        (
            "[decision]\n[decision.options.a]\ntitle = \"A\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:19:1",
            "option `a` has no `value`",
            "value = ",
        ),
        (
            "[decision]\n[decision.options.a]\nvalu = \"net\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20:1",
            "unknown field `valu`",
            "value",
        ),
        (
            "[decision]\n[decision.options.a]\nvalue = \"net +\"\n[decision.options.b]\nvalue = \"0\"\n",
            "m.toml:20",
            "",
            "",
        ),
    ];
    for (decision, place, message, help) in cases {
        let errors = load(decision).expect_err(decision);
        assert_eq!(errors.len(), 1, "{decision}: {errors:?}");
        let error = &errors[0];
        assert!(error.starts_with(place), "{decision}: {error}");
        assert!(error.contains(message), "{decision}: {error}");
        assert!(error.contains(help), "{decision}: {error}");
    }
}
