"""PRODUCT.md's flow envelope: {"name", "description", "tree_type", "problem_domain", "match_keywords",
"tree_structure"}. One cleaner for every writer (editor, drafts, imports, API, proposals). Pure: no ORM.
"""

from knowledge.errors import InvalidEnvelope, InvalidTree
from knowledge.tree_format import PROCEDURAL, TREE_TYPES, TROUBLESHOOTING, validate_tree

ENVELOPE_FIELDS = ("name", "description", "tree_type", "problem_domain", "match_keywords", "tree_structure")
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_KEYWORDS = 40
MAX_KEYWORD_LENGTH = 80


def clean_envelope(data, *, domains, defaults: dict | None = None) -> dict:
    """Return a normalised envelope, or raise `InvalidEnvelope` naming the first bad field.

    `defaults` fills missing fields (e.g. the target flow's envelope when a bare tree is given).
    A bare `tree_structure` (an object with "id"/"type" or "steps") is accepted and wrapped.
    """
    if not isinstance(data, dict):
        raise InvalidEnvelope("non_field_errors", "flow data must be a JSON object")
    if _is_bare_tree(data):
        data = {"tree_structure": data}
    merged = {**(defaults or {}), **{k: v for k, v in data.items() if k in ENVELOPE_FIELDS}}

    name = merged.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidEnvelope("name", "a flow needs a name")
    if len(name.strip()) > MAX_NAME:
        raise InvalidEnvelope("name", f"at most {MAX_NAME} characters")

    description = merged.get("description") or ""
    if not isinstance(description, str):
        raise InvalidEnvelope("description", "must be text")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidEnvelope("description", f"at most {MAX_DESCRIPTION} characters")

    structure = merged.get("tree_structure")
    tree_type = merged.get("tree_type") or (
        PROCEDURAL if isinstance(structure, dict) and "steps" in structure else TROUBLESHOOTING
    )
    if tree_type not in TREE_TYPES:
        raise InvalidEnvelope("tree_type", f"must be one of {', '.join(TREE_TYPES)}")

    domain = merged.get("problem_domain") or None
    if domain is not None and domain not in domains:
        raise InvalidEnvelope("problem_domain", f"'{domain}' is not a known domain")

    cleaned_keywords = clean_keywords(merged.get("match_keywords") or [])

    if structure is None:
        raise InvalidEnvelope("tree_structure", "root: a flow needs a tree")
    try:
        validate_tree(tree_type, structure)
    except InvalidTree as exc:
        raise InvalidEnvelope("tree_structure", str(exc)) from exc

    return {
        "name": " ".join(name.split()),
        "description": description.strip(),
        "tree_type": tree_type,
        "problem_domain": domain,
        "match_keywords": cleaned_keywords,
        "tree_structure": structure,
    }


def clean_keywords(keywords) -> list[str]:
    """The keywords with their spaces collapsed, empty ones dropped and repeats (any case) removed.

    More than `MAX_KEYWORDS` items are refused before any is looked at, so the work is bounded by the
    cap whatever the input's size (the API and the editor refuse them where they enter, too).
    """
    if not isinstance(keywords, list):
        raise InvalidEnvelope("match_keywords", "must be a list of keywords")
    if len(keywords) > MAX_KEYWORDS:
        raise InvalidEnvelope("match_keywords", too_many_keywords(len(keywords)))
    cleaned: list[str] = []
    seen: set[str] = set()
    for index, keyword in enumerate(keywords):
        if not isinstance(keyword, str):
            raise InvalidEnvelope("match_keywords", f"item {index} must be text")
        keyword = " ".join(keyword.split())
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise InvalidEnvelope("match_keywords", f"item {index} is longer than {MAX_KEYWORD_LENGTH} characters")
        folded = keyword.casefold()
        if keyword and folded not in seen:
            seen.add(folded)
            cleaned.append(keyword)
    return cleaned


def too_many_keywords(count: int) -> str:
    """The one wording of the keyword cap, for the envelope, the API and the editor."""
    return f"at most {MAX_KEYWORDS} keywords ({count:,} given)"


def _is_bare_tree(data: dict) -> bool:
    return "tree_structure" not in data and ("steps" in data or ("id" in data and "type" in data))
