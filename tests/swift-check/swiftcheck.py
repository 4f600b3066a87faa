"""A syntax and API check of the iOS shell's Swift, without a Swift compiler.

There is no Swift toolchain on the Linux build machine, so `make test-swift`
does what can be done without one:

1. Syntax: every `ios/**/*.swift` is parsed with tree-sitter-swift (a real
   Swift grammar, not a regex); a file with a syntax error fails.
2. Calls into our bindings: the API is read from the generated
   `MmCore.swift` itself (parsed with the same grammar), and every use of it
   in the app is checked against it:
   - methods of `MmCore` and the free functions: the name, the argument
     labels in order (defaulted parameters may be left out), `try` where the
     function `throws`, `await` where it is `async`;
   - records: the memberwise init's labels in order, and every field read
     (`detail.event.title`, key paths `\\.id`) on a value of a record type;
   - enums: every case named (`Layer.bikePaths`, `.north` where the
     expected type is known, `case .review:`), `allCases` only where the
     bindings declare `CaseIterable`, a `switch` without `default` covers
     every case, and an error case pattern has as many values as the case;
   - every called function and every type name resolves: to the app's own
     declarations, to the bindings, or to `platform-names.txt` (the Apple
     and standard-library names the app uses, listed by hand). A renamed
     core function or type therefore fails until the Swift is updated.

What it does not do (Xcode does): type-check Swift in general. The types of
expressions are followed only as far as the app's own declarations, the
bindings and a few collection methods say; where a receiver's type is
unknown (an Apple API's result), nothing is checked about the call. Uses of
SwiftUI, Foundation, EventKit or MapKit are not checked at all beyond their
names being listed.

Usage: swiftcheck.py --bindings MmCore.swift [--platform names.txt] DIR_OR_FILE...
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts
import tree_sitter_swift as tss

LANGUAGE = ts.Language(tss.language())


def parser() -> ts.Parser:
    return ts.Parser(LANGUAGE)


# ---------------------------------------------------------------------------
# Types, as canonical strings: `GeoPoint`, `GeoPoint?`, `[GeoPoint]`,
# `[String: String]`, `type:Layer` (the metatype, as in `Layer.north`).
# `None` means unknown: nothing is checked against an unknown type.


def unwrap(t: str | None) -> str | None:
    while t and t.endswith("?"):
        t = t[:-1]
    return t


def element(t: str | None) -> str | None:
    t = unwrap(t)
    if t and t.startswith("[") and t.endswith("]") and ": " not in t:
        return t[1:-1]
    return None


def type_of_node(node: ts.Node | None) -> str | None:
    """The canonical string of a type node, or None for what is not followed."""
    if node is None:
        return None
    k = node.type
    if k == "type_annotation":
        return type_of_node(node.child_by_field_name("name") or last_named(node))
    if k == "user_type":
        parts = [c.text.decode() for c in node.named_children if c.type == "type_identifier"]
        name = ".".join(parts)
        # `Swift.Error` and `Foundation.Notification` name the same types.
        return name.split(".")[-1] if parts and parts[0] in ("Swift", "Foundation") else name
    if k == "optional_type":
        inner = type_of_node(node.child_by_field_name("wrapped") or node.named_children[0])
        return inner + "?" if inner else None
    if k == "implicitly_unwrapped_type":
        return type_of_node(node.named_children[0]) if node.named_children else None
    if k == "array_type":
        inner = type_of_node(node.child_by_field_name("name") or node.named_children[0])
        return f"[{inner}]" if inner else None
    if k == "dictionary_type":
        kids = [c for c in node.named_children]
        if len(kids) == 2:
            a, b = type_of_node(kids[0]), type_of_node(kids[1])
            if a and b:
                return f"[{a}: {b}]"
        return None
    if k == "tuple_type" and len(node.named_children) == 1:
        return type_of_node(node.named_children[0].named_children[-1] if node.named_children[0].named_children else None)
    if k == "tuple_type_item" and node.named_children:
        return type_of_node(node.named_children[-1])
    return None


def last_named(node: ts.Node) -> ts.Node | None:
    return node.named_children[-1] if node.named_children else None


TYPE_NODES = {"user_type", "optional_type", "array_type", "dictionary_type", "tuple_type",
              "function_type", "opaque_type", "existential_type", "implicitly_unwrapped_type",
              "metatype", "protocol_composition_type"}


# ---------------------------------------------------------------------------
# The bindings' API, read from the generated MmCore.swift.


@dataclass
class Param:
    label: str | None  # None: no label (`_`)
    type: str | None
    has_default: bool


@dataclass
class Func:
    name: str
    params: list[Param]
    throws: bool = False
    is_async: bool = False
    returns: str | None = None

    def signature(self) -> str:
        labels = "".join(f"{p.label or '_'}:" for p in self.params)
        return f"{self.name}({labels})"


@dataclass
class Record:
    name: str
    fields: dict[str, str | None]
    init: Func


@dataclass
class Enum:
    name: str
    # case name -> its associated values (empty list: none)
    cases: dict[str, list[Param]]
    is_error: bool = False
    case_iterable: bool = False


@dataclass
class ClassApi:
    name: str
    methods: dict[str, Func]
    inits: list[Func]


@dataclass
class Api:
    classes: dict[str, ClassApi] = field(default_factory=dict)
    protocols: dict[str, dict[str, Func]] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    functions: dict[str, Func] = field(default_factory=dict)

    def type_names(self) -> set[str]:
        return set(self.classes) | set(self.protocols) | set(self.records) | set(self.enums)


def is_public(node: ts.Node) -> bool:
    for c in node.children:
        if c.type == "modifiers":
            for m in c.named_children:
                if m.type == "visibility_modifier" and m.text.decode().split("(")[0] in ("public", "open"):
                    return True
    return False


def decl_kind(node: ts.Node) -> str | None:
    k = node.child_by_field_name("declaration_kind")
    return k.text.decode() if k is not None else None


def ident(text: str) -> str:
    return text.strip("`")


def read_func(node: ts.Node) -> Func:
    """A function, init or protocol requirement: name, parameters (with
    defaults), throws/async, return type."""
    name_node = node.child_by_field_name("name")
    name = ident(name_node.text.decode()) if name_node is not None else "init"
    params: list[Param] = []
    throws = is_async = False
    returns = None
    seen_arrow = False
    for i, c in enumerate(node.children):
        fname = node.field_name_for_child(i)
        if c.type == "parameter":
            params.append(read_param(c))
        elif fname == "default_value" and params:
            params[-1].has_default = True
        elif c.type in ("throws", "throw_keyword") or c.text == b"throws":
            throws = True
        elif c.type == "async" or (c.type == "async_keyword") or c.text == b"async" and not seen_arrow:
            is_async = True
        elif c.type == "->":
            seen_arrow = True
        elif seen_arrow and c.type in TYPE_NODES and returns is None:
            returns = type_of_node(c)
    return Func(name, params, throws, is_async, returns)


def read_param(p: ts.Node) -> Param:
    ext = p.child_by_field_name("external_name")
    names = [c for c in p.named_children if c.type == "simple_identifier"]
    type_node = next((c for c in reversed(p.named_children) if c.type in TYPE_NODES), None)
    if ext is not None:
        label = ident(ext.text.decode())
    else:
        label = ident(names[0].text.decode()) if names else None
    return Param(None if label == "_" else label, type_of_node(type_node), False)


INTERNAL_PREFIXES = ("FfiConverter", "Uniffi", "uniffi", "_Uniffi", "RustBuffer", "ForeignBytes",
                     "RustCallStatus", "NoHandle", "UnsafeMutable")


def load_api(source: bytes) -> tuple[Api, list[str]]:
    """The public API of a UniFFI-generated Swift file. Returns the API and
    the problems met while reading it (parse errors inside public declarations)."""
    # `@_documentation(visibility: private)` inside `#if swift(>=5.8)` is not
    # in tree-sitter-swift's grammar; it only hides internals from DocC.
    text = re.sub(rb"(?m)^[ \t]*@_documentation\(visibility: private\)[ \t]*$", b"", source)
    tree = parser().parse(text)
    api = Api()
    problems: list[str] = []

    def visit(node: ts.Node):
        for c in node.named_children:
            if c.type == "class_declaration":
                read_type(c)
            elif c.type == "protocol_declaration" and is_public(c):
                name = c.child_by_field_name("name").text.decode()
                body = c.child_by_field_name("body")
                methods = {}
                for m in body.named_children if body is not None else []:
                    if m.type == "protocol_function_declaration":
                        f = read_func(m)
                        methods[f.name] = f
                api.protocols[name] = methods
            elif c.type == "function_declaration" and is_public(c):
                f = read_func(c)
                if not f.name.startswith(INTERNAL_PREFIXES):
                    api.functions[f.name] = f
            elif c.type == "ERROR":
                # Declarations tree-sitter could not place still count.
                visit(c)
            elif c.type in ("directive",):
                pass

    def read_type(c: ts.Node):
        kind = decl_kind(c)
        name_node = c.child_by_field_name("name")
        if name_node is None:
            return
        name = name_node.text.decode().split(".")[-1]
        if kind == "extension":
            conforms = {x.text.decode().split(".")[-1] for x in inherits(c)}
            if "CaseIterable" in conforms and name in api.enums:
                api.enums[name].case_iterable = True
            elif "CaseIterable" in conforms:
                pending_case_iterable.add(name)
            return
        if not is_public(c) or name.startswith(INTERNAL_PREFIXES):
            return
        body = c.child_by_field_name("body")
        members = body.named_children if body is not None else []
        if kind == "class":
            cls = ClassApi(name, {}, [])
            for m in members:
                if m.type == "function_declaration" and is_public(m):
                    f = read_func(m)
                    cls.methods[f.name] = f
                elif m.type == "init_declaration" and is_public(m):
                    cls.inits.append(read_func(m))
            api.classes[name] = cls
        elif kind == "struct":
            fields: dict[str, str | None] = {}
            init = None
            for m in members:
                if m.type == "property_declaration" and is_public(m):
                    pat = m.child_by_field_name("name")
                    if pat is not None:
                        fields[ident(pat.text.decode())] = type_of_node(child_of_type(m, "type_annotation"))
                elif m.type == "init_declaration" and is_public(m):
                    init = read_func(m)
            api.records[name] = Record(name, fields, init or Func("init", []))
        elif kind == "enum":
            conforms = {x.text.decode().split(".")[-1] for x in inherits(c)}
            cases: dict[str, list[Param]] = {}
            for m in members:
                if m.type == "enum_entry":
                    read_enum_entry(m, cases)
            api.enums[name] = Enum(name, cases, is_error="Error" in conforms,
                                   case_iterable="CaseIterable" in conforms)

    pending_case_iterable: set[str] = set()
    visit(tree.root_node)
    for name in pending_case_iterable:
        if name in api.enums:
            api.enums[name].case_iterable = True
    if "MmCore" not in api.classes:
        problems.append("the bindings declare no `MmCore` class: is this the generated MmCore.swift?")
    return api, problems


def inherits(c: ts.Node) -> list[ts.Node]:
    out = []
    for x in c.named_children:
        if x.type == "inheritance_specifier":
            t = x.child_by_field_name("inherits_from")
            if t is not None:
                out.append(t)
    return out


def child_of_type(node: ts.Node, kind: str) -> ts.Node | None:
    for c in node.named_children:
        if c.type == kind:
            return c
    return None


def read_enum_entry(m: ts.Node, cases: dict[str, list[Param]]):
    current = None
    for i, c in enumerate(m.children):
        fname = m.field_name_for_child(i)
        if fname == "name" and c.type == "simple_identifier":
            current = ident(c.text.decode())
            cases[current] = []
        elif fname == "data_contents" and current is not None:
            cases[current] = read_assoc(c)


def read_assoc(node: ts.Node) -> list[Param]:
    """`(code: String, messagePl: String)` of an enum case."""
    params: list[Param] = []
    label = None
    for c in node.named_children:
        if c.type == "simple_identifier":
            label = ident(c.text.decode())
        elif c.type in TYPE_NODES:
            params.append(Param(label, type_of_node(c), False))
            label = None
    return params


# ---------------------------------------------------------------------------
# The app's own declarations (types, their members, functions).


@dataclass
class AppType:
    name: str
    kind: str
    props: dict[str, str | None] = field(default_factory=dict)
    methods: dict[str, Func] = field(default_factory=dict)
    conforms: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def property_type(m: ts.Node) -> str | None:
    ann = child_of_type(m, "type_annotation")
    if ann is not None:
        return type_of_node(ann)
    # `@Environment(AppModel.self) var model`, `@State var x = T(...)`
    mods = child_of_type(m, "modifiers")
    if mods is not None:
        for a in mods.named_children:
            if a.type == "attribute":
                names = [x.text.decode() for x in a.named_children if x.type == "user_type"]
                if names and names[0] == "Environment":
                    for x in a.named_children:
                        if x.type == "navigation_expression" and x.text.decode().endswith(".self"):
                            return x.text.decode()[: -len(".self")]
    value = m.child_by_field_name("value")
    if value is not None:
        return literal_type(value)
    return None


def literal_type(value: ts.Node) -> str | None:
    """The type of an initial value, where it is plain from the text."""
    k = value.type
    if k == "call_expression" and value.named_children[0].type == "simple_identifier":
        callee = value.named_children[0].text.decode()
        if callee[:1].isupper():
            return callee
    if k == "boolean_literal":
        return "Bool"
    if k == "line_string_literal":
        return "String"
    if k == "integer_literal":
        return "Int"
    return None


def collect_app(trees: dict[str, ts.Tree]) -> tuple[dict[str, AppType], dict[str, Func], dict[str, str | None]]:
    types: dict[str, AppType] = {}
    funcs: dict[str, Func] = {}
    globals_: dict[str, str | None] = {}

    def members(t: AppType, body: ts.Node | None):
        for m in body.named_children if body is not None else []:
            if m.type == "property_declaration":
                pat = m.child_by_field_name("name")
                if pat is not None:
                    t.props[ident(pat.text.decode())] = property_type(m)
            elif m.type == "function_declaration":
                f = read_func(m)
                t.methods[f.name] = f
            elif m.type == "enum_entry":
                cases: dict[str, list[Param]] = {}
                read_enum_entry(m, cases)
                t.cases |= set(cases)
            elif m.type == "class_declaration":
                declare(m)

    def declare(c: ts.Node):
        kind = decl_kind(c) or "class"
        name_node = c.child_by_field_name("name")
        if name_node is None:
            return
        name = name_node.text.decode()
        t = types.setdefault(name, AppType(name, kind))
        if kind != "extension":
            t.kind = kind
        t.conforms |= {x.text.decode() for x in inherits(c)}
        members(t, c.child_by_field_name("body"))

    for tree in trees.values():
        for c in tree.root_node.named_children:
            if c.type == "class_declaration":
                declare(c)
            elif c.type == "protocol_declaration":
                name = c.child_by_field_name("name").text.decode()
                types.setdefault(name, AppType(name, "protocol"))
            elif c.type == "function_declaration":
                f = read_func(c)
                funcs[f.name] = f
            elif c.type == "property_declaration":
                pat = c.child_by_field_name("name")
                if pat is not None:
                    globals_[ident(pat.text.decode())] = property_type(c)
            elif c.type == "typealias_declaration":
                name = c.child_by_field_name("name")
                if name is not None:
                    types.setdefault(name.text.decode(), AppType(name.text.decode(), "typealias"))
    return types, funcs, globals_


# ---------------------------------------------------------------------------
# The check itself.


class Env:
    def __init__(self, parent: Env | None = None, self_type: str | None = None, returns: str | None = None):
        self.parent = parent
        self.vars: dict[str, str | None] = {}
        self.self_type = self_type if self_type is not None else (parent.self_type if parent else None)
        self.returns = returns if returns is not None or parent is None else parent.returns

    def lookup(self, name: str) -> tuple[bool, str | None]:
        e: Env | None = self
        while e is not None:
            if name in e.vars:
                return True, e.vars[name]
            e = e.parent
        return False, None


# Collection methods whose closure gets the element, and what they return
# ("same": the collection's type; "elem?": an optional element).
COLLECTION_METHODS = {
    "map": None, "compactMap": None, "flatMap": None, "forEach": "Void",
    "filter": "same", "sorted": "same", "first": "elem?", "last": "elem?",
    "contains": "Bool", "allSatisfy": "Bool", "firstIndex": "Int?", "reversed": "same",
    "prefix": "same", "dropFirst": "same", "dropLast": "same", "min": "elem?", "max": "elem?",
}
# SwiftUI containers whose trailing closure gets each element of their first argument.
ELEMENT_VIEWS = {"ForEach", "List", "Table"}


class Checker:
    def __init__(self, api: Api, platform: set[str]):
        self.api = api
        self.platform = platform
        self.problems: list[Problem] = []
        self.calls_checked = 0
        self.path = ""
        self.app_types: dict[str, AppType] = {}
        self.app_funcs: dict[str, Func] = {}
        self.app_globals: dict[str, str | None] = {}
        self.generics: set[str] = set()

    # -- reporting
    def report(self, node: ts.Node, message: str):
        self.problems.append(Problem(self.path, node.start_point[0] + 1, message))

    # -- entry
    def check(self, files: dict[str, bytes]):
        trees = {}
        for path, src in files.items():
            tree = parser().parse(src)
            trees[path] = tree
            self.path = path
            self.syntax(tree.root_node)
        self.app_types, self.app_funcs, self.app_globals = collect_app(trees)
        # Generic parameters (`run<T: Sendable>`) are type names wherever they are declared.
        self.generics = {x.named_children[0].text.decode() for tree in trees.values()
                         for x in walk_nodes(tree.root_node)
                         if x.type == "type_parameter" and x.named_children}
        for path, tree in trees.items():
            self.path = path
            env = Env()
            for name, t in self.app_globals.items():
                env.vars[name] = t
            self.walk_block(tree.root_node.named_children, env)
        return self.problems

    def syntax(self, node: ts.Node):
        if node.type == "ERROR":
            self.report(node, f"syntax error near `{node.text.decode()[:40]}`")
            return
        if node.is_missing:
            self.report(node, f"syntax error: missing `{node.type}`")
            return
        if node.has_error:
            for c in node.children:
                self.syntax(c)

    # -- declarations and statements
    def walk_block(self, nodes, env: Env):
        for n in nodes:
            self.stmt(n, env)

    def stmt(self, n: ts.Node, env: Env):
        k = n.type
        if k == "class_declaration":
            self.type_decl(n, env)
        elif k == "protocol_declaration":
            pass
        elif k in ("function_declaration", "init_declaration"):
            self.func_decl(n, env)
        elif k == "property_declaration":
            self.property_decl(n, env)
        elif k == "statements":
            self.walk_block(n.named_children, env)
        elif k == "if_statement":
            self.if_stmt(n, env)
        elif k == "guard_statement":
            self.conditions(n, env, env)
            for c in n.named_children:
                if c.type == "statements":
                    self.walk_block(c.named_children, Env(env))
        elif k == "for_statement":
            self.for_stmt(n, env)
        elif k == "while_statement" or k == "repeat_while_statement":
            inner = Env(env)
            for c in n.named_children:
                if c.type == "statements":
                    self.walk_block(c.named_children, inner)
                else:
                    self.expr(c, env)
        elif k == "switch_statement":
            self.switch_stmt(n, env)
        elif k == "do_statement":
            self.do_stmt(n, env)
        elif k == "control_transfer_statement":
            result = n.child_by_field_name("result")
            if result is not None:
                self.expr(result, env, expected=env.returns)
        elif k == "assignment":
            target = n.child_by_field_name("target")
            ttype = self.expr(target.named_children[0], env) if target is not None and target.named_children else None
            result = n.child_by_field_name("result")
            if result is not None:
                self.expr(result, env, expected=ttype)
        elif k in ("import_declaration", "comment", "multiline_comment", "typealias_declaration",
                   "directive", "diagnostic"):
            pass
        elif k in ("getter_specifier", "setter_specifier", "computed_property", "computed_getter",
                   "computed_setter", "willset_didset_block", "willset_clause", "didset_clause"):
            for c in n.named_children:
                self.stmt(c, env)
        else:
            self.expr(n, env)

    def type_decl(self, n: ts.Node, env: Env):
        kind = decl_kind(n) or "class"
        name_node = n.child_by_field_name("name")
        name = name_node.text.decode() if name_node is not None else None
        for t in inherits(n):
            self.type_ref(t)
        if kind == "extension" and name_node is not None:
            self.type_ref(name_node)
        inner = Env(env, self_type=name)
        body = n.child_by_field_name("body")
        if name in self.app_types:
            t = self.app_types[name]
            conforms = {c.split(".")[-1] for c in t.conforms}
            for proto in conforms & set(self.api.protocols):
                self.conformance(n, t, proto)
        self.walk_block(body.named_children if body is not None else [], inner)

    def conformance(self, n: ts.Node, t: AppType, proto: str):
        for name, req in self.api.protocols[proto].items():
            have = t.methods.get(name)
            if have is None:
                self.report(n, f"`{t.name}` conforms to `{proto}` but has no `{req.signature()}`")
            elif [p.label for p in have.params] != [p.label for p in req.params]:
                self.report(n, f"`{t.name}.{have.signature()}` does not match `{proto}.{req.signature()}`")

    def func_decl(self, n: ts.Node, env: Env):
        f = read_func(n)
        inner = Env(env, returns=f.returns or "")
        for c in n.named_children:
            if c.type == "parameter":
                names = [x for x in c.named_children if x.type == "simple_identifier"]
                ptype_node = next((x for x in reversed(c.named_children) if x.type in TYPE_NODES), None)
                if ptype_node is not None:
                    self.type_ref(ptype_node)
                if names:
                    inner.vars[ident(names[-1].text.decode())] = type_of_node(ptype_node)
        for i, c in enumerate(n.children):
            if n.field_name_for_child(i) == "default_value":
                self.expr(c, env)
            elif c.type in TYPE_NODES and n.field_name_for_child(i) == "name":
                self.type_ref(c)
        body = n.child_by_field_name("body")
        if body is not None:
            self.walk_block(body.named_children, inner)

    def property_decl(self, n: ts.Node, env: Env):
        pat = n.child_by_field_name("name")
        ann = child_of_type(n, "type_annotation")
        declared = type_of_node(ann) if ann is not None else None
        if ann is not None:
            self.type_ref(ann)
        mods = child_of_type(n, "modifiers")
        if mods is not None:
            for a in mods.named_children:
                if a.type == "attribute":
                    for x in a.named_children:
                        if x.type not in ("user_type",):
                            self.expr(x, env)
        value = n.child_by_field_name("value")
        vtype = None
        if value is not None:
            vtype = self.expr(value, env, expected=declared)
        for c in n.named_children:
            if c.type in ("computed_property", "willset_didset_block"):
                self.walk_block(c.named_children, Env(env, returns=declared or ""))
        if pat is not None:
            names = [x for x in pat.named_children if x.type == "simple_identifier"] or [pat]
            bound = pat.child_by_field_name("bound_identifier")
            if bound is not None:
                names = [bound]
            t = declared or vtype or property_type(n)
            for x in names:
                env.vars[ident(x.text.decode())] = t if len(names) == 1 else None

    def if_stmt(self, n: ts.Node, env: Env):
        inner = Env(env)
        self.conditions(n, env, inner)
        first = True
        for c in n.named_children:
            if c.type == "statements":
                self.walk_block(c.named_children, inner if first else Env(env))
                first = False
            elif c.type == "if_statement":
                self.if_stmt(c, env)

    def conditions(self, n: ts.Node, env: Env, bind: Env):
        """`if let x = e`, `if let x`, `if case .a(let b) = e`, plain conditions."""
        kids = list(n.children)
        fields = [n.field_name_for_child(i) for i in range(len(kids))]
        i = 0
        while i < len(kids):
            c, f = kids[i], fields[i]
            if f == "condition" and c.type == "case":
                # if case PATTERN = EXPR
                j = i + 1
                while j < len(kids) and not (fields[j] == "condition" and kids[j].type == "="):
                    j += 1
                value = kids[j + 1] if j + 1 < len(kids) else None
                vtype = self.expr(value, env) if value is not None else None
                self.case_pattern(kids[i + 1:j], vtype, bind, n)
                i = j + 2
                continue
            if c.type == "value_binding_pattern" and f == "condition":
                # let NAME [= EXPR]
                names = []
                j = i + 1
                while j < len(kids) and fields[j] == "bound_identifier":
                    names.append(kids[j])
                    j += 1
                if j < len(kids) and kids[j].type == "type_annotation":
                    j += 1
                value = None
                if j < len(kids) and kids[j].type == "=":
                    value = kids[j + 1] if j + 1 < len(kids) else None
                    j += 2
                for name in names:
                    nm = ident(name.text.decode())
                    if value is not None:
                        vt = self.expr(value, env)
                    else:
                        _, vt = env.lookup(nm)
                        if vt is None:
                            vt = self.member_of_self(nm, env)
                    bind.vars[nm] = unwrap(vt)
                i = j
                continue
            if f == "condition" and c.is_named:
                self.expr(c, env)
            i += 1

    def for_stmt(self, n: ts.Node, env: Env):
        coll = n.child_by_field_name("collection")
        ctype = self.expr(coll, env) if coll is not None else None
        inner = Env(env)
        item = n.child_by_field_name("item")
        if item is not None:
            names = [x for x in walk_nodes(item) if x.type == "simple_identifier"]
            if ctype and ctype.startswith("enumerated:"):
                if len(names) == 2:
                    inner.vars[names[0].text.decode()] = "Int"
                    inner.vars[names[1].text.decode()] = element(ctype[len("enumerated:"):])
            elif len(names) == 1:
                inner.vars[names[0].text.decode()] = element(ctype)
            else:
                for x in names:
                    inner.vars[x.text.decode()] = None
        for c in n.named_children:
            if c.type == "statements":
                self.walk_block(c.named_children, inner)

    def do_stmt(self, n: ts.Node, env: Env):
        for c in n.named_children:
            if c.type == "statements":
                self.walk_block(c.named_children, Env(env))
            elif c.type == "catch_block":
                inner = Env(env)
                inner.vars["error"] = "Error"
                pat = c.child_by_field_name("error")
                if pat is not None:
                    self.catch_pattern(pat, inner)
                for s in c.named_children:
                    if s.type == "statements":
                        self.walk_block(s.named_children, inner)

    def catch_pattern(self, pat: ts.Node, env: Env):
        kids = list(pat.children)
        qual = next((k for k in kids if k.type == "user_type"), None)
        if qual is not None:
            self.type_ref(qual)
            self.case_pattern(kids, type_of_node(qual), env, pat)

    def switch_stmt(self, n: ts.Node, env: Env):
        subject = n.child_by_field_name("expr")
        stype = self.expr(subject, env) if subject is not None else None
        enum = self.api.enums.get(unwrap(stype) or "")
        covered: set[str] = set()
        has_default = False
        for entry in n.named_children:
            if entry.type != "switch_entry":
                continue
            inner = Env(env)
            for c in entry.named_children:
                if c.type == "default_keyword":
                    has_default = True
                elif c.type == "switch_pattern":
                    for p in c.named_children:
                        if p.type == "pattern":
                            name = self.case_pattern(list(p.children), stype, inner, p)
                            if name:
                                covered.add(name)
                            elif enum is not None and is_catch_all(p):
                                has_default = True
                elif c.type == "statements":
                    self.walk_block(c.named_children, inner)
        if enum is not None and not has_default:
            missing = [c for c in enum.cases if c not in covered]
            if missing:
                self.report(n, f"switch over `{enum.name}` misses " + ", ".join(f"`.{m}`" for m in missing)
                            + " (and has no `default`)")

    def case_pattern(self, kids: list[ts.Node], subject: str | None, bind: Env, at: ts.Node) -> str | None:
        """An enum case pattern `.name`, `let .name(a, b)`, `.name(let a, _)`,
        `Type.name(...)`, given as its child nodes. Checks the case against the
        subject's type and binds its values. Returns the case name."""
        enum_name = unwrap(subject)
        qual = next((k for k in kids if k.type == "user_type"), None)
        if qual is not None:
            enum_name = type_of_node(qual)
        enum = self.api.enums.get(enum_name or "")
        dot = next((i for i, k in enumerate(kids) if k.type == "."), None)
        if dot is None or dot + 1 >= len(kids) or kids[dot + 1].type != "simple_identifier":
            for k in kids:
                if k.is_named and k.type not in ("value_binding_pattern", "pattern", "wildcard_pattern"):
                    if k.type != "simple_identifier":
                        self.expr(k, bind)
            return None
        name = ident(kids[dot + 1].text.decode())
        values = [k for k in kids[dot + 2:] if k.type == "pattern"]
        if enum is None:
            for v in values:
                for x in walk_nodes(v):
                    if x.type == "simple_identifier":
                        bind.vars[x.text.decode()] = None
            return name
        if name not in enum.cases:
            self.report(kids[dot + 1], f"`{enum.name}` has no case `.{name}`")
            return None
        assoc = enum.cases[name]
        if values and len(values) != len(assoc):
            self.report(kids[dot + 1], f"`{enum.name}.{name}` has {len(assoc)} associated values, the pattern {len(values)}")
        for v, p in zip(values, assoc):
            for x in walk_nodes(v):
                if x.type == "simple_identifier":
                    bind.vars[x.text.decode()] = p.type
        return name

    # -- expressions: return the type (or None), check what can be checked
    def expr(self, n: ts.Node | None, env: Env, expected: str | None = None) -> str | None:
        if n is None:
            return None
        k = n.type
        if k == "simple_identifier":
            return self.identifier(n, env)
        if k == "navigation_expression":
            return self.navigation(n, env)
        if k == "call_expression":
            return self.call(n, env, expected)
        if k == "try_expression":
            inner = self.expr(n.child_by_field_name("expr"), env, expected)
            op = child_of_type(n, "try_operator")
            if op is not None and op.text.decode() == "try?":
                return (inner + "?") if inner and not inner.endswith("?") else inner
            return inner
        if k == "await_expression":
            return self.expr(n.child_by_field_name("expr"), env, expected)
        if k == "prefix_expression":
            op = n.child_by_field_name("operation")
            target = n.child_by_field_name("target")
            if op is not None and op.type == "." and target is not None and target.type == "simple_identifier":
                return self.implicit_member(target, expected, None)
            t = self.expr(target, env)
            return "Bool" if op is not None and op.text == b"!" else t
        if k == "as_expression":
            self.expr(n.child_by_field_name("expr"), env)
            tnode = n.child_by_field_name("name") or last_named(n)
            self.type_ref(tnode)
            t = type_of_node(tnode)
            op = child_of_type(n, "as_operator")
            return (t + "?") if t and op is not None and op.text.decode() == "as?" else t
        if k in ("equality_expression", "comparison_expression", "infix_expression", "conjunction_expression",
                 "disjunction_expression", "additive_expression", "multiplicative_expression", "range_expression",
                 "open_end_range_expression", "open_start_range_expression"):
            kids = [c for c in n.named_children if c.type not in ("custom_operator",)]
            lhs = n.child_by_field_name("lhs") or (kids[0] if kids else None)
            rhs = n.child_by_field_name("rhs") or (kids[-1] if len(kids) > 1 else None)
            lt = self.expr(lhs, env)
            rt = self.expr(rhs, env, expected=lt)
            if lt is None and rt is not None and lhs is not None and lhs.type == "prefix_expression":
                self.expr(lhs, env, expected=rt)
            if k in ("equality_expression", "comparison_expression", "conjunction_expression", "disjunction_expression"):
                return "Bool"
            op = n.child_by_field_name("op")
            if op is not None and op.text.decode() in ("==", "!=", "<", ">", "<=", ">=", "&&", "||"):
                return "Bool"
            return lt
        if k == "nil_coalescing_expression":
            lt = self.expr(n.child_by_field_name("value"), env, expected + "?" if expected else None)
            self.expr(n.child_by_field_name("if_nil"), env, expected or unwrap(lt))
            return unwrap(lt)
        if k == "ternary_expression":
            self.expr(n.child_by_field_name("condition"), env)
            a = self.expr(n.child_by_field_name("if_true"), env, expected)
            b = self.expr(n.child_by_field_name("if_false"), env, expected or a)
            return a or b
        if k == "lambda_literal":
            self.lambda_(n, env, [], expected_return=None)
            return None
        if k == "array_literal":
            elem_expected = element(expected)
            elems = [self.expr(c, env, elem_expected) for c in n.named_children]
            known = elem_expected or next((e for e in elems if e), None)
            return f"[{known}]" if known else None
        if k == "dictionary_literal":
            for c in n.named_children:
                self.expr(c, env)
            return expected
        if k in ("line_string_literal", "multi_line_string_literal", "raw_string_literal"):
            for c in n.named_children:
                if c.type == "interpolated_expression":
                    for x in c.named_children:
                        self.expr(x.named_children[-1] if x.type == "value_argument" and x.named_children else x, env)
            return "String"
        if k == "integer_literal":
            return "Int"
        if k == "real_literal":
            return "Double"
        if k == "boolean_literal":
            return "Bool"
        if k == "self_expression":
            return env.self_type
        if k == "tuple_expression" or k == "parenthesized_expression":
            kids = [c for c in n.named_children]
            ts_ = [self.expr(c.child_by_field_name("value") or c, env, expected if len(kids) == 1 else None)
                   for c in kids]
            return ts_[0] if len(ts_) == 1 else None
        if k == "key_path_expression":
            return None
        if k == "value_argument":
            return self.expr(n.child_by_field_name("value") or last_named(n), env, expected)
        if k in ("statements",):
            self.walk_block(n.named_children, env)
            return None
        if k in ("if_statement", "switch_statement", "guard_statement", "for_statement", "do_statement",
                 "property_declaration", "assignment", "control_transfer_statement", "function_declaration"):
            self.stmt(n, env)
            return None
        for c in n.named_children:
            self.expr(c, env)
        return None

    def identifier(self, n: ts.Node, env: Env) -> str | None:
        name = ident(n.text.decode())
        found, t = env.lookup(name)
        if found:
            return t
        t = self.member_of_self(name, env)
        if t is not None:
            return t
        if name in self.api.type_names() or name in self.app_types:
            return "type:" + name
        return None

    def member_of_self(self, name: str, env: Env) -> str | None:
        st = self.app_types.get(env.self_type or "")
        if st is not None and name in st.props:
            return st.props[name]
        return None

    def navigation(self, n: ts.Node, env: Env) -> str | None:
        target = n.named_children[0] if n.named_children else None
        suffix = n.child_by_field_name("suffix")
        member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
        if member_node is None or target is None:
            return None
        member = ident(member_node.text.decode())
        if target.type == "key_path_expression":
            return None
        base = self.expr(target, env)
        return self.member(base, member, member_node)

    def member(self, base: str | None, member: str, at: ts.Node) -> str | None:
        if base is None:
            return None
        if base.startswith("type:"):
            name = base[5:]
            enum = self.api.enums.get(name)
            if enum is not None:
                if member == "allCases":
                    if not enum.case_iterable:
                        self.report(at, f"`{name}.allCases`: the bindings do not make `{name}` CaseIterable "
                                        "(generate_case_iterable_conformance in bindings/uniffi.toml)")
                    return f"[{name}]"
                if member == "self":
                    return None
                if member not in enum.cases:
                    self.report(at, f"`{name}` has no case `.{member}`")
                    return None
                return name
            if name in self.api.records and member == "init":
                return None
            return None
        t = unwrap(base)
        if t is None:
            return None
        rec = self.api.records.get(t)
        app = self.app_types.get(t)
        if app is not None and member in app.props:
            return app.props[member]
        if app is not None and member in app.methods:
            return None
        if rec is not None:
            if member in rec.fields:
                return rec.fields[member]
            if member in ("hashValue", "self"):
                return None
            self.report(at, f"`{t}` has no field `{member}`")
            return None
        if t in self.api.enums:
            enum = self.api.enums[t]
            if app is None and member not in ("hashValue", "self", "localizedDescription", "errorDescription"):
                if not (enum.is_error and member in ("localizedDescription",)):
                    self.report(at, f"`{t}` has no member `{member}`")
            return None
        if t in self.api.classes:
            cls = self.api.classes[t]
            if member not in cls.methods:
                self.report(at, f"`{t}` has no method `{member}`")
            return None
        if t.startswith("[") and t.endswith("]"):
            if member == "count":
                return "Int"
            if member == "isEmpty":
                return "Bool"
            if member in ("first", "last"):
                e = element(t)
                return e + "?" if e else None
            if member == "keys" or member == "values":
                return None
        if t == "String" and member in ("isEmpty",):
            return "Bool"
        return None

    def implicit_member(self, name_node: ts.Node, expected: str | None, args: ts.Node | None) -> str | None:
        name = ident(name_node.text.decode())
        exp = unwrap(expected)
        enum = self.api.enums.get(exp or "")
        if enum is None:
            return expected
        if name in ("none",) and expected and expected.endswith("?"):
            return expected
        if name not in enum.cases:
            self.report(name_node, f"`{enum.name}` has no case `.{name}`")
            return exp
        return exp

    # -- calls
    def call(self, n: ts.Node, env: Env, expected: str | None) -> str | None:
        callee = n.named_children[0]
        suffix = next((c for c in n.named_children if c.type == "call_suffix"), None)
        args, lambdas = self.call_args(suffix)
        k = callee.type
        if k == "simple_identifier":
            return self.call_name(n, callee, args, lambdas, env, expected)
        if k == "navigation_expression":
            return self.call_member(n, callee, args, lambdas, env, expected)
        if k == "prefix_expression":
            op = callee.child_by_field_name("operation")
            target = callee.child_by_field_name("target")
            if op is not None and op.type == "." and target is not None:
                t = self.implicit_member(target, expected, suffix)
                enum = self.api.enums.get(unwrap(expected) or "")
                name = ident(target.text.decode())
                if enum is not None and name in enum.cases:
                    self.check_args(n, f"{enum.name}.{name}", enum.cases[name], args, env)
                    return t
        else:
            self.expr(callee, env)
        for a in args:
            self.expr(a.child_by_field_name("value") or last_named(a), env)
        for lam in lambdas:
            self.lambda_(lam, env, [])
        return None

    def call_args(self, suffix: ts.Node | None) -> tuple[list[ts.Node], list[ts.Node]]:
        args: list[ts.Node] = []
        lambdas: list[ts.Node] = []
        if suffix is None:
            return args, lambdas
        for c in suffix.named_children:
            if c.type == "value_arguments":
                args.extend(x for x in c.named_children if x.type == "value_argument")
            elif c.type == "lambda_literal":
                lambdas.append(c)
            elif c.type == "annotated_lambda":
                lam = child_of_type(c, "lambda_literal")
                if lam is not None:
                    lambdas.append(lam)
        return args, lambdas

    def call_name(self, n, callee, args, lambdas, env, expected) -> str | None:
        name = ident(callee.text.decode())
        if name == "defer":
            # `defer { … }` is read as a call with a trailing closure.
            for lam in lambdas:
                self.lambda_(lam, env, [])
            return None
        found, vt = env.lookup(name)
        if found or self.member_of_self(name, env) is not None:
            self.plain_args(args, lambdas, env)
            return None
        st = self.app_types.get(env.self_type or "")
        if st is not None and name in st.methods:
            return self.app_call(st.methods[name], args, lambdas, env)
        if name in self.api.functions:
            f = self.api.functions[name]
            self.check_call(n, f, args, env, name)
            for lam in lambdas:
                self.lambda_(lam, env, [])
            return f.returns
        if name in self.api.records:
            rec = self.api.records[name]
            self.check_args(n, name, rec.init.params, args, env, kind="init")
            for lam in lambdas:
                self.lambda_(lam, env, [])
            return name
        if name in self.api.classes:
            cls = self.api.classes[name]
            init = self.match_init(cls.inits, args)
            if init is None:
                self.report(callee, f"`{name}` has no init matching ({labels_of(args)}); "
                                    f"the bindings have " + ", ".join(i.signature().replace("init", name) for i in cls.inits))
            else:
                self.check_call(n, init, args, env, name)
            return name
        if name in self.api.enums:
            self.report(callee, f"`{name}` is an enum of the bindings: name a case (`{name}.x`) instead of calling it")
            return name
        if name in self.app_funcs:
            return self.app_call(self.app_funcs[name], args, lambdas, env)
        if name in self.app_types:
            t = self.app_types[name]
            self.plain_args(args, lambdas, env, self_type=name if t.kind == "struct" else None)
            return name
        if name in ELEMENT_VIEWS and args:
            first = args[0].child_by_field_name("value") or last_named(args[0])
            ctype = self.expr(first, env)
            elem = element(ctype)
            for a in args[1:]:
                label = arg_label(a)
                value = a.child_by_field_name("value") or last_named(a)
                if label == "id" and value is not None and value.type == "navigation_expression" \
                        and value.named_children and value.named_children[0].type == "key_path_expression":
                    self.key_path(value, elem)
                else:
                    self.expr(value, env)
            for lam in lambdas:
                self.lambda_(lam, env, [elem])
            return "View"
        if name in self.platform:
            self.plain_args(args, lambdas, env)
            return name if name[:1].isupper() else None
        self.report(callee, f"`{name}(…)` is not declared in the app, the bindings or platform-names.txt")
        self.plain_args(args, lambdas, env)
        return None

    def key_path(self, value: ts.Node, root: str | None):
        """`\\.id` on the element type: a field of a record must exist."""
        suffix = value.child_by_field_name("suffix")
        member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
        if member_node is not None and root is not None:
            self.member(root, ident(member_node.text.decode()), member_node)

    def app_call(self, f: Func, args, lambdas, env) -> str | None:
        for a, p in zip_args(args, f.params):
            self.expr(a.child_by_field_name("value") or last_named(a), env, p.type if p else None)
        for lam in lambdas:
            self.lambda_(lam, env, [])
        return f.returns

    def plain_args(self, args, lambdas, env, self_type=None):
        props = self.app_types[self_type].props if self_type in self.app_types else {}
        for a in args:
            label = arg_label(a)
            value = a.child_by_field_name("value") or last_named(a)
            self.expr(value, env, props.get(label) if label else None)
        for lam in lambdas:
            self.lambda_(lam, env, [])

    def call_member(self, n, callee, args, lambdas, env, expected) -> str | None:
        target = callee.named_children[0]
        suffix = callee.child_by_field_name("suffix")
        member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
        if member_node is None:
            self.plain_args(args, lambdas, env)
            return None
        method = ident(member_node.text.decode())
        base = self.expr(target, env) if target.type != "key_path_expression" else None
        if base is not None and base.endswith("?") and method in ("map", "flatMap"):
            # Optional's own map: the closure gets the wrapped value.
            for a in args:
                self.expr(a.child_by_field_name("value") or last_named(a), env)
            rtypes = [self.lambda_(lam, env, [unwrap(base)]) for lam in lambdas]
            return (unwrap(rtypes[0]) + "?") if rtypes and rtypes[0] else None
        t = unwrap(base)
        if t in self.api.classes or t in self.api.protocols:
            methods = self.api.classes[t].methods if t in self.api.classes else self.api.protocols[t]
            f = methods.get(method)
            if f is None:
                self.report(member_node, f"`{t}` has no method `{method}`")
                self.plain_args(args, lambdas, env)
                return None
            self.check_call(n, f, args, env, f"{t}.{method}")
            for lam in lambdas:
                self.lambda_(lam, env, [])
            return f.returns
        if base is not None and base.startswith("type:"):
            tname = base[5:]
            if tname in self.api.enums:
                enum = self.api.enums[tname]
                if method in enum.cases:
                    self.check_args(n, f"{tname}.{method}", enum.cases[method], args, env)
                    return tname
                self.report(member_node, f"`{tname}` has no case `.{method}`")
                return None
            app = self.app_types.get(tname)
            if app is not None and method in app.methods:
                return self.app_call(app.methods[method], args, lambdas, env)
        app = self.app_types.get(t or "")
        if app is not None and method in app.methods:
            return self.app_call(app.methods[method], args, lambdas, env)
        if t is not None and (t in self.api.records or t in self.api.enums) and (app is None or method not in app.methods):
            self.report(member_node, f"`{t}` (a record/enum of the bindings) has no method `{method}`")
        if t is not None and t.startswith("enumerated:"):
            t = None
        elem = element(t)
        if elem is not None or (t is not None and t.startswith("[") and method in COLLECTION_METHODS):
            if method == "enumerated":
                return f"enumerated:{t}"
            for a in args:
                self.expr(a.child_by_field_name("value") or last_named(a), env)
            rtypes = [self.lambda_(lam, env, [elem]) for lam in lambdas]
            kind = COLLECTION_METHODS.get(method)
            if kind == "same":
                return t
            if kind == "elem?":
                return elem + "?" if elem else None
            if method in ("map", "compactMap") and rtypes and rtypes[0]:
                return f"[{unwrap(rtypes[0]) if method == 'compactMap' else rtypes[0]}]"
            if method == "contains":
                return "Bool"
            return kind if kind and kind not in ("same", "elem?") else None
        if t is not None and t.startswith("enumerated"):
            return None
        self.plain_args(args, lambdas, env)
        return None

    def lambda_(self, lam: ts.Node, env: Env, param_types: list[str | None], expected_return=None) -> str | None:
        inner = Env(env)
        ftype = lam.child_by_field_name("type")
        names: list[ts.Node] = []
        if ftype is not None:
            for p in walk_nodes(ftype):
                if p.type == "lambda_parameter":
                    nm = p.child_by_field_name("name") or child_of_type(p, "simple_identifier")
                    if nm is not None:
                        names.append(nm)
                        tnode = next((x for x in p.named_children if x.type in TYPE_NODES), None)
                        if tnode is not None:
                            self.type_ref(tnode)
        for i, nm in enumerate(names):
            inner.vars[ident(nm.text.decode())] = param_types[i] if i < len(param_types) else None
        for i, t in enumerate(param_types):
            inner.vars[f"${i}"] = t
        caps = lam.child_by_field_name("captures")
        if caps is not None:
            for item in caps.named_children:
                nm = item.child_by_field_name("name")
                if nm is not None:
                    found, t = env.lookup(nm.text.decode())
                    inner.vars[nm.text.decode()] = t if found else self.member_of_self(nm.text.decode(), env)
        last = None
        for c in lam.named_children:
            if c.type == "statements":
                kids = c.named_children
                for s in kids:
                    last = self.expr(s, inner) if s.type not in (
                        "property_declaration", "if_statement", "guard_statement", "for_statement",
                        "switch_statement", "do_statement", "assignment", "control_transfer_statement") else self.stmt(s, inner)
                if len(kids) != 1:
                    last = None
        return last

    # -- checking a call against a declaration
    def match_init(self, inits: list[Func], args) -> Func | None:
        for f in inits:
            if not self.arg_problems(f.params, args):
                return f
        return None

    def check_call(self, n: ts.Node, f: Func, args, env: Env, shown: str):
        self.calls_checked += 1
        self.check_args(n, shown, f.params, args, env)
        if f.throws and not self.covered_by(n, "try_expression"):
            self.report(n, f"`{shown}` throws: the call needs `try`")
        if f.is_async and not self.covered_by(n, "await_expression"):
            self.report(n, f"`{shown}` is async: the call needs `await`")

    def check_args(self, n: ts.Node, shown: str, params: list[Param], args, env: Env, kind="call"):
        if kind == "init":
            self.calls_checked += 1
        for problem in self.arg_problems(params, args):
            self.report(n, f"`{shown}`: {problem}; the bindings have ({', '.join((p.label or '_') + ':' for p in params)})")
        for a, p in zip_args(args, params):
            self.expr(a.child_by_field_name("value") or last_named(a), env, p.type if p else None)

    def arg_problems(self, params: list[Param], args) -> list[str]:
        labels = [arg_label(a) for a in args]
        i = 0
        for label in labels:
            while i < len(params) and params[i].label != label and params[i].has_default:
                i += 1
            if i >= len(params):
                if label is not None and any(p.label == label for p in params):
                    return [f"argument `{label}:` out of order"]
                return [f"unexpected argument `{label or '_'}:`" if label else "unexpected unlabelled argument"]
            if params[i].label != label:
                want = params[i].label
                return [f"argument `{label or '_'}:` where `{want or '_'}:` is expected"]
            i += 1
        missing = [p.label or "_" for p in params[i:] if not p.has_default]
        if missing:
            return ["missing argument " + ", ".join(f"`{m}:`" for m in missing)]
        return []

    def covered_by(self, n: ts.Node, kind: str) -> bool:
        """Whether a `try` (or `await`) expression encloses the call, without
        crossing a closure or a declaration."""
        p = n.parent
        while p is not None:
            if p.type == kind:
                return True
            if p.type in ("lambda_literal", "function_declaration", "statements", "computed_property",
                          "init_declaration", "class_body"):
                return False
            p = p.parent
        return False

    # -- type names
    def type_ref(self, node: ts.Node | None):
        if node is None:
            return
        for x in walk_nodes(node):
            if x.type == "user_type":
                ids = [c.text.decode() for c in x.named_children if c.type == "type_identifier"]
                if not ids:
                    continue
                head = ids[0]
                if head in ("Swift", "Foundation") and len(ids) > 1:
                    head = ids[1]
                # `throws`/`async`: tree-sitter-swift reads `@Sendable () throws -> T`
                # as an attribute with arguments and `throws` as a type; they are keywords.
                if head in self.api.type_names() or head in self.app_types or head in self.platform \
                        or head in self.generics or head in ("Self", "Type", "throws", "rethrows", "async"):
                    continue
                self.report(x, f"type `{head}` is not declared in the app, the bindings or platform-names.txt")


