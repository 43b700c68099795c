//! Abstract syntax tree: what the parser produces and the compiler consumes.
//!
//! Invariants (established by the parser, relied on by the compiler):
//! - Assignment targets are only `Name`, `Index` expressions (never calls or literals).
//! - `Stat::Call` holds a `Call` or `Method` expression.
//! - `Vararg` appears only inside a vararg function (the parser reports
//!   "cannot use '...' outside a vararg function").
//! - Every node carries the source line the compiler attributes to the instructions it emits:
//!   for a binary operator the operator's line, for a call the line where its arguments
//!   start (the `(`, string or `{`, as Lua 5.4.7+), for others the line of their first token.
//! - Names are identifiers as written; strings are raw bytes after escape processing.

#![forbid(unsafe_code)]

pub type Name = String;

#[derive(Debug, Clone)]
pub struct Block {
    pub stats: Vec<Stat>,
    /// `return explist` closing the block, with the line of `return`.
    pub ret: Option<(Vec<Expr>, u32)>,
    /// Line of the token that ends the block (`end`, `until`, `else`, eof...).
    pub end_line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attrib {
    None,
    Const,
    Close,
}

#[derive(Debug, Clone)]
pub enum Stat {
    /// `local n1 <attr>, n2 = e1, e2`
    Local {
        names: Vec<(Name, Attrib)>,
        exprs: Vec<Expr>,
        line: u32,
    },
    /// `t1, t2 = e1, e2` (line of the `=`)
    Assign {
        targets: Vec<Expr>,
        exprs: Vec<Expr>,
        line: u32,
    },
    /// A function call statement.
    Call(Expr),
    Do(Block),
    While {
        cond: Expr,
        body: Block,
        line: u32,
    },
    /// `repeat body until cond`; `cond` may see the body's locals.
    Repeat {
        body: Block,
        cond: Expr,
        line: u32,
    },
    /// `if c1 then b1 elseif c2 then b2 else b3 end`: (condition, line of its `then`, block);
    /// the condition's test is attributed to the `then` line, as PUC codes it after `then`.
    If {
        conds: Vec<(Expr, u32, Block)>,
        else_: Option<Block>,
        line: u32,
    },
    NumFor {
        var: Name,
        start: Expr,
        limit: Expr,
        step: Option<Expr>,
        body: Block,
        line: u32,
    },
    GenFor {
        names: Vec<Name>,
        exprs: Vec<Expr>,
        body: Block,
        line: u32,
    },
    /// `function a.b.c:m() end`: `path` = ["a","b","c"], `method` = Some("m").
    Function {
        path: Vec<Name>,
        method: Option<Name>,
        func: Box<FuncBody>,
        line: u32,
    },
    LocalFunction {
        name: Name,
        func: Box<FuncBody>,
        line: u32,
    },
    Break {
        line: u32,
    },
    Goto {
        label: Name,
        line: u32,
    },
    Label {
        name: Name,
        line: u32,
    },
}

#[derive(Debug, Clone)]
pub struct FuncBody {
    pub params: Vec<Name>,
    pub is_vararg: bool,
    /// True for `function a:m()`: an implicit first parameter `self`.
    pub is_method: bool,
    pub body: Block,
    pub line: u32,
    pub end_line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
}

impl BinOp {
    /// The arithmetic or bitwise operation of this operator, if it is one.
    pub fn arith_op(self) -> Option<crate::number::ArithOp> {
        use crate::number::ArithOp as A;
        Some(match self {
            BinOp::Add => A::Add,
            BinOp::Sub => A::Sub,
            BinOp::Mul => A::Mul,
            BinOp::Div => A::Div,
            BinOp::IDiv => A::IDiv,
            BinOp::Mod => A::Mod,
            BinOp::Pow => A::Pow,
            BinOp::BAnd => A::BAnd,
            BinOp::BOr => A::BOr,
            BinOp::BXor => A::BXor,
            BinOp::Shl => A::Shl,
            BinOp::Shr => A::Shr,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    Len,
    BNot,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: u32,
}

/// Chains of operators, indexing and calls (`a + b + c ...`, `a.b.c ...`, `f()() ...`) are
/// left-deep and as long as the source makes them, so dropping one must not recurse along
/// its left spine: the spine is unlinked node by node here.
impl Drop for Expr {
    fn drop(&mut self) {
        let mut next = take_chain_link(&mut self.kind);
        while let Some(mut e) = next {
            next = take_chain_link(&mut e.kind);
        }
    }
}

/// The left operand of a chain node when it is a chain node itself (replaced by `nil`).
fn take_chain_link(kind: &mut ExprKind) -> Option<Box<Expr>> {
    match kind {
        ExprKind::Bin(_, l, _)
        | ExprKind::Index(l, _)
        | ExprKind::Call(l, _)
        | ExprKind::Method(l, _, _)
            if matches!(
                l.kind,
                ExprKind::Bin(..) | ExprKind::Index(..) | ExprKind::Call(..) | ExprKind::Method(..)
            ) =>
        {
            let nil = Box::new(Expr {
                kind: ExprKind::Nil,
                line: 0,
            });
            Some(std::mem::replace(l, nil))
        }
        _ => None,
    }
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Nil,
    True,
    False,
    Vararg,
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Function(Box<FuncBody>),
    /// A constructor and the line of its closing `}` (PUC emits the last SETLIST after
    /// reading it, so that instruction and whatever follows belong to that line).
    Table(Vec<Field>, u32),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Un(UnOp, Box<Expr>),
    /// A variable reference (local, upvalue or global: the compiler resolves it).
    Name(Name),
    /// `obj[key]`; `a.b` is `Index(a, Str("b"))`.
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    /// `obj:name(args)`
    Method(Box<Expr>, Name, Vec<Expr>),
    /// `(e)`: truncates multiple results to one.
    Paren(Box<Expr>),
}

#[derive(Debug, Clone)]
pub enum Field {
    /// `expr` (positional)
    Pos(Expr),
    /// `name = expr` or `[k] = expr`
    Named(Expr, Expr),
}

#[derive(Debug, Clone)]
pub struct Chunk {
    pub body: Block,
}
