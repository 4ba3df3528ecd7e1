"""`make bench`: every benchmark, printing its figures."""

from __future__ import annotations

from benchmarks import (
    alerts,
    audit_trail,
    canary,
    chaos,
    cloud_like,
    investigation,
    nab,
    prompts,
    redaction,
    retrieval,
    serve_soak,
    slack_cold_start,
    tenants,
)

if __name__ == "__main__":
    slack_cold_start.main()
    print()
    audit_trail.main()
    redaction.main()
    print()
    nab.main()
    cloud_like.main()
    print()
    investigation.main()
    print()
    alerts.main()
    print()
    canary.main()
    print()
    chaos.main()
    print()
    prompts.main()
    retrieval.main()
    print()
    serve_soak.main()
    print()
    tenants.main()
