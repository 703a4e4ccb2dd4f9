#![no_main]
use libfuzzer_sys::fuzz_target;
use pathway::value::Pence;

fuzz_target!(|s: &str| {
    if let Ok(p) = s.parse::<Pence>() {
        assert!(p.0 >= 0, "negative money accepted from {s:?}");
        assert_eq!(p.plain().parse::<Pence>(), Ok(p), "plain form does not round-trip");
        assert_eq!(p.pretty().parse::<Pence>(), Ok(p), "table form does not round-trip");
    }
});
