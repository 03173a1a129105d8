from django import template

register = template.Library()


@register.simple_tag
def coverage_cell(coverage, topic_id, code):
    """(current, total, percent) of one cell of the coverage table."""
    current, total = coverage.cell(topic_id, code)
    return {
        "current": current,
        "total": total,
        "percent": round(100 * current / total) if total else None,
    }
