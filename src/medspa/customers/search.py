"""Search keys of a customer (CRM-04): full pinyin and initials of the name, the last four digits
of the phone. ``张三`` → ``zhangsan`` / ``zs``; a polyphonic character contributes its first
reading (pypinyin's phrase dictionary picks it for common names)."""

from __future__ import annotations

from medspa.core.pinyin import name_keys

__all__ = ["classify", "name_keys", "phone_last4"]


def phone_last4(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def classify(query: str) -> str:
    """What a typed query is: ``last4`` (exactly 4 digits), ``phone`` (5+ digits), ``pinyin``
    (Latin letters), else ``text`` (a name or card no in Chinese or mixed)."""
    text = query.strip()
    if text.isdigit():
        return "last4" if len(text) == 4 else "phone"
    if text.isascii() and text.isalpha():
        return "pinyin"
    return "text"
