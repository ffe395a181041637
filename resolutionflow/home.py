"""The home page's blocks: what a user has to do next, which the apps register when they are ready.

The core names no app: an app calls `register_home_block(HomeBlock(...))` from its AppConfig.ready, the way
it registers a sidebar badge (resolutionflow/navigation.py). A block is shown to its audience (everyone,
admins — team admins and owners — or owners only) when the page it links to exists. Its `context(user)`
returns what its template needs, read through the app's selectors (so scoped to the user's account), and
`items`: an empty `items` shows the block's `empty_text`, a sentence that says what fills it (a block
with no `empty_text`, such as the intake, is never empty).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

EVERYONE, ADMINS, OWNERS = "everyone", "admins", "owners"


@dataclass(frozen=True)
class HomeBlock:
    key: str
    title: str
    template: str  # renders the block's body from its context (`items` and whatever else it returns)
    context: Callable[..., dict]  # context(user) -> {"items": [...], ...}
    url_name: str  # the page the block links to ("" for none)
    link_label: str
    empty_text: str
    audience: str = EVERYONE
    order: int = 100
    url_kwargs: dict = field(default_factory=dict)
    query: str = ""  # the linked page's filters, e.g. "status=active"
    empty_title: str = ""  # the empty state's heading; the block's title by default
    wide: bool = False  # spans the page's two columns


_blocks: dict[str, HomeBlock] = {}


def register_home_block(block: HomeBlock) -> None:
    _blocks[block.key] = block


def _is_for(block: HomeBlock, user) -> bool:
    if block.audience == OWNERS:
        return user.is_owner
    if block.audience == ADMINS:
        return user.is_admin
    return True


def blocks_for(user) -> list[dict]:
    """The blocks `user` sees, in order, each with its link and its context."""
    shown = []
    for block in sorted(_blocks.values(), key=lambda b: (b.order, b.key)):
        if not _is_for(block, user):
            continue
        url = ""
        if block.url_name:
            try:
                url = reverse(block.url_name, kwargs=block.url_kwargs)
            except NoReverseMatch:  # the app serving the page is not installed: no dead link on the home page
                continue
        if block.query:
            url = f"{url}?{block.query}"
        context = block.context(user)
        is_empty = bool(block.empty_text) and not context.get("items")  # a block without one is never empty
        shown.append({"block": block, "url": url, "is_empty": is_empty, **context})
    return shown
