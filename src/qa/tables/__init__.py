"""Tables as data: the table model, reading grids, header layout, cell values, numbers and scale."""
