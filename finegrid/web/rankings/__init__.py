"""The rankings pages: a scheme's ranking per period, a subject's figures and trend, the cases behind
every figure, comparisons on charts, bulletin downloads, and the centre's runs management."""
