//! Splits CEL source text into tokens.

use super::convert::parse_double;
use super::error::{CompileError, CompileErrorKind};
use super::strings;

/// One token. Integer literals carry their magnitude; the parser applies a leading minus.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    Int(u64),
    Uint(u64),
    Double(f64),
    Str(String),
    Bytes(Vec<u8>),
    Ident(&'a str),
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    EqEq,
    NotEq,
    AndAnd,
    OrOr,
    Eof,
}

/// A token and the byte offset where it starts.
#[derive(Debug)]
pub(crate) struct Spanned<'a> {
    pub token: Token<'a>,
    pub at: usize,
}

/// Words CEL reserves; none may name a variable, field or function.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Tokenizes the whole source; the last token is always `Eof`.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Spanned<'_>>, CompileError> {
    let mut lexer = Lexer { source, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_trivia();
        let at = lexer.pos;
        let token = lexer.next_token()?;
        let done = token == Token::Eof;
        tokens.push(Spanned { token, at });
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    source: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.source.as_bytes().get(self.pos + ahead).copied()
    }

    fn error(&self, kind: CompileErrorKind) -> CompileError {
        CompileError::new(self.pos, kind)
    }

    fn skip_trivia(&mut self) {
        while let Some(c) = self.peek(0) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
                self.pos += 1;
            } else if c == b'/' && self.peek(1) == Some(b'/') {
                while !matches!(self.peek(0), None | Some(b'\n')) {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    fn next_token(&mut self) -> Result<Token<'a>, CompileError> {
        let Some(c) = self.peek(0) else {
            return Ok(Token::Eof);
        };
        if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) {
            return self.number();
        }
        if let Some((prefix_len, raw, bytes)) = self.string_prefix() {
            self.pos += prefix_len;
            let rest = self.source.get(self.pos..).unwrap_or_default();
            let (token, used) = strings::literal(rest, raw, bytes)
                .map_err(|(offset, kind)| CompileError::new(self.pos + offset, kind))?;
            self.pos += used;
            return Ok(token);
        }
        if c == b'_' || c.is_ascii_alphabetic() {
            return self.word();
        }
        self.punctuation(c)
    }

    /// Recognizes `"`, `'` and the prefixes `r`, `b`, `rb`, `br` (any case) before a quote.
    fn string_prefix(&self) -> Option<(usize, bool, bool)> {
        let is_quote = |c: Option<u8>| matches!(c, Some(b'"' | b'\''));
        let lower = |i| self.peek(i).map(|c: u8| c.to_ascii_lowercase());
        match (lower(0), lower(1)) {
            (Some(b'"' | b'\''), _) => Some((0, false, false)),
            (Some(b'r'), Some(b'b')) | (Some(b'b'), Some(b'r')) if is_quote(self.peek(2)) => {
                Some((2, true, true))
            }
            (Some(b'r'), _) if is_quote(self.peek(1)) => Some((1, true, false)),
            (Some(b'b'), _) if is_quote(self.peek(1)) => Some((1, false, true)),
            _ => None,
        }
    }

    fn word(&mut self) -> Result<Token<'a>, CompileError> {
        let start = self.pos;
        while self
            .peek(0)
            .is_some_and(|c| c == b'_' || c.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        let word = self.source.get(start..self.pos).unwrap_or_default();
        Ok(match word {
            "true" => Token::True,
            "false" => Token::False,
            "null" => Token::Null,
            "in" => Token::In,
            _ if RESERVED.contains(&word) => {
                return Err(CompileError::new(start, CompileErrorKind::ReservedWord))
            }
            _ => Token::Ident(word),
        })
    }

    /// `0x1f`: hexadecimal int or uint.
    fn hex_number(&mut self) -> Result<Token<'a>, CompileError> {
        let start = self.pos;
        self.pos += 2;
        let digits = self.take_while(|c| c.is_ascii_hexdigit());
        if digits.is_empty() {
            return Err(CompileError::new(start, CompileErrorKind::InvalidNumber));
        }
        let value = u64::from_str_radix(digits, 16)
            .map_err(|_| CompileError::new(start, CompileErrorKind::IntegerOutOfRange))?;
        Ok(self.integer_suffix(value))
    }

    /// Decimal int, uint (`1u`) or double (`1.5`, `.5`, `1e3`).
    fn number(&mut self) -> Result<Token<'a>, CompileError> {
        if self.peek(0) == Some(b'0') && matches!(self.peek(1), Some(b'x' | b'X')) {
            return self.hex_number();
        }
        let start = self.pos;
        let digits = self.take_while(|c| c.is_ascii_digit());
        let mut is_double = false;
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            self.take_while(|c| c.is_ascii_digit());
            is_double = true;
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.take_while(|c| c.is_ascii_digit()).is_empty() {
                return Err(self.error(CompileErrorKind::InvalidNumber));
            }
            is_double = true;
        }
        if is_double {
            let text = self.source.get(start..self.pos).unwrap_or_default();
            let value = parse_double(text)
                .ok_or(CompileError::new(start, CompileErrorKind::InvalidNumber))?;
            return Ok(Token::Double(value));
        }
        let value = digits
            .parse::<u64>()
            .map_err(|_| CompileError::new(start, CompileErrorKind::IntegerOutOfRange))?;
        Ok(self.integer_suffix(value))
    }

    fn integer_suffix(&mut self, value: u64) -> Token<'a> {
        if matches!(self.peek(0), Some(b'u' | b'U')) {
            self.pos += 1;
            Token::Uint(value)
        } else {
            Token::Int(value)
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek(0).is_some_and(&keep) {
            self.pos += 1;
        }
        self.source.get(start..self.pos).unwrap_or_default()
    }

    fn punctuation(&mut self, c: u8) -> Result<Token<'a>, CompileError> {
        let pair = match (c, self.peek(1)) {
            (b'=', Some(b'=')) => Some(Token::EqEq),
            (b'!', Some(b'=')) => Some(Token::NotEq),
            (b'<', Some(b'=')) => Some(Token::LessEq),
            (b'>', Some(b'=')) => Some(Token::GreaterEq),
            (b'&', Some(b'&')) => Some(Token::AndAnd),
            (b'|', Some(b'|')) => Some(Token::OrOr),
            _ => None,
        };
        if let Some(token) = pair {
            self.pos += 2;
            return Ok(token);
        }
        let token = match c {
            b'(' => Token::LParen,
            b')' => Token::RParen,
            b'[' => Token::LBracket,
            b']' => Token::RBracket,
            b'{' => Token::LBrace,
            b'}' => Token::RBrace,
            b'.' => Token::Dot,
            b',' => Token::Comma,
            b':' => Token::Colon,
            b'?' => Token::Question,
            b'+' => Token::Plus,
            b'-' => Token::Minus,
            b'*' => Token::Star,
            b'/' => Token::Slash,
            b'%' => Token::Percent,
            b'!' => Token::Bang,
            b'<' => Token::Less,
            b'>' => Token::Greater,
            _ => return Err(self.error(CompileErrorKind::UnexpectedCharacter)),
        };
        self.pos += 1;
        Ok(token)
    }
}
