//! docs/checks.md is generated from the catalogue (`vrlab checks --markdown`) and must be
//! current; the catalogue covers every RFC-CHECKLIST item.

use std::collections::BTreeSet;

#[test]
fn docs_checks_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/checks.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    let want = vrlab::checks::markdown();
    assert!(
        on_disk == want,
        "{} is not current: run `vrlab checks --markdown > docs/checks.md`",
        path.display()
    );
}

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for d in vrlab::checks::catalogue() {
        assert!(seen.insert(d.id), "duplicate id {}", d.id);
        let (item, name) = d.id.split_once('.').expect("id is ITEM.name");
        assert!(!item.is_empty() && !name.is_empty(), "{}", d.id);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            d.id
        );
        assert!(!d.clause.is_empty() && !d.title.is_empty() && !d.applies.is_empty());
    }
}

#[test]
fn every_checklist_item_has_a_check() {
    let items: Vec<String> = [("A", 10), ("B", 13), ("C", 13), ("D", 10), ("E", 6)]
        .iter()
        .flat_map(|(l, n)| (1..=*n).map(move |i| format!("{l}{i}")))
        .collect();
    let covered: BTreeSet<String> = vrlab::checks::catalogue()
        .iter()
        .flat_map(|d| d.checklist.split(',').map(|s| s.trim().to_string()))
        .collect();
    let missing: Vec<&String> = items.iter().filter(|i| !covered.contains(*i)).collect();
    assert!(
        missing.is_empty(),
        "RFC-CHECKLIST items without a check: {missing:?}"
    );
}
