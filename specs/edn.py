"""A small, strict reader for the EDN that Jepsen histories use: maps, vectors, keywords, integers, strings, nil, booleans.

The reader keeps its own stack of open collections (no Python recursion, so no nesting can overflow it),
refuses nesting deeper than MAX_DEPTH, and hands out top-level forms one at a time, so a long history is
never held twice.
"""

from __future__ import annotations

import re
import sys
import weakref
from typing import Any, Iterator

SYMBOL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.*+!-_?$%&=<>/:'#")
WHITESPACE = frozenset(" \t\r\n,")
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
CLOSERS = {"[": "]", "{": "}"}
INTEGER = re.compile(r"[+-]?[0-9]+N?")
MAX_DEPTH = 200
"""The deepest nesting of vectors and maps read (the top-level vector of a history does not count)."""
TOKEN = re.compile(r"""[%s]*(?:
      (?P<open>[\[{])
    | (?P<close>[\]}])
    | (?P<atom>[%s]+)
    | (?P<string>"[^"\\]*(?:\\.[^"\\]*)*")
    | (?P<comment>;[^\n]*)
    | (?P<end>\Z)
    | (?P<other>.))""" % (re.escape("".join(sorted(WHITESPACE))), re.escape("".join(sorted(SYMBOL_CHARS)))),
                   re.VERBOSE | re.DOTALL)
SIMPLE_MAP = re.compile(r"[%s]*(\{([%s\[\]]*)\})" % (re.escape("".join(sorted(WHITESPACE))),
                                                     re.escape("".join(sorted(WHITESPACE | SYMBOL_CHARS - {"#"})))))
"""A map of atoms and vectors only, at the top level: the common case, read in one piece."""
ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|u|.)", re.DOTALL)
CONSTANTS = {"nil": None, "true": True, "false": False}


class Keyword:
    """An EDN keyword such as `:invoke`, held without its colon.

    There is one Keyword per name (they are interned), so keywords compare and hash by identity, which costs
    no Python call: a history holds millions of them as map keys.
    """

    __slots__ = ("name", "__weakref__")
    _interned: weakref.WeakValueDictionary[str, Keyword] = weakref.WeakValueDictionary()

    def __new__(cls, name: str) -> Keyword:
        keyword = cls._interned.get(name)
        if keyword is None:
            keyword = super().__new__(cls)
            object.__setattr__(keyword, "name", name)
            cls._interned[name] = keyword
        return keyword

    def __setattr__(self, attribute: str, value: Any) -> None:
        raise AttributeError("keywords are immutable")

    def __reduce__(self) -> tuple:
        return Keyword, (self.name,)

    def __repr__(self) -> str:
        return f"Keyword(name={self.name!r})"

    def __str__(self) -> str:
        return ":" + self.name


