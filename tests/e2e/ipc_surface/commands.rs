//! Reads the window's commands out of `desktop/commands.rs`: every function marked
//! `#[tauri::command]`, its documentation, the arguments the page sends and the answer.

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// One IPC command as the page sees it.
pub struct Command {
    /// The Rust function's name, which is the command's name on the IPC.
    pub name: String,
    pub docs: Vec<String>,
    pub args: Vec<Arg>,
    /// The answer; `None` for a command that answers nothing (`()`).
    pub answer: Option<TsType>,
}

pub struct Arg {
    /// The name the page sends it under (Tauri's camelCase of the Rust name).
    pub name: String,
    pub kind: ArgKind,
}

pub enum ArgKind {
    /// A value sent as JSON; `wide` for a 64-bit integer, which TypeScript holds as a
    /// `bigint` but the IPC carries as a number.
    Value { ty: TsType, wide: bool },
    /// A `tauri::ipc::Channel` the backend sends messages of this type on.
    Channel { message: TsType },
}

/// A TypeScript type and the generated bindings it names.
pub struct TsType {
    pub text: String,
    pub bindings: Vec<String>,
}

/// Arguments Tauri fills in itself; the page never sends them.
const INJECTED: [&str; 4] = ["State", "AppHandle", "Window", "WebviewWindow"];

pub fn parse(source: &str) -> Result<Vec<Command>, String> {
    let file = syn::parse_file(source).map_err(|e| format!("commands.rs does not parse: {e}"))?;
    let mut commands = Vec::new();
    for item in file.items {
        let Item::Fn(function) = item else { continue };
        if !function
            .attrs
            .iter()
            .any(|a| a.path().segments.iter().map(|s| s.ident.to_string()).eq(["tauri", "command"]))
        {
            continue;
        }
        let name = function.sig.ident.to_string();
        let fail = |what: String| format!("command {name}: {what}");
        let mut args = Vec::new();
        for input in &function.sig.inputs {
            let FnArg::Typed(typed) = input else { return Err(fail("takes self".into())) };
            if INJECTED.contains(&last_segment(&typed.ty).unwrap_or_default().as_str()) {
                continue;
            }
            let Pat::Ident(ident) = &*typed.pat else { return Err(fail("an argument without a plain name".into())) };
            let kind = if last_segment(&typed.ty).as_deref() == Some("Channel") {
                ArgKind::Channel { message: ts_type(single_generic(&typed.ty).map_err(&fail)?).map_err(&fail)? }
            } else {
                let wide = matches!(last_segment(&typed.ty).as_deref(), Some("i64" | "u64"));
                ArgKind::Value { ty: ts_type(&typed.ty).map_err(&fail)?, wide }
            };
            args.push(Arg { name: camel_case(&ident.ident.to_string()), kind });
        }
        let answer = match &function.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => answer_type(ty).map_err(&fail)?,
        };
        commands.push(Command { name, docs: docs(&function.attrs), args, answer });
    }
    Ok(commands)
}

/// `Result<T, AppError>` answers `T` (the error is the page's `AppError`); `()` nothing.
fn answer_type(ty: &Type) -> Result<Option<TsType>, String> {
    let inner = if last_segment(ty).as_deref() == Some("Result") { first_generic(ty)? } else { ty };
    if matches!(inner, Type::Tuple(t) if t.elems.is_empty()) {
        return Ok(None);
    }
    ts_type(inner).map(Some)
}

/// The TypeScript for a Rust type, as ts-rs writes the bindings.
fn ts_type(ty: &Type) -> Result<TsType, String> {
    let plain = |text: &str| Ok(TsType { text: text.into(), bindings: Vec::new() });
    match ty {
        Type::Reference(r) => ts_type(&r.elem),
        Type::Path(_) => {
            let name = last_segment(ty).ok_or("an unnamed type")?;
            match name.as_str() {
                "String" | "str" => plain("string"),
                "bool" => plain("boolean"),
                "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "f32" | "f64" | "usize" | "i64" | "u64" => {
                    plain("number")
                }
                "Option" => {
                    let inner = ts_type(first_generic(ty)?)?;
                    Ok(TsType { text: format!("{} | null", inner.text), bindings: inner.bindings })
                }
                "Vec" => {
                    let inner = ts_type(first_generic(ty)?)?;
                    let text = if inner.text.contains(' ') {
                        format!("({})[]", inner.text)
                    } else {
                        format!("{}[]", inner.text)
                    };
                    Ok(TsType { text, bindings: inner.bindings })
                }
                _ if matches!(&ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.arguments.is_empty())) => {
                    Ok(TsType { text: name.clone(), bindings: vec![name] })
                }
                _ => Err(format!("no TypeScript for the generic type {name}")),
            }
        }
        _ => Err("a type the generator cannot name in TypeScript".into()),
    }
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => last_segment(&r.elem),
        _ => None,
    }
}

fn generics(ty: &Type) -> Vec<&Type> {
    let Type::Path(p) = ty else { return Vec::new() };
    let Some(PathArguments::AngleBracketed(args)) = p.path.segments.last().map(|s| &s.arguments) else {
        return Vec::new();
    };
    args.args.iter().filter_map(|a| if let GenericArgument::Type(t) = a { Some(t) } else { None }).collect()
}

fn first_generic(ty: &Type) -> Result<&Type, String> {
    generics(ty).into_iter().next().ok_or_else(|| "a generic type without its parameter".into())
}

fn single_generic(ty: &Type) -> Result<&Type, String> {
    match generics(ty).as_slice() {
        [only] => Ok(only),
        _ => Err("a Channel needs exactly one message type".into()),
    }
}

fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `patient_ref` → `patientRef`, as Tauri renames command arguments.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