def arg_label(a: ts.Node) -> str | None:
    lab = a.child_by_field_name("name")
    if lab is None:
        return None
    return ident(lab.text.decode().rstrip(":").strip())


def labels_of(args) -> str:
    return ", ".join((arg_label(a) or "_") + ":" for a in args)


def zip_args(args, params: list[Param]):
    """Pairs each argument with the parameter it binds to (skipping defaulted ones)."""
    i = 0
    for a in args:
        label = arg_label(a)
        while i < len(params) and params[i].label != label and params[i].has_default:
            i += 1
        if i < len(params) and params[i].label == label:
            yield a, params[i]
            i += 1
        else:
            yield a, None


def walk_nodes(node: ts.Node):
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(x.children))


def is_catch_all(p: ts.Node) -> bool:
    kids = [k for k in p.named_children]
    return len(kids) == 1 and kids[0].type in ("wildcard_pattern",) or (
        len(kids) == 2 and kids[0].type == "value_binding_pattern" and kids[1].type == "simple_identifier")


def load_platform(path: Path | None) -> set[str]:
    names: set[str] = set()
    if path is None:
        return names
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.update(line.split())
    return names


def swift_files(paths: list[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for p in paths:
        path = Path(p)
        files = sorted(path.rglob("*.swift")) if path.is_dir() else [path]
        for f in files:
            # The generated bindings copied into the package are the API, not the app.
            if "Sources/MmCore" in f.as_posix() or f.name == "Package.swift":
                continue
            out[str(f)] = f.read_bytes()
    return out


def run(bindings: bytes, files: dict[str, bytes], platform: set[str]) -> tuple[list[Problem], Checker]:
    api, problems = load_api(bindings)
    checker = Checker(api, platform)
    out = [Problem("MmCore.swift", 0, p) for p in problems]
    if not problems:
        out += checker.check(files)
    return out, checker


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bindings", required=True, help="the generated MmCore.swift")
    ap.add_argument("--platform", help="names of Apple and standard-library functions and types the app uses")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    files = swift_files(a.paths)
    if not files:
        print("swift-check: no Swift files found", file=sys.stderr)
        return 1
    problems, checker = run(Path(a.bindings).read_bytes(), files,
                            load_platform(Path(a.platform) if a.platform else None))
    for p in problems:
        print(p)
    api = checker.api
    print(f"swift-check: {len(files)} files parsed; {checker.calls_checked} calls into the bindings checked "
          f"against {len(api.classes.get('MmCore', ClassApi('', {}, [])).methods)} MmCore methods, "
          f"{len(api.functions)} functions, {len(api.records)} records, {len(api.enums)} enums; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
