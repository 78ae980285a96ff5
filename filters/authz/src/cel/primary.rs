//! Primary expressions: literals, identifiers, calls, parentheses, list and map literals.

use super::ast::{Expr, ExprKind};
use super::error::{CompileError, CompileErrorKind};
use super::lexer::Token;
use super::macros;
use super::parser::Parser;
use super::value::Value;

type ParseResult = Result<Expr, CompileError>;

impl Parser<'_> {
    pub(super) fn primary(&mut self) -> ParseResult {
        let at = self.at();
        let value = match self.bump() {
            Token::Int(magnitude) => Value::Int(
                i64::try_from(magnitude)
                    .map_err(|_| CompileError::new(at, CompileErrorKind::IntegerOutOfRange))?,
            ),
            Token::Uint(u) => Value::Uint(u),
            Token::Double(d) => Value::Double(d),
            Token::Str(s) => Value::from(s),
            Token::Bytes(b) => Value::Bytes(b.into()),
            Token::True => Value::Bool(true),
            Token::False => Value::Bool(false),
            Token::Null => Value::Null,
            Token::Ident(name) if self.peek() == &Token::LParen => {
                let args = self.arguments()?;
                return macros::call(self, at, None, name, args);
            }
            Token::Ident(name) => return self.make(ExprKind::Ident(name.into()), at),
            Token::LParen => {
                let inner = self.expr()?;
                self.require(&Token::RParen, "expected ')'")?;
                return Ok(inner);
            }
            Token::LBracket => return self.list(at),
            Token::LBrace => return self.map(at),
            _ => {
                return Err(CompileError::new(
                    at,
                    CompileErrorKind::Syntax("expected expression"),
                ))
            }
        };
        self.make(ExprKind::Literal(value), at)
    }

    /// `"(" [Expr {"," Expr}] ")"`
    pub(super) fn arguments(&mut self) -> Result<Vec<Expr>, CompileError> {
        self.require(&Token::LParen, "expected '('")?;
        let mut args = Vec::new();
        if self.eat(&Token::RParen) {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(&Token::RParen) {
                return Ok(args);
            }
            self.require(&Token::Comma, "expected ',' or ')'")?;
        }
    }

    /// After `[`: `[Expr {"," Expr}] [","] "]"`
    fn list(&mut self, at: usize) -> ParseResult {
        let mut items = Vec::new();
        while !self.eat(&Token::RBracket) {
            items.push(self.expr()?);
            if !self.eat(&Token::Comma) {
                self.require(&Token::RBracket, "expected ',' or ']'")?;
                break;
            }
        }
        self.make(ExprKind::List(items), at)
    }

    /// After `{`: `[Expr ":" Expr {"," Expr ":" Expr}] [","] "}"`
    fn map(&mut self, at: usize) -> ParseResult {
        let mut entries = Vec::new();
        while !self.eat(&Token::RBrace) {
            let key = self.expr()?;
            self.require(&Token::Colon, "expected ':' in map literal")?;
            entries.push((key, self.expr()?));
            if !self.eat(&Token::Comma) {
                self.require(&Token::RBrace, "expected ',' or '}'")?;
                break;
            }
        }
        self.make(ExprKind::Map(entries), at)
    }
}
