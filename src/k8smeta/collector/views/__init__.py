"""Pure per-node views: what node N must hold, and the Create/Update/Delete diffs."""
