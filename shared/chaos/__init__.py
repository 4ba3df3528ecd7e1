"""Chaos experiments: a fault injected into a growing share of a service's traffic, the steady
state judged like a canary at every step, halted like a page."""
