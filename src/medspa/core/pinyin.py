"""Pinyin search keys of Chinese names: full pinyin and initials (``张三`` → ``zhangsan`` /
``zs``). A polyphonic character contributes its first reading (pypinyin's phrase dictionary
picks it for common words). Used by customers (CRM-04) and the item master (INV-02)."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_ASCII_WORD = re.compile(r"[a-z0-9]+")


def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower case, no spaces; Latin letters and digits kept as they are."""
    full: list[str] = []
    initials: list[str] = []
    for syllable in lazy_pinyin(name.strip().lower(), style=Style.NORMAL, errors="default"):
        for word in _ASCII_WORD.findall(syllable.lower()):
            full.append(word)
            initials.append(word[0])
    return "".join(full)[:200], "".join(initials)[:50]


def search_key(name: str) -> str:
    """One stored search key holding both: ``"zhangsan zs"`` — a ``contains`` lookup on it finds
    a full-pinyin fragment or the initials."""
    full, initials = name_keys(name)
    return f"{full} {initials}".strip()
