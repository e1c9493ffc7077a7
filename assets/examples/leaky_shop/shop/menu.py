"""The category menu: a tree of nodes that know both their children and their parent (for breadcrumbs)."""

from __future__ import annotations

from html import escape

from .models import Category


class MenuNode:
    def __init__(self, label: str, parent: MenuNode | None = None, html: str = "") -> None:
        self.label = label
        self.html = html
        self.children: list[MenuNode] = []
        self.parent = parent  # child -> parent, and parent.children holds child -> parent: a reference cycle
        if parent is not None:
            parent.children.append(self)

    def breadcrumbs(self) -> list[str]:
        node, trail = self, []
        while node is not None:
            trail.append(node.label)
            node = node.parent
        return trail[::-1]

    def find(self, label: str) -> MenuNode | None:
        if self.label == label:
            return self
        return next((hit for child in self.children if (hit := child.find(label))), None)

    def render(self) -> str:
        inner = "".join(child.render() for child in self.children)
        return f"<li>{self.html}<ul>{inner}</ul></li>" if inner else f"<li>{self.html}</li>"


# The menu in use: rebuilt by the category page, read by the product pages for their breadcrumbs.
_current_menu: MenuNode | None = None


def rebuild_menu() -> MenuNode:
    """Rebuild the menu from the database (categories change) and make it the current one."""
    global _current_menu
    _current_menu = _build_menu()
    return _current_menu


def current_menu() -> MenuNode:
    return _current_menu or rebuild_menu()


VARIANTS = ("standard", "gift wrapped", "monthly subscription")


def _build_menu() -> MenuNode:
    root = MenuNode("All products", html="<strong>All products</strong>")
    for category in Category.objects.prefetch_related("products"):
        branch = MenuNode(category.name, parent=root, html=f"<strong>{escape(category.name)}</strong>")
        for product in category.products.all():
            link = f'<a href="/products/{product.pk}/">{escape(product.name)}</a>'
            leaf = MenuNode(product.name, parent=branch, html=link)
            for variant in VARIANTS:
                # PLANTED LEAK (garbage-collection): each node links to its parent and the parent lists its
                # children, so every menu tree (~200 nodes, ~70 KB) is a reference cycle that only the cyclic
                # collector can free. A tree is still current when the next request's young-generation sweep
                # runs (shop/perf.py), so it moves to an older generation; once the rebuild replaces it, it is
                # garbage that no collection ever visits. Fix: let the collector run (or call gc.collect()), and
                # make the parent link a weakref.ref so a replaced tree is freed by reference counting alone.
                link = f'<a href="/products/{product.pk}/?variant={variant}">{escape(product.name)}, {variant}</a>'
                MenuNode(f"{product.name}, {variant}", parent=leaf, html=link)  # PLANTED LEAK (garbage-collection)
    return root
