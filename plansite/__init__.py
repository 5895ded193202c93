"""plansite: a searchable archive of Chinese government work plans."""
