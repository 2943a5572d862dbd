//! Deterministic pseudo-randomness: the same (seed, inputs) always give the same number, on every
//! machine and Rust version (std's hashers promise neither).

/// FNV-1a over the parts (separated so `("ab","c")` ≠ `("a","bc")`), finished with splitmix64.
pub fn h(seed: u64, parts: &[&str]) -> u64 {
    let mut x: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            x ^= u64::from(b);
            x = x.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    splitmix(x)
}

pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A value in `[-range, range]` (integer, e.g. basis points).
pub fn signed(v: u64, range: i64) -> i64 {
    (v % (2 * range as u64 + 1)) as i64 - range
}

/// True with probability `per_mille` / 1000.
pub fn chance(v: u64, per_mille: u64) -> bool {
    v % 1000 < per_mille
}
