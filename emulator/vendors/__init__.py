"""One package per emulated vendor, each the same shape (see STYLE.md)."""
