"""Strongly connected components of a directed graph (Tarjan's algorithm, without recursion).

Used for dependency cycles between deliverables and milestones (MS405) and, in the tests, for
import circles between the package's modules.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def strongly_connected(graph: Mapping[Node, Iterable[Node]]) -> list[list[Node]]:
    """Every strongly connected component of ``graph`` (node -> successors), each in the order
    its members were closed; nodes only named as successors are included."""
    successors: dict[Node, list[Node]] = {}
    for node, targets in graph.items():
        successors.setdefault(node, []).extend(targets)
        for target in successors[node]:
            successors.setdefault(target, [])
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    stack: list[Node] = []
    on_stack: set[Node] = set()
    found: list[list[Node]] = []
    counter = 0
    for start in successors:
        if start in index:
            continue
        work = [(start, iter(successors[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[Node] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found
