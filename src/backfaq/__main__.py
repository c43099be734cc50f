"""Allow ``python -m backfaq``."""

from backfaq.cli import main

if __name__ == "__main__":
    main()
