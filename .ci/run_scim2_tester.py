"""Runs the third-party conformance checker scim2-tester against a running SCIM server.

Usage: python run_scim2_tester.py BASE_URL TOKEN
Prints one line per check and exits 1 if any check reports ERROR or CRITICAL (a MUST of the
RFCs violated); DEVIATION (a SHOULD) is printed but does not fail.
"""

import collections
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    results = check_server(SyncSCIMClient(http))
    counts = collections.Counter(r.status.name for r in results)
    for r in results:
        where = f"[{r.resource_type}] " if r.resource_type else ""
        print(f"{r.status.name:10} {where}{r.title}: {r.reason or ''}")
    print("scim2-tester summary:", dict(sorted(counts.items())))
    failed = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
