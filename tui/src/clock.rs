//! Times as the views write them: UTC clock times, dates, and durations as people say them.

/// `HH:MM:SS` UTC (lightningd's logs are in UTC too).
pub fn clock(time: f64) -> String {
    let secs = time.max(0.0) as u64 % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

pub use lnwatch_shared::date::date;

/// A time as the clock says it, with its date when it is not on the UTC day of `now`.
pub fn clock_on(time: f64, now: f64) -> String {
    if (time / 86_400.0).floor() == (now / 86_400.0).floor() {
        clock(time)
    } else {
        format!("{} {}", date(time), clock(time))
    }
}

/// A duration as people say it: `42s`, `5m`, `3h05m`, `2d`.
pub fn ago(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(clock(1_763_772_000.5), "00:40:00");
        assert_eq!(ago(42.0), "42s");
        assert_eq!(ago(300.0), "5m");
        assert_eq!(ago(3.0 * 3600.0 + 300.0), "3h05m");
        assert_eq!(ago(-5.0), "0s");
    }

    #[test]
    fn dates_and_times_on_other_days() {
        assert_eq!(date(0.0), "1970-01-01");
        assert_eq!(date(1_763_772_000.0), "2025-11-22");
        assert_eq!(date(951_782_400.0), "2000-02-29");
        assert_eq!(date(4_107_542_399.0), "2100-02-28");
        assert_eq!(clock_on(1_763_772_000.0, 1_763_772_000.0 + 3_600.0), "00:40:00");
        assert_eq!(clock_on(1_763_772_000.0, 1_763_772_000.0 + 86_400.0), "2025-11-22 00:40:00");
    }
}
