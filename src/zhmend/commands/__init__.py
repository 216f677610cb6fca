"""One module per ``zhmend`` sub-command."""
