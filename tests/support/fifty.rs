//! A 50-field config, shared by the request-count test and the load benchmark, and its seed.

use locker_config::LockerConfig;

use super::Project;

/// Creates `prod` and `FIELD_00` … `FIELD_49` with the value of their number: even ones in
/// `prod`, odd ones in "All".
pub(crate) fn seed(project: &Project) {
    let secrets: Vec<(Option<&str>, String, String)> = (0..50)
        .map(|i| {
            let env = if i % 2 == 0 { Some("prod") } else { None };
            (env, format!("FIELD_{i:02}"), i.to_string())
        })
        .collect();
    let refs: Vec<(Option<&str>, &str, &str)> = secrets
        .iter()
        .map(|(e, k, v)| (*e, k.as_str(), v.as_str()))
        .collect();
    project.seed(&["prod"], &refs);
}

/// Fifty required `u32` fields, keys `FIELD_00` … `FIELD_49`.
#[derive(Debug, LockerConfig)]
pub(crate) struct Fifty {
    /// Field 0.
    pub(crate) field_00: u32,
    /// Field 1.
    pub(crate) field_01: u32,
    /// Field 2.
    pub(crate) field_02: u32,
    /// Field 3.
    pub(crate) field_03: u32,
    /// Field 4.
    pub(crate) field_04: u32,
    /// Field 5.
    pub(crate) field_05: u32,
    /// Field 6.
    pub(crate) field_06: u32,
    /// Field 7.
    pub(crate) field_07: u32,
    /// Field 8.
    pub(crate) field_08: u32,
    /// Field 9.
    pub(crate) field_09: u32,
    /// Field 10.
    pub(crate) field_10: u32,
    /// Field 11.
    pub(crate) field_11: u32,
    /// Field 12.
    pub(crate) field_12: u32,
    /// Field 13.
    pub(crate) field_13: u32,
    /// Field 14.
    pub(crate) field_14: u32,
    /// Field 15.
    pub(crate) field_15: u32,
    /// Field 16.
    pub(crate) field_16: u32,
    /// Field 17.
    pub(crate) field_17: u32,
    /// Field 18.
    pub(crate) field_18: u32,
    /// Field 19.
    pub(crate) field_19: u32,
    /// Field 20.
    pub(crate) field_20: u32,
    /// Field 21.
    pub(crate) field_21: u32,
    /// Field 22.
    pub(crate) field_22: u32,
    /// Field 23.
    pub(crate) field_23: u32,
    /// Field 24.
    pub(crate) field_24: u32,
    /// Field 25.
    pub(crate) field_25: u32,
    /// Field 26.
    pub(crate) field_26: u32,
    /// Field 27.
    pub(crate) field_27: u32,
    /// Field 28.
    pub(crate) field_28: u32,
    /// Field 29.
    pub(crate) field_29: u32,
    /// Field 30.
    pub(crate) field_30: u32,
    /// Field 31.
    pub(crate) field_31: u32,
    /// Field 32.
    pub(crate) field_32: u32,
    /// Field 33.
    pub(crate) field_33: u32,
    /// Field 34.
    pub(crate) field_34: u32,
    /// Field 35.
    pub(crate) field_35: u32,
    /// Field 36.
    pub(crate) field_36: u32,
    /// Field 37.
    pub(crate) field_37: u32,
    /// Field 38.
    pub(crate) field_38: u32,
    /// Field 39.
    pub(crate) field_39: u32,
    /// Field 40.
    pub(crate) field_40: u32,
    /// Field 41.
    pub(crate) field_41: u32,
    /// Field 42.
    pub(crate) field_42: u32,
    /// Field 43.
    pub(crate) field_43: u32,
    /// Field 44.
    pub(crate) field_44: u32,
    /// Field 45.
    pub(crate) field_45: u32,
    /// Field 46.
    pub(crate) field_46: u32,
    /// Field 47.
    pub(crate) field_47: u32,
    /// Field 48.
    pub(crate) field_48: u32,
    /// Field 49.
    pub(crate) field_49: u32,
}
