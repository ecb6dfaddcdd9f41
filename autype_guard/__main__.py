"""`python -m autype_guard`."""

from .quickscan import main

if __name__ == "__main__":
    main()
