//! Recursive-descent parser following the CEL grammar's precedence levels:
//! `?:` < `||` < `&&` < relations and `in` < `+ -` < `* / %` < unary `! -` < member access.

use super::ast::{BinaryOp, Builder, Expr, ExprKind};
use super::error::{CompileError, CompileErrorKind};
use super::lexer::{tokenize, Spanned, Token};
use super::macros;
use super::value::{Key, Value};
use super::{MAX_DEPTH, MAX_SOURCE_BYTES};

type ParseResult = Result<Expr, CompileError>;

/// Parses a whole expression, enforcing the size and depth limits.
pub(crate) fn parse(source: &str) -> ParseResult {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(CompileError::new(
            MAX_SOURCE_BYTES,
            CompileErrorKind::TooLong,
        ));
    }
    let mut parser = Parser {
        tokens: tokenize(source)?,
        pos: 0,
        nesting: 0,
        builder: Builder::default(),
    };
    let expr = parser.expr()?;
    match parser.peek() {
        Token::Eof => Ok(expr),
        _ => Err(parser.error("unexpected token after expression")),
    }
}

pub(crate) struct Parser<'a> {
    tokens: Vec<Spanned<'a>>,
    pos: usize,
    /// Current recursion depth; bounded by `MAX_DEPTH` so input cannot exhaust the stack.
    nesting: usize,
    pub(crate) builder: Builder,
}

