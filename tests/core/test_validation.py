"""The shared input checks services apply, and the tree helpers."""

from types import SimpleNamespace

import pytest

from medspa.core.errors import ValidationError
from medspa.core.trees import tree_depth, tree_path
from medspa.core.validation import MAX_ORDER, clean_code, clean_order, clean_text

pytestmark = pytest.mark.req("PLT-06")


def test_text_is_stripped_and_bounded():
    assert clean_text("  注射美容组 ", field="name", max_length=10, label="名称") == "注射美容组"
    with pytest.raises(ValidationError) as empty:
        clean_text("   ", field="name", max_length=10, label="名称")
    assert (empty.value.message, empty.value.field) == ("请输入名称。", "name")
    with pytest.raises(ValidationError) as long:
        clean_text("x" * 11, field="name", max_length=10, label="名称")
    assert long.value.field == "name" and "10" in long.value.message


@pytest.mark.parametrize("code", ["east", "E-1", "laser_2"])
def test_good_codes(code):
    assert clean_code(code) == code


@pytest.mark.parametrize("code", ["东区", "a b", "a/b", "é", "x" * 33])
def test_bad_codes(code):
    with pytest.raises(ValidationError) as info:
        clean_code(code)
    assert info.value.field == "code"


@pytest.mark.parametrize(("value", "expected"), [(None, 0), (0, 0), (10, 10), (MAX_ORDER, MAX_ORDER)])
def test_orders(value, expected):
    assert clean_order(value) == expected


@pytest.mark.parametrize("value", [-1, MAX_ORDER + 1, True])
def test_bad_orders(value):
    with pytest.raises(ValidationError) as info:
        clean_order(value)
    assert info.value.field == "order"


def test_tree_path_and_depth_follow_loaded_parents():
    root = SimpleNamespace(name="医学美容科", parent=None)
    child = SimpleNamespace(name="注射美容组", parent=root)
    leaf = SimpleNamespace(name="玻尿酸", parent=child)
    assert tree_path(leaf) == "医学美容科 / 注射美容组 / 玻尿酸"
    assert tree_path(leaf, " · ") == "医学美容科 · 注射美容组 · 玻尿酸"
    assert tree_path(None) == ""
    assert [tree_depth(n) for n in (root, child, leaf)] == [0, 1, 2]
