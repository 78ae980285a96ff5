//! A recursive-descent reader for executable GraphQL documents: operations and fragments only
//! (a schema definition in a request is refused), nesting bounded so that the stack is too.

use super::ast::{Document, Field, Fragment, Operation, OperationKind, Selection, Value};
use super::lexer::{Kind, Token};

/// Deepest nesting of selection sets, lists, objects and types the reader follows.
pub const MAX_NESTING: usize = 64;

/// Why a document was not read; `at` is the offending token's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: usize,
    pub nested_too_deeply: bool,
}

type Parsed<T> = Result<T, SyntaxError>;

pub fn parse(tokens: &[Token<'_>]) -> Parsed<Document> {
    let mut parser = Parser { tokens, at: 0 };
    let mut document = Document::default();
    while parser.peek().is_some() {
        if parser.is_name("fragment") {
            document.fragments.push(parser.fragment()?);
        } else {
            document.operations.push(parser.operation()?);
        }
    }
    if document.operations.is_empty() {
        return Err(parser.error());
    }
    Ok(document)
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    at: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.at).copied()
    }

    fn error(&self) -> SyntaxError {
        SyntaxError {
            at: self.at,
            nested_too_deeply: false,
        }
    }

    fn is_punct(&self, p: u8) -> bool {
        self.peek().is_some_and(|t| t.kind == Kind::Punct(p))
    }

    fn is_name(&self, name: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Kind::Name && t.text == name)
    }

    fn eat_punct(&mut self, p: u8) -> bool {
        let found = self.is_punct(p);
        self.at += usize::from(found);
        found
    }

    fn expect_punct(&mut self, p: u8) -> Parsed<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn name(&mut self) -> Parsed<&'a str> {
        match self.peek() {
            Some(Token {
                kind: Kind::Name,
                text,
            }) => {
                self.at += 1;
                Ok(text)
            }
            _ => Err(self.error()),
        }
    }

    fn nest(&self, depth: usize) -> Parsed<usize> {
        if depth >= MAX_NESTING {
            return Err(SyntaxError {
                at: self.at,
                nested_too_deeply: true,
            });
        }
        Ok(depth + 1)
    }

    fn operation(&mut self) -> Parsed<Operation> {
        if self.is_punct(b'{') {
            return Ok(Operation {
                kind: OperationKind::Query,
                name: None,
                defaults: Vec::new(),
                directives: 0,
                selections: self.selection_set(0)?,
            });
        }
        let kind = match self.name()? {
            "query" => OperationKind::Query,
            "mutation" => OperationKind::Mutation,
            "subscription" => OperationKind::Subscription,
            _ => {
                return Err(SyntaxError {
                    at: self.at - 1,
                    nested_too_deeply: false,
                })
            }
        };
        let name = match self.peek() {
            Some(t) if t.kind == Kind::Name => Some(self.name()?.to_string()),
            _ => None,
        };
        let defaults = self.variable_definitions()?;
        let directives = self.directives()?;
        let selections = self.selection_set(0)?;
        Ok(Operation {
            kind,
            name,
            defaults,
            directives,
            selections,
        })
    }

    fn fragment(&mut self) -> Parsed<Fragment> {
        self.at += 1;
        let name = self.name()?;
        if name == "on" {
            return Err(SyntaxError {
                at: self.at - 1,
                nested_too_deeply: false,
            });
        }
        if self.name()? != "on" {
            return Err(SyntaxError {
                at: self.at - 1,
                nested_too_deeply: false,
            });
        }
        self.name()?;
        let directives = self.directives()?;
        let selections = self.selection_set(0)?;
        Ok(Fragment {
            name: name.to_string(),
            directives,
            selections,
        })
    }

    /// `($name: Type = default @dir ...)`: the defaults are kept.
    fn variable_definitions(&mut self) -> Parsed<Vec<(String, Value)>> {
        let mut defaults = Vec::new();
        if !self.eat_punct(b'(') {
            return Ok(defaults);
        }
        loop {
            self.expect_punct(b'$')?;
            let name = self.name()?;
            self.expect_punct(b':')?;
            self.type_reference(0)?;
            if self.eat_punct(b'=') {
                defaults.push((name.to_string(), self.value(0, true)?));
            }
            self.directives()?;
            if self.eat_punct(b')') {
                return Ok(defaults);
            }
        }
    }

    fn type_reference(&mut self, depth: usize) -> Parsed<()> {
        if self.eat_punct(b'[') {
            self.type_reference(self.nest(depth)?)?;
            self.expect_punct(b']')?;
        } else {
            self.name()?;
        }
        self.eat_punct(b'!');
        Ok(())
    }

    /// Counts `@name(args)` directives.
    fn directives(&mut self) -> Parsed<usize> {
        let mut count = 0;
        while self.eat_punct(b'@') {
            self.name()?;
            self.arguments(0)?;
            count += 1;
        }
        Ok(count)
    }

    fn arguments(&mut self, depth: usize) -> Parsed<Vec<(String, Value)>> {
        let mut arguments = Vec::new();
        if !self.eat_punct(b'(') {
            return Ok(arguments);
        }
        loop {
            let name = self.name()?;
            self.expect_punct(b':')?;
            arguments.push((name.to_string(), self.value(depth, false)?));
            if self.eat_punct(b')') {
                return Ok(arguments);
            }
        }
    }

    fn selection_set(&mut self, depth: usize) -> Parsed<Vec<Selection>> {
        let depth = self.nest(depth)?;
        self.expect_punct(b'{')?;
        let mut selections = Vec::new();
        loop {
            selections.push(self.selection(depth)?);
            if self.eat_punct(b'}') {
                return Ok(selections);
            }
        }
    }

    fn selection(&mut self, depth: usize) -> Parsed<Selection> {
        if self.peek().is_some_and(|t| t.kind == Kind::Spread) {
            self.at += 1;
            return self.fragment_selection(depth);
        }
        let first = self.name()?;
        let (alias, name) = if self.eat_punct(b':') {
            (Some(first.to_string()), self.name()?)
        } else {
            (None, first)
        };
        let arguments = self.arguments(depth)?;
        let directives = self.directives()?;
        let selections = if self.is_punct(b'{') {
            self.selection_set(depth)?
        } else {
            Vec::new()
        };
        Ok(Selection::Field(Field {
            alias,
            name: name.to_string(),
            arguments,
            directives,
            selections,
        }))
    }

    /// After `...`: an inline fragment (`on Type`, directives or a selection set follow) or
    /// a spread of a named fragment.
    fn fragment_selection(&mut self, depth: usize) -> Parsed<Selection> {
        if !(self.is_name("on") || self.is_punct(b'{') || self.is_punct(b'@')) {
            let name = self.name()?.to_string();
            let directives = self.directives()?;
            return Ok(Selection::Spread { name, directives });
        }
        if self.is_name("on") {
            self.at += 1;
            self.name()?;
        }
        let directives = self.directives()?;
        let selections = self.selection_set(depth)?;
        Ok(Selection::Inline {
            directives,
            selections,
        })
    }

    /// A value; variables are refused where only constants may stand (defaults).
    fn value(&mut self, depth: usize, constant: bool) -> Parsed<Value> {
        let depth = self.nest(depth)?;
        let token = self.peek().ok_or_else(|| self.error())?;
        match token.kind {
            Kind::Punct(b'$') if !constant => {
                self.at += 1;
                Ok(Value::Variable(self.name()?.to_string()))
            }
            Kind::Punct(b'[') => {
                self.at += 1;
                while !self.eat_punct(b']') {
                    self.value(depth, constant)?;
                }
                Ok(Value::Other)
            }
            Kind::Punct(b'{') => {
                self.at += 1;
                while !self.eat_punct(b'}') {
                    self.name()?;
                    self.expect_punct(b':')?;
                    self.value(depth, constant)?;
                }
                Ok(Value::Other)
            }
            Kind::Int => {
                self.at += 1;
                Ok(Value::Int(token.text.parse().ok()))
            }
            Kind::Float | Kind::Str | Kind::Name => {
                self.at += 1;
                Ok(Value::Other)
            }
            Kind::Punct(_) | Kind::Spread => Err(self.error()),
        }
    }
}
