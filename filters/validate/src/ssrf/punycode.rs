//! Punycode (RFC 3492) decoding, only to tell a real `xn--` label from a fake one.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// The Unicode label `encoded` (the part after `xn--`) stands for; `None` when it is not valid
/// Punycode or encodes a basic (ASCII) code point in its encoded part.
pub fn decode(encoded: &str) -> Option<String> {
    if !encoded.is_ascii() {
        return None;
    }
    let (basic, deltas) = match encoded.rfind('-') {
        Some(at) => (encoded.get(..at)?, encoded.get(at + 1..)?),
        None => ("", encoded),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let mut digits = deltas.as_bytes().iter();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while !digits.as_slice().is_empty() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = digit_value(*digits.next()?)?;
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = threshold(k, bias);
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k = k.checked_add(BASE)?;
        }
        let length = u32::try_from(output.len()).ok()?.checked_add(1)?;
        bias = adapt(i - old_i, length, old_i == 0);
        n = n.checked_add(i / length)?;
        i %= length;
        let c = char::from_u32(n).filter(|c| !c.is_ascii())?;
        let at = usize::try_from(i).ok().filter(|at| *at <= output.len())?;
        output.insert(at, c);
        i += 1;
    }
    Some(output.into_iter().collect())
}

fn digit_value(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_real_labels_and_refuses_fakes() {
        let cases = [
            ("bcher-kva", Some("bücher")),
            ("mnchen-3ya", Some("münchen")),
            ("wgv71a119e", Some("日本語")),
            ("ls8h", Some("💩")),
            ("-", Some("")),
            ("abc", Some("\u{82}\u{81}\u{80}")),
            ("a-!", None),
            ("zzzzzzzzzzzzzzzzzzzzzzzzzzz", None),
        ];
        for (encoded, expected) in cases {
            assert_eq!(decode(encoded).as_deref(), expected, "{encoded}");
        }
    }
}
