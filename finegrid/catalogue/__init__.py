"""Categories of parts and matters (GB/T 47678.5-2026), filing rules and limits, the component inventory."""
