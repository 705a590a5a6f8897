"""The campaign pages (专项行动), mounted at /campaigns/."""
