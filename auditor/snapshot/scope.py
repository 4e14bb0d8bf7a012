"""Which machines a configuration assignment covers: static links and dynamic-scope filters.

Dynamic scopes are evaluated by Azure at run time (DOMAIN.md 4.2); the auditor evaluates the
same filter against the snapshot. The filter's criteria are ANDed (inferred from Microsoft's
documentation, not stated); an empty criterion matches everything; tags follow
`filterOperator` (All or Any); tag names compare case-insensitively as Azure treats them,
tag values exactly; locations match in display or programmatic form.
"""

from __future__ import annotations

from auditor.model import Assignment, DynamicScopeFilter, Machine


def scope_contains(scope_key: str, machine: Machine) -> bool:
    """A dynamic assignment sits on a subscription or a resource group (lowercased ids)."""
    parts = scope_key.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "subscriptions" or parts[1] != machine.subscription_id.lower():
        return False
    if len(parts) == 2:
        return True
    return len(parts) == 4 and parts[2] == "resourcegroups" \
        and parts[3] == machine.resource_group.lower()


def filter_matches(criteria: DynamicScopeFilter, machine: Machine) -> bool:
    if criteria.resource_types and machine.type not in criteria.resource_types:
        return False
    if criteria.resource_groups and machine.resource_group.lower() not in criteria.resource_groups:
        return False
    if criteria.os_types and machine.os_type.lower() not in criteria.os_types:
        return False
    if criteria.locations and machine.location not in criteria.locations:
        return False
    return _tags_match(criteria, machine.tags)


def _tags_match(criteria: DynamicScopeFilter, tags: dict[str, str]) -> bool:
    if not criteria.tags:
        return True
    folded = {key.lower(): value for key, value in tags.items()}
    hits = [folded.get(key.lower()) in values for key, values in criteria.tags.items()]
    return all(hits) if criteria.tag_operator == "All" else any(hits)


def covers(assignment: Assignment, machine: Machine) -> bool:
    if not assignment.dynamic:
        return assignment.resource_key == machine.key
    return assignment.filter is not None and scope_contains(assignment.resource_key, machine) \
        and filter_matches(assignment.filter, machine)
