"""The command-centre screen (指挥大屏): a self-refreshing wall dashboard of the user's scope.

`figures` reads the numbers (aggregated in the database, scoped by `visible_cases`); `views`
serves the page and the JSON it polls. docs/screen.md defines every figure.
"""
