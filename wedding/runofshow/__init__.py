"""The run of show: the timed order of a ceremony, from templates, editable and reorderable."""
