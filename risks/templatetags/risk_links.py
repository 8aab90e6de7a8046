"""What the risks app shows on the pages of what a risk concerns (a key action, a theme).

The plans templates load this library: plans never imports risks, the risks app contributes its
part to their pages (as its panels do to the report). Each tag reads through one selector, once.
"""

from django import template

from risks import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def risks_for_action(context, action):
    """Return the risks linked to the key action (one query)."""
    return selectors.risk_links_for_action(user=context["request"].user, action=action)


@register.simple_tag(takes_context=True)
def risks_by_theme(context, plan):
    """Return the risks linked to each theme of the plan, by theme pk (one query for every theme)."""
    return selectors.risk_links_by_theme(user=context["request"].user, plan=plan)


@register.inclusion_tag("risks/_linked_risks.html")
def linked_risks(risks, *, what, filter_name, pk, heading="h2"):
    """Render the linked risks with a link to the register filtered to them."""
    if isinstance(risks, dict):
        risks = risks.get(pk, [])
    return {
        "risks": risks,
        "what": what,
        "filter": f"{filter_name}={pk}",
        "heading": heading,
        "anchor": f"risks-{filter_name}-{pk}",
    }
