//! GraphQL's lexical grammar (October 2021 spec): punctuators, names, numbers and strings, with
//! whitespace, commas and comments skipped. The token count is bounded while lexing, so a huge
//! document costs no more than the limit.

/// What a token is; strings and numbers keep their source text (only integers are read later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of `! $ & ( ) : = @ [ ] { | }`.
    Punct(u8),
    /// `...`
    Spread,
    Name,
    Int,
    Float,
    Str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

/// Why a document could not be read as tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexError {
    TooManyTokens,
    Unexpected,
    UnterminatedString,
    BadEscape,
    BadNumber,
}

/// The document's tokens, at most `max_tokens` of them.
pub fn tokens(source: &str, max_tokens: usize) -> Result<Vec<Token<'_>>, LexError> {
    let mut lexer = Lexer { source, at: 0 };
    let mut out = Vec::new();
    while let Some(token) = lexer.next()? {
        if out.len() == max_tokens {
            return Err(LexError::TooManyTokens);
        }
        out.push(token);
    }
    Ok(out)
}

struct Lexer<'a> {
    source: &'a str,
    at: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a [u8] {
        self.source.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.source.as_bytes().get(self.at + ahead).copied()
    }

    fn take(&mut self, kind: Kind, start: usize) -> Result<Option<Token<'a>>, LexError> {
        let text = self
            .source
            .get(start..self.at)
            .ok_or(LexError::Unexpected)?;
        Ok(Some(Token { kind, text }))
    }

    fn next(&mut self) -> Result<Option<Token<'a>>, LexError> {
        self.skip_ignored()?;
        let start = self.at;
        let Some(b) = self.peek(0) else {
            return Ok(None);
        };
        match b {
            b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{' | b'|'
            | b'}' => {
                self.at += 1;
                self.take(Kind::Punct(b), start)
            }
            b'.' if self.peek(1) == Some(b'.') && self.peek(2) == Some(b'.') => {
                self.at += 3;
                self.take(Kind::Spread, start)
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                while self.peek(0).is_some_and(is_name_byte) {
                    self.at += 1;
                }
                self.take(Kind::Name, start)
            }
            b'-' | b'0'..=b'9' => {
                let kind = self.number()?;
                self.take(kind, start)
            }
            b'"' => {
                self.string()?;
                self.take(Kind::Str, start)
            }
            _ => Err(LexError::Unexpected),
        }
    }

    /// Spaces, tabs, line ends, commas, a byte-order mark and `#` comments.
    fn skip_ignored(&mut self) -> Result<(), LexError> {
        loop {
            match self.peek(0) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',') => self.at += 1,
                Some(0xef) if self.rest().starts_with("\u{feff}".as_bytes()) => self.at += 3,
                Some(b'#') => {
                    while self.peek(0).is_some_and(|b| b != b'\n' && b != b'\r') {
                        self.check_source_byte()?;
                        self.at += 1;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Controls other than tab and line ends are not GraphQL source characters.
    fn check_source_byte(&self) -> Result<(), LexError> {
        match self.peek(0) {
            Some(b) if b < 0x20 && b != b'\t' => Err(LexError::Unexpected),
            Some(0x7f) => Err(LexError::Unexpected),
            _ => Ok(()),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-?(0|[1-9][0-9]*)`, then an optional fraction and exponent; no name may follow.
    fn number(&mut self) -> Result<Kind, LexError> {
        if self.peek(0) == Some(b'-') {
            self.at += 1;
        }
        let leading_zero = self.peek(0) == Some(b'0');
        let count = self.digits();
        if count == 0 || (leading_zero && count > 1) {
            return Err(LexError::BadNumber);
        }
        let mut kind = Kind::Int;
        if self.peek(0) == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(LexError::BadNumber);
            }
            kind = Kind::Float;
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(LexError::BadNumber);
            }
            kind = Kind::Float;
        }
        if self.peek(0).is_some_and(|b| is_name_byte(b) || b == b'.') {
            return Err(LexError::BadNumber);
        }
        Ok(kind)
    }

    fn string(&mut self) -> Result<(), LexError> {
        if self.peek(1) == Some(b'"') && self.peek(2) == Some(b'"') {
            return self.block_string();
        }
        self.at += 1;
        loop {
            match self.peek(0) {
                None | Some(b'\n' | b'\r') => return Err(LexError::UnterminatedString),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape()?,
                Some(_) => {
                    self.check_source_byte()?;
                    self.at += 1;
                }
            }
        }
    }

    /// `\" \\ \/ \b \f \n \r \t`, `\uXXXX` or `\u{X…}`.
    fn escape(&mut self) -> Result<(), LexError> {
        self.at += 1;
        match self.peek(0) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 1,
            Some(b'u') if self.peek(1) == Some(b'{') => {
                self.at += 2;
                let count = self.hex_digits();
                if !(1..=6).contains(&count) || self.peek(0) != Some(b'}') {
                    return Err(LexError::BadEscape);
                }
                self.at += 1;
            }
            Some(b'u') => {
                self.at += 1;
                if self.hex_digits() != 4 {
                    return Err(LexError::BadEscape);
                }
            }
            _ => return Err(LexError::BadEscape),
        }
        Ok(())
    }

    fn hex_digits(&mut self) -> usize {
        let start = self.at;
        while self.peek(0).is_some_and(|b| b.is_ascii_hexdigit()) && self.at - start < 7 {
            self.at += 1;
        }
        self.at - start
    }

    fn block_string(&mut self) -> Result<(), LexError> {
        self.at += 3;
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(LexError::UnterminatedString);
            }
            if rest.starts_with(b"\\\"\"\"") {
                self.at += 4;
            } else if rest.starts_with(b"\"\"\"") {
                self.at += 3;
                return Ok(());
            } else {
                if self.peek(0) != Some(b'\n') && self.peek(0) != Some(b'\r') {
                    self.check_source_byte()?;
                }
                self.at += 1;
            }
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}
