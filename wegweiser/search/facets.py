"""Filter words: what the guide's filters ask of an offer, written into its search documents
as words of their own column, so a filtered search is one full-text lookup rather than a
join per filter. `offer_facets` writes them; `filter_facets` turns the visitor's filters into
the words to look for. Opening-hour filters (open now, open on a weekday) depend on the clock
and stay SQL conditions (site/queries.py)."""

AGE_LIMIT = 120
ANY_AGE = "fageany"
FREE = "ffree"
STEP_FREE = "fstepfree"
WALK_IN = "fwalkin"


def _with_ancestors(pk: int, parents: dict[int, int | None]) -> list[int]:
    chain, seen = [], set()
    while pk is not None and pk not in seen:
        seen.add(pk)
        chain.append(pk)
        pk = parents.get(pk)
    return chain


def offer_facets(offer, category_parents: dict, area_parents: dict) -> str:
    """The filter words of an offer. Categories and areas carry their ancestors, so a filter
    on a topic or an area finds what is filed under its subtopics or parts."""
    words = set()
    for category in offer.categories.all():
        words.update(f"fcat{pk}" for pk in _with_ancestors(category.pk, category_parents))
    words.update(f"flang{language.pk}" for language in offer.languages.all())
    words.update(f"ftarget{group.pk}" for group in offer.target_groups.all())
    places = list(offer.offer_locations.all())
    for place in places:
        if place.location.area_id:
            words.update(
                f"farea{pk}" for pk in _with_ancestors(place.location.area_id, area_parents)
            )
    if offer.age_min is None and offer.age_max is None:
        words.add(ANY_AGE)
    else:
        low, high = offer.age_min or 0, min(offer.age_max or AGE_LIMIT, AGE_LIMIT)
        words.update(f"fage{age}" for age in range(low, high + 1))
    if offer.cost == "free":
        words.add(FREE)
    if any(place.location.step_free_access for place in places):
        words.add(STEP_FREE)
    if not offer.registration_required and not any(p.by_appointment_only for p in places):
        words.add(WALK_IN)
    return " ".join(sorted(words))


def filter_facets(data: dict) -> list[list[str]]:
    """The visitor's filters (a cleaned search form) as groups of words: a document must hold
    one word of every group."""
    groups = []
    if data.get("category"):
        groups.append([f"fcat{data['category'].pk}"])
    if data.get("language"):
        groups.append([f"flang{data['language'].pk}"])
    if data.get("target"):
        groups.append([f"ftarget{data['target'].pk}"])
    if data.get("area"):
        groups.append([f"farea{data['area'].pk}"])
    if data.get("age") is not None:
        groups.append([f"fage{data['age']}", ANY_AGE])
    if data.get("free"):
        groups.append([FREE])
    if data.get("step_free"):
        groups.append([STEP_FREE])
    if data.get("no_appointment"):
        groups.append([WALK_IN])
    return groups