impl<'a> Parser<'a> {
    pub(super) fn peek(&self) -> &Token<'a> {
        self.tokens.get(self.pos).map_or(&Token::Eof, |s| &s.token)
    }

    fn peek_second(&self) -> &Token<'a> {
        self.tokens
            .get(self.pos + 1)
            .map_or(&Token::Eof, |s| &s.token)
    }

    pub(crate) fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(0, |s| s.at)
    }

    /// Takes the current token, leaving `Eof` in its place.
    pub(super) fn bump(&mut self) -> Token<'a> {
        let token = self
            .tokens
            .get_mut(self.pos)
            .map(|s| std::mem::replace(&mut s.token, Token::Eof));
        self.pos += 1;
        token.unwrap_or(Token::Eof)
    }

    pub(super) fn eat(&mut self, expected: &Token<'_>) -> bool {
        let found = self.peek() == expected;
        if found {
            self.pos += 1;
        }
        found
    }

    pub(super) fn require(
        &mut self,
        expected: &Token<'_>,
        what: &'static str,
    ) -> Result<(), CompileError> {
        if self.eat(expected) {
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn error(&self, what: &'static str) -> CompileError {
        CompileError::new(self.at(), CompileErrorKind::Syntax(what))
    }

    pub(super) fn make(&mut self, kind: ExprKind, at: usize) -> ParseResult {
        self.builder.make(kind, at)
    }

    /// Runs `parse` one nesting level deeper.
    fn nested(&mut self, parse: impl FnOnce(&mut Self) -> ParseResult) -> ParseResult {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(CompileError::new(self.at(), CompileErrorKind::TooDeep));
        }
        let result = parse(self);
        self.nesting -= 1;
        result
    }

    /// `Expr = Or ["?" Or ":" Expr]`
    pub(crate) fn expr(&mut self) -> ParseResult {
        self.nested(|p| {
            let at = p.at();
            let condition = p.logical(true)?;
            if !p.eat(&Token::Question) {
                return Ok(condition);
            }
            let then = p.logical(true)?;
            p.require(&Token::Colon, "expected ':' in conditional")?;
            let otherwise = p.expr()?;
            p.make(
                ExprKind::Conditional(condition.into(), then.into(), otherwise.into()),
                at,
            )
        })
    }

    /// `||` chains (`or`) over `&&` chains over relations, each flattened into one node.
    fn logical(&mut self, or: bool) -> ParseResult {
        let at = self.at();
        let operator = if or { Token::OrOr } else { Token::AndAnd };
        let first = if or {
            self.logical(false)?
        } else {
            self.relation()?
        };
        if self.peek() != &operator {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.eat(&operator) {
            operands.push(if or {
                self.logical(false)?
            } else {
                self.relation()?
            });
        }
        let kind = if or {
            ExprKind::Or(operands)
        } else {
            ExprKind::And(operands)
        };
        self.make(kind, at)
    }

    fn relation(&mut self) -> ParseResult {
        self.binary_level(Self::addition, |t| match t {
            Token::Less => Some(BinaryOp::Less),
            Token::LessEq => Some(BinaryOp::LessEqual),
            Token::Greater => Some(BinaryOp::Greater),
            Token::GreaterEq => Some(BinaryOp::GreaterEqual),
            Token::EqEq => Some(BinaryOp::Equal),
            Token::NotEq => Some(BinaryOp::NotEqual),
            Token::In => Some(BinaryOp::In),
            _ => None,
        })
    }

    fn addition(&mut self) -> ParseResult {
        self.binary_level(Self::multiplication, |t| match t {
            Token::Plus => Some(BinaryOp::Add),
            Token::Minus => Some(BinaryOp::Subtract),
            _ => None,
        })
    }

    fn multiplication(&mut self) -> ParseResult {
        self.binary_level(Self::unary, |t| match t {
            Token::Star => Some(BinaryOp::Multiply),
            Token::Slash => Some(BinaryOp::Divide),
            Token::Percent => Some(BinaryOp::Remainder),
            _ => None,
        })
    }

    /// A left-associative level: `operand {op operand}`.
    fn binary_level(
        &mut self,
        operand: fn(&mut Self) -> ParseResult,
        operator: fn(&Token<'_>) -> Option<BinaryOp>,
    ) -> ParseResult {
        let mut left = operand(self)?;
        while let Some(op) = operator(self.peek()) {
            let at = self.at();
            self.pos += 1;
            let right = operand(self)?;
            left = self.make(ExprKind::Binary(op, left.into(), right.into()), at)?;
        }
        Ok(left)
    }

    /// `!x`, `-x`, or a member expression. A minus directly before an integer literal makes a
    /// negative literal, so that `-9223372036854775808` is representable.
    fn unary(&mut self) -> ParseResult {
        let at = self.at();
        match (self.peek(), self.peek_second()) {
            (Token::Bang, _) => {
                self.pos += 1;
                let operand = self.nested(Self::unary)?;
                self.make(ExprKind::Not(operand.into()), at)
            }
            (Token::Minus, Token::Int(_)) if !self.literal_has_suffix() => {
                self.pos += 1;
                let Token::Int(magnitude) = self.bump() else {
                    return Err(self.error("expected integer"));
                };
                let value = 0i64
                    .checked_sub_unsigned(magnitude)
                    .ok_or_else(|| CompileError::new(at, CompileErrorKind::IntegerOutOfRange))?;
                self.make(ExprKind::Literal(Value::Int(value)), at)
            }
            (Token::Minus, _) => {
                self.pos += 1;
                let operand = self.nested(Self::unary)?;
                self.make(ExprKind::Negate(operand.into()), at)
            }
            _ => self.member(),
        }
    }

    /// Whether the token after `- <int>` continues a member expression (`-1.f()`, `-1[0]`),
    /// which binds tighter than the minus.
    fn literal_has_suffix(&self) -> bool {
        let third = self.tokens.get(self.pos + 2).map(|s| &s.token);
        matches!(third, Some(Token::Dot | Token::LBracket))
    }

    /// `Primary {"." IDENT ["(" args ")"] | "[" Expr "]"}`
    fn member(&mut self) -> ParseResult {
        let mut expr = self.primary()?;
        loop {
            let at = self.at();
            if self.eat(&Token::Dot) {
                let Token::Ident(name) = self.bump() else {
                    return Err(CompileError::new(
                        at,
                        CompileErrorKind::Syntax("expected field name"),
                    ));
                };
                if self.peek() == &Token::LParen {
                    let args = self.arguments()?;
                    expr = macros::call(self, at, Some(expr), name, args)?;
                } else {
                    let field = Key::String(name.into());
                    let select = ExprKind::Select {
                        operand: expr.into(),
                        field,
                        test_only: false,
                    };
                    expr = self.make(select, at)?;
                }
            } else if self.eat(&Token::LBracket) {
                let index = self.expr()?;
                self.require(&Token::RBracket, "expected ']'")?;
                expr = self.make(ExprKind::Index(expr.into(), index.into()), at)?;
            } else {
                return Ok(expr);
            }
        }
    }
}
