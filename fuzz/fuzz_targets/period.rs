#![no_main]
use libfuzzer_sys::fuzz_target;
use pathway::value::Period;

fuzz_target!(|s: &str| {
    if let Ok(p) = s.parse::<Period>() {
        assert!(p.from <= p.to, "period {s:?} ends before it starts");
        assert_eq!(p.label.parse::<Period>().map(|q| (q.from, q.to)), Ok((p.from, p.to)), "label does not round-trip");
    }
});
