"""The Apple Picking Game of the paper's Section 4."""
