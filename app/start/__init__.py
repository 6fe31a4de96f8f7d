"""Each role's start page: a few facts from every area and where to go next (the top of the layers)."""
