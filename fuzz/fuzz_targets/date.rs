#![no_main]
use libfuzzer_sys::fuzz_target;
use pathway::value::Date;

fuzz_target!(|s: &str| {
    if let Ok(d) = s.parse::<Date>() {
        assert_eq!(d.iso().parse::<Date>(), Ok(d), "ISO form does not round-trip");
    }
});