class EdnError(ValueError):
    """Text that is not EDN this reader accepts; `line` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def read_forms(text: str) -> Iterator[tuple[int, Any]]:
    """The top-level forms of `text`, each with its first line, one at a time; a lone top-level vector yields
    its elements."""
    reader = _Reader(text)
    first = TOKEN.match(text)
    while first.lastgroup == "comment":
        first = TOKEN.match(text, first.end())
    wrapped = first.lastgroup == "open" and first.group("open") == "["
    forms = reader.forms(first.end() if wrapped else 0, first.start("open") if wrapped else None)
    for position, value in forms:
        yield reader.line_of(position), value


def read_value(text: str) -> Any:
    """The single form that `text` holds."""
    forms = [value for _, value in _Reader(text).forms(0, None)]
    if len(forms) != 1:
        raise EdnError(f"expected one value, found {len(forms)}", 1)
    return forms[0]


class _Reader:
    """A tokenizer over EDN text with an explicit stack of the collections still open.

    A map of atoms and vectors only (a typical Jepsen event) is read in one piece, its tokens split by a
    regular expression; anything else, and anything wrong, is read token by token.
    """

    __slots__ = ("text", "atoms", "counted", "line")

    def __init__(self, text: str):
        self.text = text
        self.atoms: dict[str, Any] = dict(CONSTANTS)
        self.counted = 0
        self.line = 1

    def line_of(self, position: int) -> int:
        """The line of `position`, for positions that only grow."""
        self.line += self.text.count("\n", self.counted, position)
        self.counted = position
        return self.line

    def line_at(self, position: int) -> int:
        """The line of any `position`."""
        return self.text.count("\n", 0, position) + 1

    def fail(self, message: str, position: int) -> None:
        raise EdnError(message, self.line_at(position))

    def forms(self, position: int, vector_at: int | None) -> Iterator[tuple[int, Any]]:
        """Top-level forms from `position` with where each starts: up to the end of the text, or, when the text
        is one vector opened at `vector_at`, up to its ']' (only blanks and comments may follow)."""
        text = self.text
        stack: list[tuple[str, int, list]] = []
        closed = False
        while True:
            if not stack and not closed:
                simple = SIMPLE_MAP.match(text, position)
                value = simple and self.simple_map(simple.group(2), simple.start(1))
                if value is not None:
                    position = simple.end()
                    yield simple.start(1), value
                    continue
            match = TOKEN.match(text, position)
            position = match.end()
            kind = match.lastgroup
            at = match.start(kind)
            if closed and kind not in ("comment", "end"):
                self.fail("unexpected text after the top-level vector", at)
            if kind == "atom":
                value = self.atom(match.group(kind), at)
            elif kind == "open":
                if len(stack) >= MAX_DEPTH:
                    self.fail(f"nested deeper than {MAX_DEPTH} levels", at)
                stack.append((match.group(kind), at, []))
                continue
            elif kind == "close":
                char = match.group(kind)
                if not stack and vector_at is not None and char == "]":
                    closed = True
                    continue
                if not stack or CLOSERS[stack[-1][0]] != char:
                    self.fail(f"unexpected '{char}'", at)
                opener, at, items = stack.pop()
                value = tuple(items) if opener == "[" else self.to_map(items, at)
            elif kind == "string":
                value = self.string(match.group(kind), at)
            elif kind == "comment":
                continue
            elif kind == "end":
                if stack:
                    self.fail(f"this '{stack[-1][0]}' is never closed", stack[-1][1])
                if vector_at is not None and not closed:
                    self.fail("this '[' is never closed", vector_at)
                return
            else:
                self.other(match.group(kind), at)
            if stack:
                stack[-1][2].append(value)
            else:
                yield at, value

    def simple_map(self, content: str, at: int) -> dict | None:
        """The map `{content}` of atoms and vectors opened at `at`; None when it is not one this path reads
        (the token-by-token path then reads it, or says what is wrong)."""
        atoms, atom = self.atoms, self.atom
        try:
            if "[" in content or "]" in content:
                items = self.simple_items(content, at)
            else:
                items = [atoms[token] if token in atoms else atom(token, at)
                         for token in content.replace(",", " ").split()]
            return None if items is None else self.to_map(items, at)
        except EdnError:
            return None

    def simple_items(self, content: str, at: int) -> list[Any] | None:
        """The atoms and vectors of `content`; None if its brackets do not pair up or nest too deep."""
        atoms = self.atoms
        items: list[Any] = []
        open_vectors: list[list[Any]] = []
        for token in content.replace(",", " ").replace("[", " [ ").replace("]", " ] ").split():
            if token == "[":
                if len(open_vectors) >= MAX_DEPTH - 1:
                    return None
                open_vectors.append(items)
                items = []
            elif token == "]":
                if not open_vectors:
                    return None
                vector = tuple(items)
                items = open_vectors.pop()
                items.append(vector)
            else:
                items.append(atoms[token] if token in atoms else self.atom(token, at))
        return None if open_vectors else items

    def atom(self, token: str, at: int) -> Any:
        first = token[0]
        if first == ":":
            if len(token) == 1:
                self.fail("empty keyword", at)
            keyword = self.atoms[token] = Keyword(token[1:])
            return keyword
        if first == "#":
            self.fail("lists, sets and tagged literals are not supported", at)
        if token in CONSTANTS:
            return CONSTANTS[token]
        if INTEGER.fullmatch(token):
            try:
                value = int(token.rstrip("N"))
            except ValueError:
                self.fail(f"an integer of {len(token)} digits: at most {sys.get_int_max_str_digits()} are read", at)
            if len(token) <= 4:
                self.atoms[token] = value
            return value
        self.fail(f"unsupported EDN value {token!r}", at)

    def string(self, token: str, at: int) -> str:
        body = token[1:-1]
        if "\\" not in body:
            return body

        def unescape(match: re.Match) -> str:
            escape = match.group(1)
            if escape[0] == "u":
                if len(escape) == 1:
                    self.fail("bad \\u escape in string", at)
                return chr(int(escape[1:], 16))
            if escape not in ESCAPES:
                self.fail(f"unsupported escape \\{escape} in string", at)
            return ESCAPES[escape]

        return ESCAPE.sub(unescape, body)

    def other(self, char: str, at: int) -> None:
        if char == '"':
            self.fail("this string is never closed", at)
        if char == "(":
            self.fail("lists, sets and tagged literals are not supported", at)
        if char == ")":
            self.fail(f"unexpected '{char}'", at)
        self.fail(f"unexpected character {char!r}", at)

    def to_map(self, items: list[Any], at: int) -> dict:
        if len(items) % 2:
            self.fail(f"map opened on line {self.line_at(at)} has an odd number of forms", at)
        keys = items[::2]
        try:
            result = dict(zip(keys, items[1::2]))
        except TypeError:
            self.fail(f"map opened on line {self.line_at(at)} has a key that is a map", at)
        if len(result) < len(keys):
            repeated = next(key for number, key in enumerate(keys) if key in keys[:number])
            self.fail(f"map opened on line {self.line_at(at)} repeats the key {_show(repeated)}", at)
        return result

def _show(value: Any) -> str:
    return str(value) if isinstance(value, Keyword) else repr(value)
