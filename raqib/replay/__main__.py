"""``python -m raqib.replay [--port 8765] [--sample FILE] [--generated N]``."""

from __future__ import annotations

import argparse
import time

from raqib.replay import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Raqib's replay site on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sample", help="plain-text sample article to serve as manbar 207")
    parser.add_argument("--generated", type=int, default=0, help="synthetic /gen/ articles")
    args = parser.parse_args()
    site = serve(args.host, args.port, sample_file=args.sample, generated=args.generated)
    print(f"replay site at {site.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
