"""A small, strict reader for the EDN that Jepsen histories use: maps, vectors, keywords, integers, strings, nil, booleans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SYMBOL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.*+!-_?$%&=<>/:'#")
WHITESPACE = frozenset(" \t\r\n,")
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
CLOSERS = {"[": "]", "{": "}"}
INTEGER = re.compile(r"[+-]?[0-9]+N?")


@dataclass(frozen=True, slots=True)
class Keyword:
    """An EDN keyword such as `:invoke`, held without its colon."""

    name: str

    def __str__(self) -> str:
        return ":" + self.name


class EdnError(ValueError):
    """Text that is not EDN this reader accepts; `line` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def read_forms(text: str) -> list[tuple[int, Any]]:
    """The top-level forms of `text`, each with its first line; a lone top-level vector yields its elements."""
    reader = _Reader(text)
    reader.skip_blank()
    if reader.peek() == "[":
        reader.pos += 1
        forms = reader.read_items("]", reader.line)
        reader.skip_blank()
        if reader.peek():
            reader.fail("unexpected text after the top-level vector")
        return forms
    return reader.read_items("", reader.line)


def read_value(text: str) -> Any:
    """The single form that `text` holds."""
    forms = _Reader(text).read_items("", 1)
    if len(forms) != 1:
        raise EdnError(f"expected one value, found {len(forms)}", 1)
    return forms[0][1]


class _Reader:
    """A cursor over EDN text that tracks the current line."""

    __slots__ = ("text", "pos", "line")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1

    def fail(self, message: str, line: int | None = None) -> None:
        raise EdnError(message, line or self.line)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_blank(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == ";":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif char in WHITESPACE:
                self.line += char == "\n"
                self.pos += 1
            else:
                return

    def read_items(self, closer: str, opened_at: int) -> list[tuple[int, Any]]:
        """Forms up to `closer` (consumed), or to the end of the text when `closer` is empty."""
        items = []
        while True:
            self.skip_blank()
            char = self.peek()
            if char == closer:
                self.pos += 1
                return items
            if not char:
                self.fail(f"this '{'[' if closer == ']' else '{'}' is never closed", opened_at)
            items.append((self.line, self.read()))

    def read(self) -> Any:
        char = self.peek()
        line = self.line
        if char in CLOSERS:
            self.pos += 1
            items = [value for _, value in self.read_items(CLOSERS[char], line)]
            return tuple(items) if char == "[" else self.to_map(items, line)
        if char == '"':
            return self.read_string()
        if char in "])}":
            self.fail(f"unexpected '{char}'")
        if char in "(#":
            self.fail("lists, sets and tagged literals are not supported")
        token = self.read_token()
        if char == ":":
            if len(token) == 1:
                self.fail("empty keyword")
            return Keyword(token[1:])
        if token in ("nil", "true", "false"):
            return {"nil": None, "true": True, "false": False}[token]
        if INTEGER.fullmatch(token):
            return int(token.rstrip("N"))
        self.fail(f"unsupported EDN value {token!r}" if token else f"unexpected character {char!r}")

    def read_token(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in SYMBOL_CHARS:
            self.pos += 1
        return self.text[start:self.pos]

    def read_string(self) -> str:
        start_line = self.line
        self.pos += 1
        chars = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(chars)
            if char == "\\":
                escape = self.peek()
                self.pos += 1
                if escape == "u" and len(text[self.pos:self.pos + 4]) == 4:
                    try:
                        chars.append(chr(int(text[self.pos:self.pos + 4], 16)))
                    except ValueError:
                        self.fail("bad \\u escape in string")
                    self.pos += 4
                elif escape in ESCAPES:
                    chars.append(ESCAPES[escape])
                else:
                    self.fail(f"unsupported escape \\{escape} in string")
            else:
                self.line += char == "\n"
                chars.append(char)
        self.fail("this string is never closed", start_line)

    def to_map(self, items: list[Any], line: int) -> dict:
        if len(items) % 2:
            self.fail(f"map opened on line {line} has an odd number of forms", line)
        result = {}
        for key, value in zip(items[::2], items[1::2]):
            try:
                duplicate = key in result
            except TypeError:
                self.fail(f"map opened on line {line} has a key that is a map", line)
            if duplicate:
                self.fail(f"map opened on line {line} repeats the key {_show(key)}", line)
            result[key] = value
        return result


def _show(value: Any) -> str:
    return str(value) if isinstance(value, Keyword) else repr(value)
