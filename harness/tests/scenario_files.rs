//! Every scenario in scenarios/ parses and validates.

#[test]
fn suite_scenarios_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            if let Err(err) = vrlab::scenario::load(&p) {
                panic!("{err}");
            }
            n += 1;
        }
    }
    assert!(n >= 1, "no scenarios found in {}", dir.display());
}
