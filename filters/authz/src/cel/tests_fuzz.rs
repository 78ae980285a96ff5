//! Fuzz-style robustness: thousands of random and mutated inputs must compile or be refused,
//! and evaluate or fail, without panicking.

use super::tests::activation;
use super::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SEEDS: &[&str] = &[
    "principal.scopes.exists(s, s.startsWith('transfers:')) && request.method == 'GET'",
    "has(principal.claims.tenant) ? principal.claims.tenant == path.accountId : false",
    "[1, 2, 3].map(x, x > 1, x * 10) == [20, 30] || size(request.headers) > 2",
    "now - timestamp('2026-01-01T00:00:00Z') < duration('1h30m') && now.getHours() < 18",
    "{'a': [1u, 2.5, b'\\x00', r'\\d', '''x''']}.a.filter(v, v != null).size() >= -9223372036854775808",
    "int(request.query.limit) % 7 / 2 - 1 in [0, 1, 2, 3].filter(x, x < 5)",
    "!(source.address.contains('.')) || principal.roles.all(r, r.lowerAscii() == r)",
];

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ".",
    ",",
    ":",
    "?",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "<",
    "<=",
    ">=",
    "==",
    "!=",
    "&&",
    "||",
    " in ",
    "'a'",
    "\"\\x4",
    "'\\u00e9'",
    "1",
    "0",
    "2u",
    "1.5",
    "9223372036854775807",
    "x",
    "principal",
    "request",
    "big",
    "now",
    ".all(x, ",
    ".map(x, ",
    ".exists_one(x, ",
    "has(",
    "size(",
    "int(",
    "string(",
    "timestamp('",
    "duration('1s')",
    "'''",
    "r'",
    "b'",
    " ",
    "\n",
    "//c\n",
    "true",
    "null",
    "é",
    "\\",
    "#",
];

fn exercise(source: &str, activation: &Activation, stats: &mut [usize; 3]) {
    match Program::compile(source) {
        Err(error) => {
            assert!(error.offset <= source.len(), "{source:?}: {error}");
            stats[0] += 1;
        }
        Ok(program) => match program.evaluate(activation) {
            Ok(_) => stats[1] += 1,
            Err(_) => stats[2] += 1,
        },
    }
}

fn mutate(rng: &mut Rng, source: &str) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for _ in 0..=rng.below(2) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 => chars
                .splice(at..at, rng.pick(TOKENS).chars())
                .for_each(drop),
            1 if at < chars.len() => {
                let end = (at + rng.below(8)).min(chars.len());
                chars.drain(at..end);
            }
            2 if at < chars.len() => chars[at] = rng.pick(TOKENS).chars().next().unwrap_or(' '),
            _ => {
                let end = (at + rng.below(16)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy).for_each(drop);
            }
        }
    }
    chars.into_iter().collect()
}

/// `CEL_FUZZ_ROUNDS=100 cargo test -p palisade-authz cel::tests_fuzz` runs a longer campaign.
#[test]
fn random_and_mutated_inputs_never_panic() {
    let activation = activation();
    let rounds: usize = std::env::var("CEL_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ rounds as u64);
    // [refused at compile time, evaluated to a value, evaluation error]
    let mut stats = [0usize; 3];

    for _ in 0..3000 * rounds {
        let seed = rng.pick(SEEDS);
        exercise(&mutate(&mut rng, seed), &activation, &mut stats);
    }
    for _ in 0..2000 * rounds {
        let length = rng.below(40);
        let source: String = (0..length).map(|_| rng.pick(TOKENS)).collect();
        exercise(&source, &activation, &mut stats);
    }
    for _ in 0..1000 * rounds {
        let bytes: Vec<u8> = (0..rng.below(64))
            .map(|_| (rng.next() >> 56) as u8)
            .collect();
        exercise(&String::from_utf8_lossy(&bytes), &activation, &mut stats);
    }

    // Each outcome must occur, or the generator is not reaching the evaluator at all.
    eprintln!("fuzz outcomes: {stats:?}");
    assert!(stats.iter().all(|&count| count > 50), "{stats:?}");
}

#[test]
fn seeds_compile_and_evaluate() {
    let activation = activation();
    for seed in SEEDS {
        let program = Program::compile(seed).unwrap_or_else(|e| panic!("{seed}: {e}"));
        let result = program.evaluate(&activation);
        assert!(result.is_ok(), "{seed}: {result:?}");
    }
}
