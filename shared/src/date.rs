//! Dates as Core Lightning's users read them: UTC, `YYYY-MM-DD`. Shared so the monitor, its
//! report and the tests that check the report name a day alike.

/// The UTC day of a Unix time, `YYYY-MM-DD` (the proleptic Gregorian calendar, from the days
/// since 1970 as in Howard Hinnant's `civil_from_days`).
pub fn date(time: f64) -> String {
    let z = (time / 86_400.0).floor() as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
